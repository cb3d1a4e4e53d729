"""`FakeAsana`'s webhooks: list, create (with a real handshake), delete, and signed deliveries.

Creating a webhook does what Asana does while the `POST /webhooks` is in flight: it POSTs
to the target with an `X-Hook-Secret` header and creates the webhook only when the target
answers 200 or 204 echoing that header. A `localhost` target gets 403, a second webhook
for the same resource and target 403 "Duplicated webhook" (Asana's words). The status and
wording for a failed handshake are the fake's own: Asana documents only that it is an
error. `deliver` then POSTs `{"events": [...]}` to the target, signed with
`X-Hook-Signature` (hex HMAC-SHA256 of the body, keyed by the handshake secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from clientsync.testing import FakeRequest, Reply, ReplyLike, route

from .fake_data import BASE, WORKSPACE

__all__ = ["FakeWebhooks"]

HANDSHAKE_SECONDS = 10.0  # Asana's own limit for a target's answer
DUPLICATE = (
    "Duplicated webhook. You already have an existing webhook for the given resource and "
    "target. Delete the old one before creating another."
)
HANDSHAKE_FAILED = (
    "target: The webhook handshake failed: the target must answer 200 or 204 with the "
    "X-Hook-Secret header it was sent"
)
_WEBHOOK_COMPACT = ("resource_type", "active", "resource", "target")


def _refuse(status: int, message: str) -> Reply:
    return Reply(status, {}, {"errors": [{"message": message, "help": "fake"}]})


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, str]]:
    """POST on our own connection (no proxies from the environment); status and headers."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with opener.open(request, timeout=HANDSHAKE_SECONDS) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


class FakeWebhooks:
    """The webhook routes and deliveries, mixed into `FakeAsana`."""

    if TYPE_CHECKING:
        import threading

        _state: threading.RLock
        projects: dict[str, dict[str, Any]]
        tasks: dict[str, dict[str, Any]]
        stories: dict[str, list[dict[str, Any]]]
        events: dict[str, list[dict[str, Any]]]

        def _gid(self) -> str: ...
        def _tick(self) -> str: ...
        def _list(
            self, request: FakeRequest, records: Sequence[dict[str, Any]], compact: Sequence[str]
        ) -> Reply: ...

    def __init__(self) -> None:
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.hook_secrets: dict[str, str] = {}
        """Each webhook's handshake secret, as the target was given it."""
        self.handshakes = 0
        self._delivered: dict[str, int] = {}

    # -- routes ------------------------------------------------------------------------

    @route("GET", BASE + "/webhooks")
    def list_webhooks(self, request: FakeRequest) -> ReplyLike:
        workspace = request.arg("workspace")
        if not workspace:
            return _refuse(400, "workspace: Missing input")
        if workspace != WORKSPACE["gid"]:
            return _refuse(404, "workspace: Unknown object")
        resource = request.arg("resource")
        records = [w for w in self.webhooks.values() if resource in (None, w["resource"]["gid"])]
        return self._list(request, records, _WEBHOOK_COMPACT)

    @route("POST", BASE + "/webhooks")
    def create_webhook(self, request: FakeRequest) -> ReplyLike:
        """Runs outside the data lock (see `FakeAsana._locked`): the handshake calls out."""
        data = (request.json() or {}).get("data") or {}
        resource, target = data.get("resource"), data.get("target")
        if not isinstance(resource, str) or not resource:
            return _refuse(400, "resource: Missing input")
        if not isinstance(target, str) or not target:
            return _refuse(400, "target: Missing input")
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return _refuse(400, "target: Not a valid URL")
        if parts.hostname == "localhost":
            return _refuse(403, "target: Invalid hostname; webhooks cannot call localhost")
        with self._state:
            if resource not in self.projects:
                return _refuse(404, "resource: Unknown object")
            if self._existing(resource, target):
                return _refuse(403, DUPLICATE)
        secret = secrets.token_hex(32)
        if not self._handshake(target, secret):
            return _refuse(400, HANDSHAKE_FAILED)
        with self._state:
            if self._existing(resource, target):  # created meanwhile by a concurrent POST
                return _refuse(403, DUPLICATE)
            gid = self._gid()
            project = self.projects[resource]
            hook: dict[str, Any] = {
                "gid": gid,
                "resource_type": "webhook",
                "active": True,
                "resource": {"gid": resource, "resource_type": "project", "name": project["name"]},
                "target": target,
                "created_at": self._tick(),
                "delivery_retry_count": 0,
                "filters": [],
            }
            self.webhooks[gid] = hook
            self.hook_secrets[gid] = secret
            self._delivered[gid] = len(self.events.get(resource, ()))
        return Reply(
            201, {"Location": f"{BASE}/webhooks/{gid}"}, {"data": hook, "X-Hook-Secret": secret}
        )

    @route("DELETE", BASE + "/webhooks/{gid}")
    def delete_webhook(self, request: FakeRequest) -> ReplyLike:
        gid = request.params["gid"]
        if self.webhooks.pop(gid, None) is None:
            return _refuse(404, "webhook: Unknown object")
        self.hook_secrets.pop(gid, None)
        return Reply(200, {}, {"data": {}})

    def _existing(self, resource: str, target: str) -> bool:
        return any(
            w["resource"]["gid"] == resource and w["target"] == target
            for w in self.webhooks.values()
        )

    def _handshake(self, target: str, secret: str) -> bool:
        with self._state:
            self.handshakes += 1
        try:
            status, headers = _post(target, b"", {"X-Hook-Secret": secret})
        except OSError:  # refused, reset, timed out: no confirmation
            return False
        return status in (200, 204) and hmac.compare_digest(
            headers.get("x-hook-secret", ""), secret
        )

    # -- deliveries (test control) -----------------------------------------------------

    def deliver(self, webhook: str, events: Sequence[Mapping[str, Any]] | None = None) -> int:
        """POST a signed delivery to the webhook's target; returns the target's status.

        `events` defaults to the resource's events since the webhook's last delivery, in
        the shape webhooks carry (no names; resource subtypes). `[]` is a heartbeat.
        """
        with self._state:
            hook = self.webhooks[webhook]
            secret = self.hook_secrets[webhook]
            if events is None:
                log = self.events.get(hook["resource"]["gid"], [])
                events = [self._as_delivered(e) for e in log[self._delivered[webhook] :]]
                self._delivered[webhook] = len(log)
        body = json.dumps({"events": list(events)}, separators=(",", ":")).encode()
        signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hook-Signature": signature}
        status, _ = _post(hook["target"], body, headers)
        return status

    def _as_delivered(self, event: Mapping[str, Any]) -> dict[str, Any]:
        resource = event["resource"]
        compact = {"gid": resource["gid"], "resource_type": resource["resource_type"]}
        subtype = self._subtype(resource["resource_type"], resource["gid"])
        if subtype is not None:
            compact["resource_subtype"] = subtype
        parent = event.get("parent")
        delivered = {
            "user": {"gid": event["user"]["gid"], "resource_type": "user"},
            "created_at": event["created_at"],
            "action": event["action"],
            "resource": compact,
            "parent": (
                {"gid": parent["gid"], "resource_type": parent["resource_type"]} if parent else None
            ),
        }
        if "change" in event:
            delivered["change"] = event["change"]
        return delivered

    def _subtype(self, kind: str, gid: str) -> str | None:
        if kind == "task":
            return str(self.tasks.get(gid, {}).get("resource_subtype", "default_task"))
        if kind == "story":
            for stories in self.stories.values():
                for story in stories:
                    if story["gid"] == gid:
                        return str(story["resource_subtype"])
        return None
