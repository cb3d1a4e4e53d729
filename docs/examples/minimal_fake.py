"""A loopback fake of the Tasklist API, on clientsync.testing.FakeServer.

Ship one like it with your connector: your tests and your users' tests run against it,
with the faults the base class injects (429 with Retry-After, 5xx, resets, slow replies).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from clientsync.testing import FakeRequest, FakeServer, ReplyLike, route

EPOCH = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class FakeTasklist(FakeServer):
    def __init__(self, *, token: str, page_size: int = 100, **faults: Any) -> None:
        super().__init__(**faults)
        self.token, self.page_size = token, page_size
        self.tasks: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, str] = {}  # idempotency key -> comment id
        self._tick = 0

    def now(self) -> str:
        """A clock that moves one second per change: every change is after the last read."""
        return (EPOCH + timedelta(seconds=self._tick)).isoformat()

    def touch(self) -> str:
        self._tick += 1
        return self.now()

    def _denied(self, request: FakeRequest) -> ReplyLike | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {}, {"error": "unauthorized"}
        return None

    @route("GET", "/api/projects/{project}/tasks")
    def list_tasks(self, request: FakeRequest) -> ReplyLike:
        if denied := self._denied(request):
            return denied
        after = request.arg("updated_after")
        limit = min(int(request.arg("limit") or 100), self.page_size)
        page = int(request.arg("page") or 1)
        changed = [t for t in self.tasks.values() if after is None or t["updated"] > after]
        chunk = changed[(page - 1) * limit : page * limit]
        more = page * limit < len(changed)
        body = {"tasks": chunk, "next_page": page + 1 if more else None, "server_time": self.now()}
        return 200, {}, body

    @route("GET", "/api/projects/{project}/task-ids")
    def task_ids(self, request: FakeRequest) -> ReplyLike:
        return self._denied(request) or (200, {}, {"ids": sorted(self.tasks)})

    @route("POST", "/api/tasks/{key}/comments")
    def comment(self, request: FakeRequest) -> ReplyLike:
        if denied := self._denied(request):
            return denied
        key = request.headers.get("idempotency-key", "")
        comment_id = self.comments.setdefault(key, f"c{len(self.comments) + 1}")
        return 201, {}, {"id": comment_id}
