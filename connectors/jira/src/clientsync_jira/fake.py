"""`FakeJira`: a loopback Jira (Cloud or Data Center) for the connector's tests and yours.

    with FakeJira(mode="cloud") as jira:
        jira.data.generate("CS", 5000, seed=1)
        connector = JiraConnector.connect(jira.url, "CS", email=jira.email, token=jira.secret)

Endpoints, under /rest/api/2 and /rest/api/3 (Cloud) or /rest/api/2 (Data Center):
serverInfo, myself, field, search/jql (GET and POST, opaque `nextPageToken` omitted on the
last page, `fields=id` pages up to 5,000, field-rich pages capped at 100, 400 on unbounded
JQL), search (410 Gone on Cloud; `startAt` paging on Data Center), search/approximate-count,
issue/{key}, issue/bulkfetch, issue/{key}/changelog, changelog/bulkfetch, project versions
(plain and paged), issue comments (GET, POST: ADF on v3, a string on v2), issue
properties, and the admin webhooks under /rest/webhooks/1.0 (`admin = False`: 403; see
`fake_webhooks`). Credentials are checked (401 otherwise). Faults come from `FakeServer`, plus
scripted HTTP errors (`fail_status`) and a fixed `latency` per request.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from clientsync.testing import FakeRequest, FakeServer, Reply, ReplyLike, ServerError, route

from .fake_data import FakeIssue, FakeJiraData, JqlError
from .fake_render import render_changelog_page, render_fields, render_issue, render_version
from .fake_webhooks import FakeJiraWebhooks
from .fake_writes import FakeJiraWrites

__all__ = ["FakeJira"]

V = r"/rest/api/(?P<v>[23]|latest)"
GONE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def _error(status: int, *messages: str) -> Reply:
    return Reply(status, {}, {"errorMessages": list(messages), "errors": {}})


class FakeJira(FakeJiraWebhooks, FakeJiraWrites, FakeServer):
    """The fake Jira server; `data` holds its projects. Also a `ContractBackend`.

    `admin` says whether the token is a Jira administrator's (admin webhooks need one).
    """

    email = "pm@agency.example"

    def __init__(
        self,
        *,
        mode: Literal["cloud", "datacenter"] = "cloud",
        field_page_cap: int = 100,
        id_page_cap: int = 5000,
        changelog_cap: int = 40,
        latency: float = 0.0,
        utc_offset_hours: float = 0.0,
        secret: str = "fake-jira-token-6f1d2c9a",
        admin: bool = True,
        **server_options: Any,
    ) -> None:
        super().__init__(**server_options)
        self.mode = mode
        self.field_page_cap = field_page_cap
        self.id_page_cap = id_page_cap
        self.changelog_cap = changelog_cap
        self.latency = latency
        self._secret = secret
        self.admin = admin
        self.data = FakeJiraData(utc_offset_hours=utc_offset_hours)
        self._statuses: deque[int] = deque()

    @property
    def cloud(self) -> bool:
        return self.mode == "cloud"

    # -- ContractBackend ----------------------------------------------------------------

    @property
    def secret(self) -> str:
        return self._secret

    @property
    def page_size(self) -> int:
        return self.field_page_cap

    def add_item(self, key: str, title: str, **fields: Any) -> str:
        return str(self.data.add_issue(key, title, key.rsplit("-", 1)[0], **fields).id)

    def update_item(self, item_id: str, **fields: Any) -> None:
        self.data.update_issue(int(item_id), **fields)

    def delete_item(self, item_id: str) -> None:
        self.data.delete_issue(int(item_id))

    def fail_next(self, exception_kind: Any, times: int = 1) -> None:
        if exception_kind == "fatal":
            self.fail_status(401, times)
        elif exception_kind == "transient":
            super().fail_next(ServerError(503), times)
        else:
            super().fail_next(exception_kind, times)

    def fail_status(self, status: int, times: int = 1) -> None:
        """The next `times` requests get `status` with Jira's error body (401, 403, 404...)."""
        self._statuses.extend([status] * times)

    def posted_count(self) -> int:
        return sum(len(c) for c in self.data.comments.values())

    # -- plumbing -----------------------------------------------------------------------

    def _dispatch(self, request: FakeRequest) -> Reply:
        if self.latency:
            self._release.wait(self.latency)
        with self._lock:
            status = self._statuses.popleft() if self._statuses else None
        if status is not None:
            return _error(status, f"fake Jira: scripted HTTP {status}")
        if not self._authorized(request.headers.get("authorization", "")):
            return Reply(401, {}, "Client must be authenticated to access this resource.")
        version = request.path.split("/")[3] if request.path.startswith("/rest/api/") else ""
        if not self.cloud and version == "3":
            return _error(404, "Data Center has no REST API v3")
        return super()._dispatch(request)

    def _authorized(self, header: str) -> bool:
        if header.startswith("Bearer "):
            return header[7:] == self._secret
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode()
            return pair == f"{self.email}:{self._secret}"
        return False

    def _version(self, request: FakeRequest) -> str:
        return request.params.get("v") or "2"

    def _cloud_only(self) -> Reply | None:
        return None if self.cloud else _error(404, "not on Data Center")

    # -- metadata -----------------------------------------------------------------------

    @route("GET", V + "/serverInfo")
    def server_info(self, request: FakeRequest) -> ReplyLike:
        kind = "Cloud" if self.cloud else "Server"
        version = [1001, 0, 0] if self.cloud else [9, 12, 0]
        return (
            200,
            {},
            {
                "baseUrl": self.url,
                "deploymentType": kind,
                "version": ".".join(map(str, version)),
                "versionNumbers": version,
                "buildNumber": 100282,
                "serverTitle": "Fake Jira",
            },
        )

    @route("GET", V + "/myself")
    def myself(self, request: FakeRequest) -> ReplyLike:
        return (
            200,
            {},
            {
                "accountId": "5b10ac8d82e05b22cc7d4ef5",
                "emailAddress": self.email,
                "displayName": "Project Manager",
                "active": True,
                "timeZone": "UTC",
            },
        )

    @route("GET", V + "/field")
    def fields(self, request: FakeRequest) -> ReplyLike:
        return 200, {}, render_fields()

    # -- search -------------------------------------------------------------------------

    @route("GET", V + "/search/jql")
    def search_jql_get(self, request: FakeRequest) -> ReplyLike:
        fields = [f for value in request.query.get("fields", []) for f in value.split(",")]
        return self._search_jql(
            request,
            {
                "jql": request.arg("jql"),
                "nextPageToken": request.arg("nextPageToken"),
                "maxResults": request.arg("maxResults"),
                "fields": fields or None,
                "expand": request.arg("expand"),
            },
        )

    @route("POST", V + "/search/jql")
    def search_jql_post(self, request: FakeRequest) -> ReplyLike:
        body = request.json()
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object")
        return self._search_jql(request, body)

    def _search_jql(self, request: FakeRequest, params: Mapping[str, Any]) -> Reply:
        if (gone := self._cloud_only()) is not None:
            return gone
        jql = params.get("jql") or ""
        try:
            found = self.data.query(jql)
        except JqlError as error:
            return _error(400, str(error))
        fields = params.get("fields") or ["id"]
        offset = _decode_token(params.get("nextPageToken"), jql)
        if offset is None:
            return _error(400, "Invalid nextPageToken")
        cap = self.id_page_cap if set(fields) <= {"id", "key"} else self.field_page_cap
        size = min(int(params.get("maxResults") or 50), cap)
        page = found[offset : offset + size]
        expand = _expand(params.get("expand"))
        body: dict[str, Any] = {
            "issues": [self._render(i, request, fields, expand) for i in page],
            "isLast": offset + size >= len(found),
        }
        if offset + size < len(found):
            body["nextPageToken"] = _encode_token(offset + size, jql)
        return Reply(200, {}, body)

    @route("GET", V + "/search")
    def search_get(self, request: FakeRequest) -> ReplyLike:
        params = {k: request.arg(k) for k in ("jql", "startAt", "maxResults", "expand")}
        fields = [f for value in request.query.get("fields", []) for f in value.split(",")]
        return self._legacy_search(request, {**params, "fields": fields or ["*navigable"]})

    @route("POST", V + "/search")
    def search_post(self, request: FakeRequest) -> ReplyLike:
        body = request.json()
        return self._legacy_search(request, body if isinstance(body, dict) else {})

    def _legacy_search(self, request: FakeRequest, params: Mapping[str, Any]) -> Reply:
        if self.cloud:
            return _error(410, GONE)
        try:
            found = self.data.query(params.get("jql") or "")
        except JqlError as error:
            return _error(400, str(error))
        start = int(params.get("startAt") or 0)
        fields = params.get("fields") or ["*navigable"]
        cap = self.id_page_cap if set(fields) <= {"id", "key"} else self.field_page_cap
        size = min(int(params.get("maxResults") or 50), cap)
        expand = _expand(params.get("expand"))
        page = found[start : start + size]
        return Reply(
            200,
            {},
            {
                "startAt": start,
                "maxResults": size,
                "total": len(found),
                "issues": [self._render(i, request, fields, expand) for i in page],
            },
        )

    @route("POST", V + "/search/approximate-count")
    def approximate_count(self, request: FakeRequest) -> ReplyLike:
        try:
            return 200, {}, {"count": len(self.data.query(request.json().get("jql") or ""))}
        except JqlError as error:
            return _error(400, str(error))

    # -- issues -------------------------------------------------------------------------

    @route("POST", V + "/issue/bulkfetch")
    def bulkfetch(self, request: FakeRequest) -> ReplyLike:
        if (gone := self._cloud_only()) is not None:
            return gone
        body = request.json() or {}
        wanted = [str(i) for i in body.get("issueIdsOrKeys") or ()]
        if not 1 <= len(wanted) <= 100:
            return _error(400, "issueIdsOrKeys must hold 1 to 100 ids or keys")
        fields = body.get("fields") or ["*navigable"]
        expand = _expand(body.get("expand"))
        issues = [self.data.find(w) for w in wanted]
        return (
            200,
            {},
            {
                "issues": [self._render(i, request, fields, expand) for i in issues if i],
                "issueErrors": [],
            },
        )

    @route("GET", V + "/issue/{key}")
    def issue(self, request: FakeRequest) -> ReplyLike:
        issue = self.data.find(request.params["key"])
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        fields = (request.arg("fields") or "*all").split(",")
        return 200, {}, self._render(issue, request, fields, _expand(request.arg("expand")))

    @route("GET", V + "/issue/{key}/changelog")
    def issue_changelog(self, request: FakeRequest) -> ReplyLike:
        issue = self.data.find(request.params["key"])
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        start = int(request.arg("startAt") or 0)
        size = min(int(request.arg("maxResults") or 100), 100)
        return 200, {}, render_changelog_page(self.data, issue, start, size, self.url)

    @route("POST", V + "/changelog/bulkfetch")
    def changelog_bulkfetch(self, request: FakeRequest) -> ReplyLike:
        if (gone := self._cloud_only()) is not None:
            return gone
        body = request.json() or {}
        wanted = [str(i) for i in body.get("issueIdsOrKeys") or ()]
        field_ids = body.get("fieldIds") or []
        if not 1 <= len(wanted) <= 1000 or len(field_ids) > 10:
            return _error(400, "1 to 1000 issueIdsOrKeys and at most 10 fieldIds")
        size = min(int(body.get("maxResults") or 1000), 10000)
        issues = [i for i in (self.data.find(w) for w in wanted) if i is not None]
        entries = sorted(
            ((h["at"], issue.id, h) for issue in issues for h in issue.histories),
            key=lambda e: (e[0], e[1]),
        )
        if field_ids:
            entries = [
                e for e in entries if any(i.get("fieldId") in field_ids for i in e[2]["items"])
            ]
        offset = _decode_token(body.get("nextPageToken"), "changelog") or 0
        page = entries[offset : offset + size]
        grouped: list[dict[str, Any]] = []
        for at, issue_id, history in page:
            if not grouped or grouped[-1]["issueId"] != str(issue_id):
                grouped.append({"issueId": str(issue_id), "changeHistories": []})
            items = [i for i in history["items"] if not field_ids or i.get("fieldId") in field_ids]
            grouped[-1]["changeHistories"].append(
                {"id": history["id"], "created": self.data.render_time(at), "items": items}
            )
        result: dict[str, Any] = {"issueChangeLogs": grouped}
        if offset + size < len(entries):
            result["nextPageToken"] = _encode_token(offset + size, "changelog")
        return 200, {}, result

    # -- versions -----------------------------------------------------------------------

    @route("GET", V + "/project/{key}/versions")
    def versions(self, request: FakeRequest) -> ReplyLike:
        key = request.params["key"]
        return (
            200,
            {},
            [render_version(v, self.url) for v in self.data.versions if v.project == key],
        )

    @route("GET", V + "/project/{key}/version")
    def versions_paged(self, request: FakeRequest) -> ReplyLike:
        key = request.params["key"]
        found = [v for v in self.data.versions if v.project == key]
        start = int(request.arg("startAt") or 0)
        size = min(int(request.arg("maxResults") or 50), 50)
        page = found[start : start + size]
        body: dict[str, Any] = {
            "self": self.url_for(request.path),
            "maxResults": size,
            "startAt": start,
            "total": len(found),
            "isLast": start + size >= len(found),
            "values": [render_version(v, self.url) for v in page],
        }
        if start + size < len(found):
            body["nextPage"] = self.url_for(f"{request.path}?startAt={start + size}")
        return 200, {}, body

    # -- rendering ----------------------------------------------------------------------

    def _render(
        self, issue: FakeIssue, request: FakeRequest, fields: Iterable[str], expand: set[str]
    ) -> dict[str, Any]:
        return render_issue(
            self.data,
            issue,
            base_url=self.url,
            version=self._version(request),
            fields=list(fields),
            changelog="changelog" in expand,
            changelog_cap=self.changelog_cap if self.cloud else 100,
        )


def _expand(value: Any) -> set[str]:
    if not value:
        return set()
    if isinstance(value, str):
        return {v.strip() for v in value.split(",")}
    return {str(v) for v in value}


def _encode_token(offset: int, scope: str) -> str:
    raw = json.dumps({"o": offset, "s": abs(hash(scope)) % 10**8}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: Any, scope: str) -> int | None:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token)))
        offset = int(data["o"])
    except (ValueError, KeyError, TypeError):
        return None
    if data.get("s") != abs(hash(scope)) % 10**8:
        return None
    return offset
