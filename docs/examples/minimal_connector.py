"""A complete minimal connector for "Tasklist", a made-up tracker with a small JSON API.

    GET  /api/projects/{project}/tasks?limit=&page=&updated_after=
         -> {"tasks": [...], "next_page": 2 | null, "server_time": "2026-..."}
    GET  /api/projects/{project}/task-ids -> {"ids": [...]}
    POST /api/tasks/{key}/comments  (header Idempotency-Key) -> {"id": "..."}

It reads with the standard library only; a real connector would use the tracker's SDK
with the SDK's own retries turned off, since clientsync.retry is the one retry layer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from clientsync import ItemState, Project, WorkItem
from clientsync.config import resolve_env
from clientsync.errors import ConfigError, FatalTrackerError, TransientTrackerError
from clientsync.ports import ReadResult, RejectedItem

STATES = {"open": ItemState.TODO, "doing": ItemState.IN_PROGRESS, "done": ItemState.DONE}


class TasklistConnector:
    """`[[sources]] connector = "tasklist"`, `url`, `project`, `token_env`."""

    def __init__(self, url: str, project: str, token: str, *, timeout: float = 30.0) -> None:
        self.url, self.project, self.timeout = url.rstrip("/"), project, timeout
        self._token = token  # never in a message, a repr or a URL

    def __repr__(self) -> str:
        return f"TasklistConnector(url={self.url!r}, project={self.project!r})"

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path
    ) -> TasklistConnector:
        unknown = set(options) - {"url", "project", "token_env"}
        if unknown or not {"url", "project"} <= set(options):
            raise ConfigError(
                "tasklist connector: set url and project (and token_env, default "
                f"TASKLIST_TOKEN); unknown: {', '.join(sorted(unknown)) or 'none'}"
            )
        token = resolve_env(options.get("token_env", "TASKLIST_TOKEN"), env, needed_by="tasklist")
        return cls(options["url"], options["project"], token.get_secret_value())

    # -- TrackerReader -------------------------------------------------------------------

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        since = None if full else cursor
        base = f"/api/projects/{self.project}"
        tasks: list[dict[str, Any]] = []
        page: int | None = 1
        server_time = None
        while page is not None:
            query = {"limit": 100, "page": page, **({"updated_after": since} if since else {})}
            body = self._call("GET", f"{base}/tasks?{urllib.parse.urlencode(query)}")
            server_time = server_time or body["server_time"]  # the cursor: when reading began
            tasks += body["tasks"]
            page = body["next_page"]
        items, rejected = [], []
        for task in tasks:
            try:
                items.append(self._item(task))
            except (KeyError, ValueError) as error:  # one bad task never sinks the sync
                key = str(task.get("key", "?"))
                rejected.append(RejectedItem("tasklist", key, "(task)", f"unreadable: {error}"))
        census_ids = None
        if since is not None:  # incremental: deletions show up as ids missing from the census
            census_ids = frozenset(self._call("GET", f"{base}/task-ids")["ids"])
        return ReadResult(
            project=Project(id=self.project, name=self.project, tracker="tasklist"),
            items=tuple(items),
            cursor=server_time,
            census=since is None,
            census_ids=census_ids,
            rejected=tuple(rejected),
        )

    def _item(self, task: Mapping[str, Any]) -> WorkItem:
        return WorkItem(
            id=task["id"],
            key=task["key"],
            title=task["title"],
            status=task["status"],
            state=STATES.get(task["status"], ItemState.TODO),
            created=datetime.fromisoformat(task["created"]),
            updated=datetime.fromisoformat(task["updated"]),
            due=task.get("due"),
        )

    # -- TrackerWriter -------------------------------------------------------------------

    def post_update(self, target: str, body: str, *, idempotency_key: str) -> str:
        # The tracker deduplicates by the key, so a retried post never posts twice.
        reply = self._call("POST", f"/api/tasks/{target}/comments", {"body": body}, idempotency_key)
        return str(reply["id"])

    # -- HTTP ----------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, payload: object = None, idempotency_key: str = ""
    ) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        where = f"tasklist: {method} {path.split('?')[0]}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            status = error.code
            if status in (408, 429) or status >= 500:
                after = error.headers.get("Retry-After")
                raise TransientTrackerError(
                    f"{where}: HTTP {status}",
                    status=status,
                    retry_after=float(after) if after and after.isdigit() else None,
                ) from None
            fix = "check the token" if status in (401, 403) else "check url and project"
            raise FatalTrackerError(f"{where}: HTTP {status}; {fix}", status=status) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as error:
            # ValueError: a response cut short mid-JSON; worth another try like a reset.
            reason = getattr(error, "reason", None) or type(error).__name__
            raise TransientTrackerError(f"{where}: {reason}") from None
