"""The library's errors. Each names what went wrong and how to fix it; none holds a secret."""

from __future__ import annotations


class ClientsyncError(Exception):
    """Base of every error clientsync raises on purpose."""

    exit_code = 3


class ConfigError(ClientsyncError):
    """Bad configuration or usage: names the file, the key path and the fix."""

    exit_code = 2


class TrackerError(ClientsyncError):
    """A tracker could not be read or written."""

    exit_code = 3

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientTrackerError(TrackerError):
    """Worth retrying: 408, 429, 5xx, a reset connection, a timeout."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class FatalTrackerError(TrackerError):
    """Not worth retrying: authentication, permission, not found, a bad request."""


class SyncError(ClientsyncError):
    """The sync refused to go on (lost access, another sync holds the store)."""

    exit_code = 3


class StoreError(ClientsyncError):
    """The store file is unreadable, from a newer version, or locked."""

    exit_code = 3
