"""The Asana connector for clientsync; the `asana` SDK is imported on first use only."""

from .connector import AsanaConnector

__all__ = ["AsanaConnector"]
