"""The write endpoints of `FakeJira`: issue comments and issue entity properties."""

from __future__ import annotations

from collections.abc import Callable

from clientsync.testing import FakeRequest, Reply, ReplyLike, route

from .fake_data import FakeJiraData

__all__ = ["FakeJiraWrites"]

V = r"/rest/api/(?P<v>[23]|latest)"


def _error(status: int, *messages: str) -> Reply:
    return Reply(status, {}, {"errorMessages": list(messages), "errors": {}})


class FakeJiraWrites:
    """Comments (GET paged, POST: ADF on v3, a string on v2) and properties (≤32 KB)."""

    # Provided by FakeJira and its FakeServer base (annotations only: no attributes here).
    data: FakeJiraData
    url_for: Callable[[str], str]

    # -- comments and properties -----------------------------------------------------------

    @route("GET", V + "/issue/{key}/comment")
    def comments(self, request: FakeRequest) -> ReplyLike:
        issue = self.data.find(request.params["key"])
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        comments = list(self.data.comments.get(issue.id, []))
        if (request.arg("orderBy") or "").startswith("-"):
            comments.reverse()
        start = int(request.arg("startAt") or 0)
        size = min(int(request.arg("maxResults") or 50), 100)
        return (
            200,
            {},
            {
                "startAt": start,
                "maxResults": size,
                "total": len(comments),
                "comments": comments[start : start + size],
            },
        )

    @route("POST", V + "/issue/{key}/comment")
    def add_comment(self, request: FakeRequest) -> ReplyLike:
        issue = self.data.find(request.params["key"])
        if issue is None:
            return _error(404, "Issue does not exist or you do not have permission to see it.")
        body = (request.json() or {}).get("body")
        adf = (request.params.get("v") or "2") == "3"
        if adf and not (isinstance(body, dict) and body.get("type") == "doc"):
            return _error(400, "Comment body is not valid! (v3 takes an ADF document)")
        if not adf and not isinstance(body, str):
            return _error(400, "Comment body must be a string on REST v2")
        comments = self.data.comments.setdefault(issue.id, [])
        comment_id = str(30000 + sum(len(c) for c in self.data.comments.values()))
        now = self.data.render_time(self.data.tick())
        comment = {
            "id": comment_id,
            "self": self.url_for(f"{request.path}/{comment_id}"),
            "body": body,
            "created": now,
            "updated": now,
            "jsdPublic": True,
        }
        comments.append(comment)
        return 201, {}, comment

    @route("PUT", V + "/issue/{key}/properties/{prop}")
    def put_property(self, request: FakeRequest) -> ReplyLike:
        issue = self.data.find(request.params["key"])
        if issue is None:
            return _error(404, "Issue does not exist")
        if len(request.body) > 32768 or not request.body:
            return _error(400, "The property value must be non-empty JSON of at most 32768 bytes")
        slot = (issue.id, request.params["prop"])
        existed = slot in self.data.properties
        self.data.properties[slot] = request.json()
        return (200 if existed else 201), {}, b""

    @route("GET", V + "/issue/{key}/properties/{prop}")
    def get_property(self, request: FakeRequest) -> ReplyLike:
        issue = self.data.find(request.params["key"])
        slot = (issue.id if issue else -1, request.params["prop"])
        if slot not in self.data.properties:
            return _error(404, "The property was not found")
        return 200, {}, {"key": request.params["prop"], "value": self.data.properties[slot]}

    @route("DELETE", V + "/issue/{key}/properties/{prop}")
    def delete_property(self, request: FakeRequest) -> ReplyLike:
        issue = self.data.find(request.params["key"])
        slot = (issue.id if issue else -1, request.params["prop"])
        if self.data.properties.pop(slot, None) is None:
            return _error(404, "The property was not found")
        return 204, {}, b""
