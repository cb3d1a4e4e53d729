"""Write-back: a project status update or a comment story, each exactly once per key.

Asana has no idempotency keys, so each post ends with a short reference line derived
from the key, and every attempt first looks for a post carrying it: a retry after a
timeout that hid a successful POST finds that post instead of writing a second one.
A status update notifies every project follower and cannot be edited, so it is refused
unless `status_updates = true`.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from clientsync.errors import ConfigError, FatalTrackerError

if TYPE_CHECKING:
    from clientsync.ports import ReadResult

    from .client import AsanaClient

__all__ = ["STATUS_TYPES", "Writer", "reference_line"]

STATUS_TYPES = {
    "green": "on_track",
    "on_track": "on_track",
    "amber": "at_risk",
    "yellow": "at_risk",
    "at_risk": "at_risk",
    "red": "off_track",
    "off_track": "off_track",
}


def reference_line(idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
    return f"(clientsync ref {digest})"


class Writer:
    """`TrackerWriter.post_update` for `AsanaConnector` (mixed in)."""

    client: AsanaClient
    project_gid: str
    status_updates: bool
    comment_task: str | None
    _keys: dict[str, str]
    _posted: dict[str, str]

    def post_update(self, target: str, body: str, *, idempotency_key: str) -> str:
        """Post `body` to `target`; returns the story or status update gid.

        Targets: `status:<rag>` (green/amber/red or on_track/at_risk/off_track; the first
        line of `body` is the title), `comment` (the configured `comment_task`), a task
        gid, or an item key from the last read.
        """
        if idempotency_key in self._posted:
            return self._posted[idempotency_key]
        reference = reference_line(idempotency_key)
        text = f"{body.rstrip()}\n\n{reference}"
        if target == "status" or target.startswith("status:"):
            posted = self._post_status(target, text, reference)
        else:
            posted = self._post_comment(self._task_gid(target), text, reference)
        self._posted[idempotency_key] = posted
        return posted

    def _post_status(self, target: str, text: str, reference: str) -> str:
        if not self.status_updates:
            raise ConfigError(
                "asana connector: posting a project status update notifies every follower and "
                "cannot be edited; set status_updates = true in the source to allow it"
            )
        rag = target.partition(":")[2].strip().lower()
        status_type = STATUS_TYPES.get(rag)
        if status_type is None:
            raise ConfigError(
                f"asana connector: status target {target!r} needs a RAG, e.g. 'status:amber' "
                f"(one of {', '.join(sorted(STATUS_TYPES))})"
            )
        title, _, rest = text.partition("\n")
        body = {
            "parent": self.project_gid,
            "status_type": status_type,
            "title": title.strip()[:200],
            "text": rest.strip() or text,
        }

        def attempt() -> str:
            found = self._find(
                "StatusUpdatesApi",
                "get_statuses_for_object",
                self.project_gid,
                reference=reference,
                what="GET status updates",
            )
            if found is not None:
                return found
            created = self.client.write(
                "StatusUpdatesApi", "create_status_for_object", body, what="POST status update"
            )
            return str(created["gid"])

        return self.client.retry.call(attempt, idempotent=True)

    def _post_comment(self, task_gid: str, text: str, reference: str) -> str:
        def attempt() -> str:
            found = self._find(
                "StoriesApi",
                "get_stories_for_task",
                task_gid,
                reference=reference,
                what="GET stories",
            )
            if found is not None:
                return found
            created = self.client.write(
                "StoriesApi", "create_story_for_task", {"text": text}, task_gid, what="POST story"
            )
            return str(created["gid"])

        return self.client.retry.call(attempt, idempotent=True)

    def _find(self, api: str, method: str, parent: str, *, reference: str, what: str) -> str | None:
        """The gid of an existing post carrying `reference` (pages retried one by one)."""
        offset: str | None = None
        while True:
            opts: dict[str, Any] = {"opt_fields": "text", "limit": 100}
            if offset:
                opts["offset"] = offset
            page = self.client.page_once(api, method, parent, opts=opts, what=what)
            for record in page.get("data") or ():
                if reference in str(record.get("text") or ""):
                    return str(record["gid"])
            next_page = page.get("next_page") or {}
            offset = next_page.get("offset")
            if not offset:
                return None

    def _task_gid(self, target: str) -> str:
        if target == "comment":
            if self.comment_task is None:
                raise ConfigError(
                    "asana connector: set comment_task to the gid of the task that takes "
                    "status comments"
                )
            return self.comment_task
        if re.fullmatch(r"\d+", target):
            return target
        if target not in self._keys.values():
            self.read(full=True)  # keys are learnt from a read
        for gid, key in self._keys.items():
            if key == target:
                return gid
        raise FatalTrackerError(f"asana connector: no task with key {target!r} in the project")

    if TYPE_CHECKING:

        def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult: ...
