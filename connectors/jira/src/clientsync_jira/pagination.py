"""Small paginators for Jira's two paging styles, each refusing to loop.

Jira Cloud's `search/jql` and `changelog/bulkfetch` page by an opaque `nextPageToken`
(absent on the last page, no total); the older endpoints (`search` on Data Center,
`project/{key}/version`, `issue/{key}/changelog`) page by `startAt` with a `total` and
`isLast`. A server that repeats a token or stops advancing would make a naive loop spin
forever (the `jira` package has no such guard), so both paginators raise instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clientsync.errors import FatalTrackerError

__all__ = ["OffsetPaginator", "PaginationLoopError", "TokenPaginator"]


class PaginationLoopError(FatalTrackerError):
    """The tracker sent a page token (or offset) it had already sent: a paging loop."""


class TokenPaginator:
    """`nextPageToken` paging: done when a page carries no token (or says `isLast`)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.token: str | None = None
        self.done = False
        self.pages = 0
        self._seen: set[str] = set()

    def advance(self, page: Mapping[str, Any]) -> None:
        self.pages += 1
        token = page.get("nextPageToken")
        if not token or page.get("isLast") is True:
            self.token, self.done = None, True
            return
        token = str(token)
        if token in self._seen:
            raise PaginationLoopError(
                f"{self.what}: Jira sent page token {token[:16]!r}... twice after "
                f"{self.pages} pages; stopping instead of looping"
            )
        self._seen.add(token)
        self.token = token


class OffsetPaginator:
    """`startAt` paging: done on `isLast`, at `total`, or on an empty page."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.start_at = 0
        self.done = False
        self.pages = 0

    def advance(self, page: Mapping[str, Any], received: int) -> None:
        self.pages += 1
        start = int(page.get("startAt", self.start_at) or 0)
        if start != self.start_at:
            raise PaginationLoopError(
                f"{self.what}: asked for items from {self.start_at}, Jira answered from {start}"
            )
        self.start_at = start + received
        total = page.get("total")
        if (
            received == 0
            or page.get("isLast") is True
            or (isinstance(total, int) and self.start_at >= total)
        ):
            self.done = True
