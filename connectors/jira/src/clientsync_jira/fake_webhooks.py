"""The admin webhooks of `FakeJira` (`/rest/webhooks/1.0/webhook`) and deliveries to send.

List (a plain array, as Jira answers), create (201 with the webhook, validated: a name, an
http(s) URL, known event names, a JQL filter the fake can run), read and delete by id.
Every call needs a Jira administrator: `admin = False` makes them answer 403. The secret
is kept, never echoed. `delivery()` renders what Jira would POST for an issue event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from clientsync.testing import FakeRequest, Reply, ReplyLike, route

from .fake_data import FakeJiraData, JqlError
from .fake_render import render_issue, render_version

__all__ = ["FakeJiraWebhooks"]

HOOKS = "/rest/webhooks/1.0/webhook"
_EVENT = re.compile(
    r"jira:(issue|version|worklog)_[a-z]+|(comment|issuelink|sprint|board|project|user|"
    r"option|issue_property|attachment)_[a-z_]+"
)


def _error(status: int, *messages: str) -> Reply:
    return Reply(status, {}, {"errorMessages": list(messages), "errors": {}})


class FakeJiraWebhooks:
    """Admin webhook endpoints; `data.webhooks` holds them by id (with their secret)."""

    # Provided by FakeJira and its FakeServer base (annotations only: no attributes here).
    data: FakeJiraData
    admin: bool
    url_for: Callable[[str], str]

    def _refused(self) -> Reply | None:
        if self.admin:
            return None
        return _error(403, "You do not have the permission to administer webhooks.")

    def _public(self, ident: int) -> dict[str, Any]:
        hook = self.data.webhooks[ident]
        return {k: v for k, v in hook.items() if k != "secret"}

    @route("GET", HOOKS)
    def list_webhooks(self, request: FakeRequest) -> ReplyLike:
        if (refused := self._refused()) is not None:
            return refused
        return 200, {}, [self._public(i) for i in sorted(self.data.webhooks)]

    @route("POST", HOOKS)
    def create_webhook(self, request: FakeRequest) -> ReplyLike:
        if (refused := self._refused()) is not None:
            return refused
        body = request.json()
        problem = self._invalid(body)
        if problem:
            return _error(400, problem)
        ident = max(self.data.webhooks, default=0) + 1
        self.data.webhooks[ident] = {
            "self": self.url_for(f"{HOOKS}/{ident}"),
            "name": body["name"],
            "url": body["url"],
            "events": list(body["events"]),
            "filters": dict(body.get("filters") or {}),
            "excludeBody": bool(body.get("excludeBody", False)),
            "enabled": True,
            "secret": body.get("secret"),
        }
        return 201, {}, self._public(ident)

    @route("GET", HOOKS + "/{id}")
    def get_webhook(self, request: FakeRequest) -> ReplyLike:
        if (refused := self._refused()) is not None:
            return refused
        ident = int(request.params["id"]) if request.params["id"].isdigit() else -1
        if ident not in self.data.webhooks:
            return _error(404, "Webhook not found")
        return 200, {}, self._public(ident)

    @route("DELETE", HOOKS + "/{id}")
    def delete_webhook(self, request: FakeRequest) -> ReplyLike:
        if (refused := self._refused()) is not None:
            return refused
        ident = int(request.params["id"]) if request.params["id"].isdigit() else -1
        if self.data.webhooks.pop(ident, None) is None:
            return _error(404, "Webhook not found")
        return 204, {}, b""

    def _invalid(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return "The request body must be a JSON object"
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            return "name: a webhook needs a name"
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return "url: must be an http(s) URL"
        events = body.get("events")
        if not isinstance(events, list) or not events:
            return "events: at least one event"
        unknown = [e for e in events if not isinstance(e, str) or not _EVENT.fullmatch(e)]
        if unknown:
            return f"events: unknown {unknown!r}"
        filters = body.get("filters", {})
        if not isinstance(filters, dict):
            return "filters: must be an object"
        jql = filters.get("issue-related-events-section")
        if jql is not None:
            if not isinstance(jql, str):
                return "filters: the JQL must be a string"
            try:
                self.data.query(jql)
            except JqlError as error:
                return f"filters: {error}"
        for flag in ("excludeBody",):
            if flag in body and not isinstance(body[flag], bool):
                return f"{flag}: must be true or false"
        if "secret" in body and not isinstance(body["secret"], str):
            return "secret: must be a string"
        return None

    # -- deliveries ---------------------------------------------------------------------

    def delivery(
        self, event: str, key: str, *, changelog: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """What Jira POSTs for `event` on issue `key`: the issue in REST v2 shape (as
        webhooks send it) with all its fields, and `changelog` items (default: the issue's
        latest history on an update)."""
        issue = self.data.find(key)
        if issue is None:
            raise KeyError(f"FakeJira has no issue {key}")
        base = self.url_for("/").rstrip("/")
        rendered = render_issue(
            self.data,
            issue,
            base_url=base,
            version="2",
            fields=["*all"],
            changelog=False,
            changelog_cap=0,
        )
        rendered.pop("expand", None)
        payload: dict[str, Any] = {
            "timestamp": self.data.clock_ms,
            "webhookEvent": event,
            "issue_event_type_name": event.split(":", 1)[-1],
            "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Bob"},
            "issue": rendered,
        }
        if changelog is None and event == "jira:issue_updated" and issue.histories:
            latest = issue.histories[-1]
            payload["changelog"] = {"id": latest["id"], "items": latest["items"]}
        elif changelog is not None:
            payload["changelog"] = {"id": "webhook", "items": changelog}
        return payload

    def version_delivery(self, event: str, version_id: str) -> dict[str, Any]:
        """What Jira POSTs for a version event: the version, naming its project by id."""
        found: Mapping[str, Any] | None = None
        for version in self.data.versions:
            if version.id == version_id:
                found = render_version(version, self.url_for("/").rstrip("/"))
        if found is None:
            raise KeyError(f"FakeJira has no version {version_id}")
        return {"timestamp": self.data.clock_ms, "webhookEvent": event, "version": dict(found)}
