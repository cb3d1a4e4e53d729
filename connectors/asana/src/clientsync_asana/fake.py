"""`FakeAsana`: a loopback fake of the Asana REST API for tests (yours and ours).

It serves what the connector reads and writes, shaped like Asana's documented responses:
projects, project and section task lists with offset paging (`limit` 1-100), sections,
tasks, subtasks, stories, `/tasks?project=&modified_since=`, events with sync tokens and
412, status updates, comment stories and webhooks (`fake_webhooks`: a real handshake on
creation, signed deliveries with `deliver`). On top of the core `FakeServer` (scripted and
random faults, request log) it checks the bearer token, honours `opt_fields` (dotted
paths and `(a|b)` groups), adds latency, and answers 429 with `Retry-After` when more
GETs are in flight than `max_concurrent_gets`::

    with FakeAsana(token="t") as asana:
        project = asana.add_project("Website")
        asana.add_task(project, "Design", due_on="2024-06-21")
        connector = AsanaConnector(project=project, token=SecretStr("t"), host=asana.api_url)

Time is the fake's own: every change moves `now` on by one second, so payloads are
deterministic.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from clientsync.testing import FakeRequest, FakeServer, Fault, Reply, ReplyLike, route

from .fake_data import BASE, WORKSPACE, AsanaData, field_tree, select
from .fake_webhooks import FakeWebhooks

__all__ = ["FakeAsana"]

_COMPACT_TASK = ("name", "resource_type", "resource_subtype")
_EPOCH = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)

_RATE_LIMITED = (
    "You've made too many requests and hit a rate limit. "
    "Please retry after the given amount of time."
)


def _error(status: int, message: str, *, retry_after: bool = False, **extra: Any) -> Reply:
    headers = {"Retry-After": "1"} if retry_after else {}
    return Reply(status, headers, {"errors": [{"message": message, "help": "fake"}], **extra})


class FakeAsana(FakeServer, AsanaData, FakeWebhooks):
    """An in-memory Asana behind a loopback HTTP server (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = "fake-asana-token",
        latency: float = 0.0,
        max_concurrent_gets: int | None = None,
        seed: int = 0,
        fault_rate: float = 0.0,
        rate_faults: Sequence[Fault] = (),
    ) -> None:
        kwargs: dict[str, Any] = {"seed": seed, "fault_rate": fault_rate, "path_prefix": BASE}
        if rate_faults:
            kwargs["rate_faults"] = rate_faults
        FakeServer.__init__(self, **kwargs)
        AsanaData.__init__(self)
        FakeWebhooks.__init__(self)
        self.token = token
        self.latency = latency
        self.max_concurrent_gets = max_concurrent_gets
        self._tokens: dict[str, tuple[str, int]] = {}
        self._offsets: dict[str, int] = {}
        # Tokens have their own counter: faults that consume tokens leave the gids alone.
        self._token_seq = itertools.count(1)
        self._in_flight = 0
        self.rate_limited = 0

    @property
    def api_url(self) -> str:
        return self.url + BASE

    # -- building the data (test control) ------------------------------------------------
    def expire_sync_tokens(self) -> None:
        """Forget every issued token, as Asana does after 24 hours."""
        with self._state:
            self._tokens.clear()

    def _shape(self, record: dict[str, Any], request: FakeRequest, compact: Sequence[str]) -> Any:
        opt_fields = request.arg("opt_fields")
        if not opt_fields:
            return {k: record[k] for k in ("gid", *compact) if k in record}
        return select(record, field_tree(opt_fields), self._expand)

    def _list(
        self,
        request: FakeRequest,
        records: Sequence[dict[str, Any]],
        compact: Sequence[str],
        *,
        tasks: bool = False,
    ) -> Reply:
        try:
            limit = int(request.arg("limit") or 100)
        except ValueError:
            return _error(400, "limit: Not a number")
        if not 1 <= limit <= 100:
            return _error(400, "limit: Must be between 1 and 100")
        offset = request.arg("offset")
        start = 0
        if offset is not None:
            if offset not in self._offsets:
                return _error(400, "offset: Your pagination token is invalid or has expired")
            start = self._offsets[offset]
        chunk = list(records[start : start + limit])
        if tasks:  # render only the page served: the fake stays fast at 10,000 tasks
            links = self._links()
            chunk = [self.render_task(r["gid"], links) for r in chunk]
        next_page = None
        if start + limit < len(records):
            token = f"eyJ{next(self._token_seq)}"
            self._offsets[token] = start + limit
            next_page = {
                "offset": token,
                "path": f"{request.path}?offset={token}",
                "uri": f"{self.api_url}{request.path[len(BASE) :]}?offset={token}",
            }
        data = [self._shape(r, request, compact) for r in chunk]
        return Reply(200, {}, {"data": data, "next_page": next_page})

    # -- serving -----------------------------------------------------------------------

    def _dispatch(self, request: FakeRequest) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "Not Authorized")
        limited = request.method == "GET" and self.max_concurrent_gets is not None
        with self._state:
            self._in_flight += limited
            crowded = limited and self._in_flight > (self.max_concurrent_gets or 0)
            self.rate_limited += crowded
        try:
            if self.latency:  # in flight while "working", as a real server is
                time.sleep(self.latency)
            if crowded:
                return _error(429, _RATE_LIMITED, retry_after=True)
            return self._locked(request)
        finally:
            with self._state:
                self._in_flight -= limited

    def _locked(self, request: FakeRequest) -> Reply:
        if request.method == "POST" and request.path == BASE + "/webhooks":
            # The handshake calls the target while this request waits: not under the lock.
            reply = super()._dispatch(request)
        else:
            with self._state:
                reply = super()._dispatch(request)
        headers = dict(reply.headers)
        headers.setdefault("Content-Type", "application/json; charset=UTF-8")
        return Reply(reply.status, headers, reply.body)

    def _in_project(self, project: str) -> list[dict[str, Any]]:
        return [t for t in self.tasks.values() if project in self._projects_of(t)]

    @route("GET", BASE + "/workspaces")
    def workspaces(self, request: FakeRequest) -> ReplyLike:
        return self._list(request, [WORKSPACE], ("name", "resource_type"))

    @route("GET", BASE + "/projects")
    def projects_list(self, request: FakeRequest) -> ReplyLike:
        if request.arg("workspace") not in (None, WORKSPACE["gid"]):
            return _error(404, "workspace: Unknown object")
        return self._list(request, list(self.projects.values()), ("name", "resource_type"))

    @route("GET", BASE + "/projects/{gid}")
    def get_project(self, request: FakeRequest) -> ReplyLike:
        project = self.projects.get(request.params["gid"])
        if project is None:
            return _error(404, "project: Unknown object")
        return Reply(200, {}, {"data": self._shape(project, request, ("name", "resource_type"))})

    @route("GET", BASE + "/projects/{gid}/tasks")
    def project_tasks(self, request: FakeRequest) -> ReplyLike:
        if request.params["gid"] not in self.projects:
            return _error(404, "project: Unknown object")
        return self._list(
            request, self._in_project(request.params["gid"]), _COMPACT_TASK, tasks=True
        )

    @route("GET", BASE + "/projects/{gid}/sections")
    def project_sections_route(self, request: FakeRequest) -> ReplyLike:
        gid = request.params["gid"]
        if gid not in self.projects:
            return _error(404, "project: Unknown object")
        records = [self.sections[s] for s in self.project_sections(gid)]
        return self._list(request, records, ("name", "resource_type"))

    @route("GET", BASE + "/sections/{gid}/tasks")
    def section_tasks(self, request: FakeRequest) -> ReplyLike:
        gid = request.params["gid"]
        if gid not in self.sections:
            return _error(404, "section: Unknown object")
        records = [
            t
            for t in self.tasks.values()
            if any(m["section"]["gid"] == gid for m in t["memberships"])
        ]
        return self._list(request, records, _COMPACT_TASK, tasks=True)

    @route("GET", BASE + "/tasks")
    def tasks_query(self, request: FakeRequest) -> ReplyLike:
        project = request.arg("project")
        if not project:
            return _error(400, "project: Missing input")
        if project not in self.projects:
            return _error(404, "project: Unknown object")
        records = self._in_project(project)
        since = request.arg("modified_since")
        if since:
            try:
                cutoff = datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                return _error(400, "modified_since: Not a valid date-time")
            if cutoff.tzinfo is None:  # Asana reads a time without an offset as UTC
                cutoff = cutoff.replace(tzinfo=UTC)
            records = [
                r
                for r in records
                if datetime.fromisoformat(r["modified_at"].replace("Z", "+00:00")) >= cutoff
            ]
        return self._list(request, records, _COMPACT_TASK, tasks=True)

    @route("GET", BASE + "/tasks/{gid}")
    def get_task(self, request: FakeRequest) -> ReplyLike:
        gid = request.params["gid"]
        if gid not in self.tasks:
            return _error(404, f"task: Unknown object: {gid}")
        return Reply(200, {}, {"data": self._shape(self.render_task(gid), request, _COMPACT_TASK)})

    @route("GET", BASE + "/tasks/{gid}/subtasks")
    def subtasks(self, request: FakeRequest) -> ReplyLike:
        gid = request.params["gid"]
        if gid not in self.tasks:
            return _error(404, f"task: Unknown object: {gid}")
        records = [t for t in self.tasks.values() if (t.get("parent") or {}).get("gid") == gid]
        return self._list(request, records, _COMPACT_TASK, tasks=True)

    @route("GET", BASE + "/tasks/{gid}/stories")
    def get_stories(self, request: FakeRequest) -> ReplyLike:
        gid = request.params["gid"]
        if gid not in self.tasks:
            return _error(404, f"task: Unknown object: {gid}")
        return self._list(
            request,
            self.stories[gid],
            ("resource_type", "resource_subtype", "created_at", "text", "type"),
        )

    @route("POST", BASE + "/tasks/{gid}/stories")
    def post_story(self, request: FakeRequest) -> ReplyLike:
        gid = request.params["gid"]
        if gid not in self.tasks:
            return _error(404, f"task: Unknown object: {gid}")
        data = (request.json() or {}).get("data") or {}
        if ("text" in data) == ("html_text" in data):
            return _error(400, "text: Exactly one of text or html_text is required")
        story = {
            "gid": self._gid(),
            "resource_type": "story",
            "resource_subtype": "comment_added",
            "type": "comment",
            "created_at": self._tick(),
            "text": data.get("text") or re.sub(r"<[^>]+>", "", data["html_text"]),
        }
        self.stories[gid].append(story)
        return Reply(201, {"Location": f"{BASE}/stories/{story['gid']}"}, {"data": story})

    @route("POST", BASE + "/status_updates")
    def post_status(self, request: FakeRequest) -> ReplyLike:
        data = (request.json() or {}).get("data") or {}
        parent = data.get("parent")
        if parent not in self.projects:
            return _error(400, "parent: Missing input" if not parent else "parent: Unknown object")
        if not data.get("text"):
            return _error(400, "text: Missing input")
        if data.get("status_type") not in {
            "on_track",
            "at_risk",
            "off_track",
            "on_hold",
            "complete",
            "dropped",
        }:
            return _error(400, "status_type: Invalid for a project")
        update = {
            "gid": self._gid(),
            "resource_type": "status_update",
            "resource_subtype": "project_status_update",
            "title": data.get("title", ""),
            "text": data["text"],
            "status_type": data["status_type"],
            "created_at": self._tick(),
            "parent": {
                "gid": parent,
                "resource_type": "project",
                "name": self.projects[parent]["name"],
            },
        }
        self.status_updates.append(update)
        return Reply(201, {"Location": f"{BASE}/status_updates/{update['gid']}"}, {"data": update})

    @route("GET", BASE + "/status_updates")
    def get_statuses(self, request: FakeRequest) -> ReplyLike:
        parent = request.arg("parent")
        if not parent:
            return _error(400, "parent: Missing input")
        records = [u for u in self.status_updates if u["parent"]["gid"] == parent]
        return self._list(request, records, ("resource_type", "resource_subtype", "title"))

    @route("GET", BASE + "/events")
    def get_events(self, request: FakeRequest) -> ReplyLike:
        resource = request.arg("resource")
        if not resource:
            return _error(400, "resource: Missing input")
        if resource not in self.events:
            return _error(404, "resource: Unknown object")
        log = self.events[resource]
        sync = request.arg("sync")
        known = self._tokens.get(sync or "")
        if known is None or known[0] != resource:
            return _error(
                412,
                "Sync token invalid or too old. If you are attempting to keep resources in sync, "
                "you must fetch the full dataset for this query now and use the new sync token "
                "for the next sync.",
                sync=self._new_token(resource, len(log)),
            )
        start = known[1]
        chunk = log[start : start + 100]
        end = start + len(chunk)
        return Reply(
            200,
            {},
            {"data": chunk, "sync": self._new_token(resource, end), "has_more": end < len(log)},
        )

    def _new_token(self, resource: str, position: int) -> str:
        token = f"de{next(self._token_seq)}f"
        self._tokens[token] = (resource, position)
        return token
