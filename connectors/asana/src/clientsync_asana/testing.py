"""Test support for users of the Asana connector: the fake Asana, a contract backend and a
webhook target that answers the fake's handshake.

from clientsync_asana.testing import FakeAsana, HookReceiver
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Literal

from clientsync.testing import FakeRequest, FakeServer, RateLimited, Reply, ServerError, route

from .fake import FakeAsana

__all__ = ["AsanaContractBackend", "FakeAsana", "HookReceiver"]


class HookReceiver(FakeServer):
    """A loopback webhook target at `/hook`: answers the `X-Hook-Secret` handshake (unless
    `echo` is False) and keeps each delivery whose `X-Hook-Signature` verifies.

    A stand-in for the clientsync handler, for tests of registration and deliveries::

        with HookReceiver() as target:
            connector.register_webhook(target.hook_url)
    """

    def __init__(self, *, echo: bool = True) -> None:
        super().__init__()
        self.echo = echo
        self.secret: str | None = None
        self.deliveries: list[dict[str, Any]] = []
        self.refused = 0

    @property
    def hook_url(self) -> str:
        return self.url_for("/hook")

    @route("POST", "/hook")
    def hook(self, request: FakeRequest) -> Reply:
        offered = request.headers.get("x-hook-secret")
        if offered is not None:
            self.secret = offered
            return Reply(200, {"X-Hook-Secret": offered} if self.echo else {}, b"")
        signature = request.headers.get("x-hook-signature", "")
        expected = hmac.new((self.secret or "").encode(), request.body, hashlib.sha256)
        if self.secret is None or not hmac.compare_digest(signature, expected.hexdigest()):
            self.refused += 1
            return Reply(401, {}, b"")
        self.deliveries.append(json.loads(request.body))
        return Reply(200, {}, b"")


class AsanaContractBackend:
    """Drives a running `FakeAsana` through clientsync's `ContractBackend` API.

    Items get their key from a custom ID field ("ID"), as Asana's custom task IDs do.
    """

    page_size = 100

    def __init__(self, server: FakeAsana, *, project_name: str = "Contract") -> None:
        self.server = server
        self.project = server.add_project(project_name)

    @property
    def secret(self) -> str:
        return self.server.token

    @property
    def url(self) -> str:
        return self.server.api_url

    def add_item(self, key: str, title: str, **fields: Any) -> str:
        custom_id = {
            "gid": "1100000000000001",
            "resource_type": "custom_field",
            "name": "ID",
            "resource_subtype": "text",
            "representation_type": "custom_id",
            "display_value": key,
        }
        return self.server.add_task(self.project, title, custom_fields=[custom_id], **fields)

    def update_item(self, item_id: str, **fields: Any) -> None:
        if "title" in fields:
            fields["name"] = fields.pop("title")
        self.server.update_task(item_id, **fields)

    def delete_item(self, item_id: str) -> None:
        self.server.delete_task(item_id)

    def fail_next(self, exception_kind: Literal["transient", "fatal"], times: int = 1) -> None:
        if exception_kind == "transient":
            for n in range(times):
                self.server.fail_next(RateLimited(retry_after=1) if n % 2 else ServerError(503))
        else:
            self.server.fail_next(ServerError(401), times)

    def posted_count(self) -> int:
        return len(self.server.status_updates) + sum(
            1
            for stories in self.server.stories.values()
            for story in stories
            if story["type"] == "comment"
        )
