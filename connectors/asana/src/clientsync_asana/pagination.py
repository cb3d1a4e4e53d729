"""Asana's two cursors: `next_page.offset` for lists, the events `sync` token for changes.

Each paginator takes one raw page (`full_payload=True`) at a time, so every page is one
retried call and a failure re-fetches that page only. A token the server repeats would
loop forever; both raise instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clientsync.errors import FatalTrackerError

__all__ = ["EventPaginator", "OffsetPaginator"]


class OffsetPaginator:
    """Follows `next_page.offset` until it is null."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.offset: str | None = None
        self.done = False
        self.pages = 0
        self._seen: set[str] = set()

    def advance(self, page: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Record a page; return its records."""
        self.pages += 1
        next_page = page.get("next_page")
        offset = next_page.get("offset") if isinstance(next_page, Mapping) else None
        if offset is None:
            self.done = True
        elif offset in self._seen:
            raise FatalTrackerError(
                f"Asana returned the same page offset twice while listing {self.what}; "
                "stopping instead of looping"
            )
        else:
            self._seen.add(offset)
        self.offset = offset
        data = page.get("data")
        return list(data) if isinstance(data, list) else []


class EventPaginator:
    """Follows `sync` tokens while `has_more` is true; `token` is the one to store."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.done = False
        self.pages = 0

    def advance(self, page: Mapping[str, Any]) -> list[dict[str, Any]]:
        self.pages += 1
        new = page.get("sync")
        has_more = bool(page.get("has_more"))
        if not isinstance(new, str) or not new:
            raise FatalTrackerError("Asana events response has no sync token")
        if has_more and new == self.token:
            raise FatalTrackerError(
                "Asana events returned the same sync token with has_more; "
                "stopping instead of looping"
            )
        self.token = new
        self.done = not has_more
        data = page.get("data")
        return list(data) if isinstance(data, list) else []
