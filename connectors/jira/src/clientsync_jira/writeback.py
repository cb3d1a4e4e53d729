"""Client updates on a Jira issue, written exactly once per idempotency key.

An update is a comment, or the value of an issue entity property (`PropertyWriter`: the
latest update, readable by Jira apps and automation). Each comment ends with a marker line
`clientsync-update <digest>` (the digest of the idempotency key). Before posting, the
issue's comments are searched (newest first) for
the marker; a rerun of the same report finds it and returns the first comment's id. The
POST itself is never retried blindly: a timeout may hide a comment that landed, so a
retry starts again from the marker check.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .client import JiraApi
from .pagination import OffsetPaginator

__all__ = ["CommentWriter", "PropertyWriter", "marker_for", "to_adf"]


def marker_for(idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
    return f"clientsync-update {digest}"


def to_adf(body: str, marker: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document: a paragraph per blank-line-separated block."""
    blocks = [b for b in body.replace("\r\n", "\n").split("\n\n") if b.strip()]
    content: list[dict[str, Any]] = []
    for block in blocks:
        lines = block.split("\n")
        nodes: list[dict[str, Any]] = []
        for index, line in enumerate(lines):
            if index:
                nodes.append({"type": "hardBreak"})
            if line:
                nodes.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": nodes})
    marker_mark = [{"type": "code"}]
    content.append(
        {"type": "paragraph", "content": [{"type": "text", "text": marker, "marks": marker_mark}]}
    )
    return {"type": "doc", "version": 1, "content": content}


class CommentWriter:
    def __init__(self, api: JiraApi, *, cloud: bool) -> None:
        self.api = api
        self.cloud = cloud

    def post(self, issue: str, body: str, *, idempotency_key: str) -> str:
        marker = marker_for(idempotency_key)

        def check_then_post() -> str:
            found = self.find(issue, marker)
            if found is not None:
                return found
            payload: str | dict[str, Any] = (
                to_adf(body, marker) if self.cloud else f"{body}\n\n{{{{{marker}}}}}"
            )
            return self.api.add_comment(issue, payload)

        check_then_post.__qualname__ = "Jira post update"
        return self.api.retry.call(check_then_post, idempotent=True)

    def find(self, issue: str, marker: str) -> str | None:
        """The id of the comment carrying `marker`, if the issue has one."""
        offsets = OffsetPaginator(f"issue {issue} comments")
        while not offsets.done:
            page = self.api.comments_page(issue, start_at=offsets.start_at)
            comments = [c for c in page.get("comments") or () if isinstance(c, dict)]
            for comment in comments:
                text = comment.get("body")
                if marker in (text if isinstance(text, str) else json.dumps(text)):
                    return str(comment.get("id"))
            offsets.advance(page, len(comments))
        return None


class PropertyWriter:
    """The update as an issue entity property, replaced by each new update.

    The stored value carries the marker; a rerun with the same idempotency key finds it and
    writes nothing. A PUT of the same value is itself idempotent, so it is retried freely.
    """

    def __init__(self, api: JiraApi, *, name: str) -> None:
        self.api = api
        self.name = name

    def post(self, issue: str, body: str, *, idempotency_key: str) -> str:
        marker = marker_for(idempotency_key)
        where = f"{issue}/properties/{self.name}"
        current = self.api.issue_property(issue, self.name)
        if isinstance(current, dict) and current.get("marker") == marker:
            return where
        self.api.set_issue_property(issue, self.name, {"marker": marker, "body": body})
        return where
