"""The fake Trello's webhooks: the token's list, creation with Trello's checks, updates.

Creation validates what Trello validates: an absolute http(s) `callbackURL`, an
`idModel` the token can see (the board, one of its lists or cards), a description of at
most 16,384 characters, no second webhook for the same model and URL ("A webhook with
that callback, model, and token already exists"), and the HEAD check: Trello sends
`HEAD callbackURL` and refuses the webhook unless it answers 200 ("URL (…) did not
return 200 status code, got 404"). The fake performs that HEAD for loopback URLs; other
URLs pass (tests have no internet) unless `callback_head_status` says what they answer.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

from clientsync.testing import FakeRequest, ReplyLike, route

from .fakeboard import BoardBuilder

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_NOT_FOUND = "The requested resource was not found."


class WebhookRoutes(BoardBuilder):
    """The board plus its token's webhooks; mixed into `FakeTrello`, which serves them."""

    token: str
    callback_head_status: int | None

    @route("GET", r"/1/tokens/{token}/webhooks/?")
    def list_webhooks(self, request: FakeRequest) -> ReplyLike:
        if request.params["token"] != self.token:
            return 401, {}, "invalid token"
        with self._state:
            return 200, {}, [dict(hook) for hook in self.webhooks.values()]

    @route("POST", r"/1/webhooks/?")
    def create_webhook(self, request: FakeRequest) -> ReplyLike:
        return self._create(_args(request))

    @route("POST", r"/1/tokens/{token}/webhooks/?")
    def create_token_webhook(self, request: FakeRequest) -> ReplyLike:
        if request.params["token"] != self.token:
            return 401, {}, "invalid token"
        return self._create(_args(request))

    @route("GET", r"/1/webhooks/{hook}/?")
    def get_webhook(self, request: FakeRequest) -> ReplyLike:
        with self._state:
            hook = self.webhooks.get(request.params["hook"])
            return (200, {}, dict(hook)) if hook is not None else (404, {}, _NOT_FOUND)

    @route("PUT", r"/1/webhooks/{hook}/?")
    def update_webhook(self, request: FakeRequest) -> ReplyLike:
        args = _args(request)
        with self._state:
            hook = self.webhooks.get(request.params["hook"])
            if hook is None:
                return 404, {}, _NOT_FOUND
            if "callbackURL" in args and not _valid_url(args["callbackURL"]):
                return 400, {}, "invalid value for callbackURL"
            if "active" in args:
                hook["active"] = _truthy(args["active"])
                hook["consecutiveFailures"] = 0
            for name in ("description", "callbackURL"):
                if name in args:
                    hook[name] = str(args[name])
            return 200, {}, dict(hook)

    @route("DELETE", r"/1/webhooks/{hook}/?")
    def delete_webhook(self, request: FakeRequest) -> ReplyLike:
        with self._state:
            if self.webhooks.pop(request.params["hook"], None) is None:
                return 404, {}, _NOT_FOUND
            return 200, {}, {"_value": None}

    def add_webhook(self, callback_url: str, *, active: bool = True) -> str:
        """A webhook on the board, as if created earlier (no HEAD check)."""
        with self._state:
            ident = self._new_id()
            self.webhooks[ident] = _hook(ident, self.board_id, callback_url, "", active)
            return ident

    def _create(self, args: dict[str, Any]) -> ReplyLike:
        url, model = str(args.get("callbackURL") or ""), str(args.get("idModel") or "")
        description = str(args.get("description") or "")
        if not _valid_url(url):
            return 400, {}, "invalid value for callbackURL"
        if len(description) > 16384:
            return 400, {}, "invalid value for description"
        with self._state:
            if model != self.board_id and model not in self.cards and model not in self.lists:
                return 400, {}, "invalid value for idModel"
            if self._duplicate(model, url):
                return 400, {}, "A webhook with that callback, model, and token already exists"
        # Outside the lock: the callback may be this very server.
        status = self._head_status(url)
        if status != 200:
            return 400, {}, f"URL ({url}) did not return 200 status code, got {status}"
        with self._state:
            if self._duplicate(model, url):
                return 400, {}, "A webhook with that callback, model, and token already exists"
            ident = self._new_id()
            active = _truthy(args.get("active", True))
            self.webhooks[ident] = _hook(ident, model, url, description, active)
            return 200, {}, dict(self.webhooks[ident])

    def _duplicate(self, model: str, url: str) -> bool:
        hooks = self.webhooks.values()
        return any(h["idModel"] == model and h["callbackURL"] == url for h in hooks)

    def _head_status(self, url: str) -> int | str:
        if self.callback_head_status is not None:
            return self.callback_head_status
        if urlsplit(url).hostname not in _LOOPBACK:
            return 200
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(urllib.request.Request(url, method="HEAD"), timeout=2) as reply:
                return int(reply.status)
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return "no response"


def _hook(ident: str, model: str, url: str, description: str, active: bool) -> dict[str, Any]:
    return {
        "id": ident, "description": description, "idModel": model, "callbackURL": url,
        "active": active, "consecutiveFailures": 0, "firstConsecutiveFailDate": None,
    }  # fmt: skip


def _args(request: FakeRequest) -> dict[str, Any]:
    """Parameters from the query, a JSON body (py-trello) or a form body (`create_hook`)."""
    args: dict[str, Any] = {k: v[0] for k, v in request.query.items() if v}
    if not request.body:
        return args
    if "json" in request.headers.get("content-type", ""):
        body = request.json()
        if isinstance(body, dict):
            args.update(body)
    else:
        form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        args.update({k: v[0] for k, v in form.items() if v})
    return args


def _valid_url(value: Any) -> bool:
    parts = urlsplit(str(value))
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
