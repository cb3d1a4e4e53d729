"""Test support for users of the Jira connector: `FakeJira`, a loopback fake Jira."""

from .fake import FakeJira

__all__ = ["FakeJira"]
