"""clientsync's Jira connector. Import-light: the `jira` SDK is imported on first use."""

from .connector import JiraConnector

__all__ = ["JiraConnector"]
