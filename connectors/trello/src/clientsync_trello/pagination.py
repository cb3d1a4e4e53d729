"""Trello's newest-first paging: each next page is `before` the smallest id seen so far."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clientsync.errors import FatalTrackerError


class BeforePaginator:
    """Pages of at most `limit` records, newest first; a short page is the last one.

    The token is the smallest id of a page (ids are creation-ordered ObjectIds). A token
    that comes back twice means the server ignores `before`: that would loop forever.
    `shrink()` halves the page size after Trello refuses a page as too large.
    """

    def __init__(self, limit: int, *, what: str, minimum: int = 10) -> None:
        if limit < 1:
            raise ValueError("page limit must be at least 1")
        self.limit = limit
        self.minimum = min(minimum, limit)
        self.what = what
        self.before: str | None = None
        self.done = False
        self._tokens: set[str] = set()

    def params(self) -> dict[str, str]:
        params = {"limit": str(self.limit)}
        if self.before is not None:
            params["before"] = self.before
        return params

    def advance(self, page: Sequence[Any]) -> None:
        ids = [r["id"] for r in page if isinstance(r, dict) and isinstance(r.get("id"), str)]
        if len(page) < self.limit or not ids:
            self.done = True
            return
        token = min(ids)
        if token in self._tokens:
            raise FatalTrackerError(
                f"{self.what}: Trello returned the page before {token} twice; "
                "paging would never end"
            )
        self._tokens.add(token)
        self.before = token

    def shrink(self) -> bool:
        """Halve the page size; False when it is already at the minimum."""
        if self.limit <= self.minimum:
            return False
        self.limit = max(self.minimum, self.limit // 2)
        return True
