"""`FakeTrello`: a loopback fake of the Trello REST API, for tests and benchmarks.

Built on `clientsync.testing.FakeServer` (fault injection, request log), it serves the
routes the connector and py-trello use, with and without py-trello's trailing slash:
the board, its cards (filters, field selection, nested checklists, custom-field items and
members, `limit`/`before`/`since` newest first, `API_TOO_MANY_CARDS_REQUESTED`), lists,
labels, custom fields, actions (`since`/`before`/`limit` ≤ 1000, `filter`), `/batch`
(≤ 10 URLs), single cards, their checklists and comments, the board's checklists, and
the token's webhooks (see `fakehooks`: list, create with Trello's HEAD check, update,
delete). Authentication is `key`+`token` in the query or an `Authorization: OAuth
oauth_consumer_key=…, oauth_token=…` header; anything else gets Trello's plain-text 401.
Every reply carries the `x-rate-limit-*` headers, and `TrelloRateLimited` answers 429
with Trello's JSON body code (no Retry-After, as Trello).

Ids are ObjectId-shaped (8 hex digits of unix time, then a counter), so sorting them
sorts by creation; the fake's clock starts at `start` and ticks a second per change.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from clientsync.testing import FakeRequest, FakeServer, Fault, Reply, ReplyLike, route

from .fakeboard import iso
from .fakehooks import WebhookRoutes

__all__ = ["FakeTrello", "TrelloFailure", "TrelloRateLimited"]

_OAUTH = re.compile(r'(oauth_consumer_key|oauth_token)="([^"]*)"')
_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class TrelloRateLimited(Fault):
    """429 as Trello sends it: a JSON body code and no Retry-After header."""

    code: str = "API_TOKEN_LIMIT_EXCEEDED"


@dataclass(frozen=True)
class TrelloFailure(Fault):
    """Any other error reply, e.g. Trello's plain-text 401 `invalid token`."""

    status: int = 401
    body: Any = "invalid token"


class FakeTrello(WebhookRoutes, FakeServer):
    """One board in memory, served over loopback HTTP as Trello serves it."""

    def __init__(
        self,
        *,
        api_key: str = "fake-key",
        token: str = "fake-token",
        board_name: str = "Fake board",
        start: datetime = datetime(2024, 1, 8, 9, 0, tzinfo=UTC),
        max_cards_per_response: int | None = None,
        max_checklists_per_response: int | None = None,
        latency: float = 0.0,
        callback_head_status: int | None = None,
        **server_options: Any,
    ) -> None:
        super().__init__(**server_options)
        self.callback_head_status = callback_head_status
        self.api_key = api_key
        self.token = token
        self.max_cards_per_response = max_cards_per_response
        self.max_checklists_per_response = max_checklists_per_response
        self.latency = latency
        self._local = threading.local()
        self._init_board(board_name, start)

    # -- serving ------------------------------------------------------------------------

    def _admit(self, request: FakeRequest) -> Fault | None:
        fault = super()._admit(request)
        self._local.fault = fault
        return fault

    def _dispatch(self, request: FakeRequest) -> Reply:
        fault = getattr(self._local, "fault", None)
        self._local.fault = None
        if self.latency:
            self._release.wait(self.latency)
        headers = {
            "x-rate-limit-api-token-interval-ms": "10000",
            "x-rate-limit-api-token-max": "100",
            "x-rate-limit-api-token-remaining": "99",
            "x-rate-limit-api-key-interval-ms": "10000",
            "x-rate-limit-api-key-max": "300",
            "x-rate-limit-api-key-remaining": "299",
        }
        if isinstance(fault, TrelloRateLimited):
            headers["x-rate-limit-api-token-remaining"] = "0"
            body = {"error": fault.code, "message": "Rate limit exceeded"}
            return Reply(429, headers, body)
        if isinstance(fault, TrelloFailure):
            return Reply(fault.status, headers, fault.body)
        if not self._authorised(request):
            return Reply(401, headers, "invalid token")
        reply = super()._dispatch(request)
        return Reply(reply.status, {**headers, **reply.headers}, reply.body)

    def _authorised(self, request: FakeRequest) -> bool:
        if request.arg("key") == self.api_key and request.arg("token") == self.token:
            return True
        found = dict(_OAUTH.findall(request.headers.get("authorization", "")))
        return (
            found.get("oauth_consumer_key") == self.api_key
            and found.get("oauth_token") == self.token
        )

    def _board(self, request: FakeRequest) -> dict[str, Any] | None:
        ident = request.params.get("board")
        if ident in (self.board_id, self.board["shortLink"]):
            return self.board
        return None

    @route("GET", r"/1/boards/{board}/?")
    def get_board(self, request: FakeRequest) -> ReplyLike:
        if self._board(request) is None:
            return 404, {}, "The requested resource was not found."
        return 200, {}, _select(dict(self.board), request.arg("fields"))

    @route("GET", r"/1/boards/{board}/lists/?")
    def get_lists(self, request: FakeRequest) -> ReplyLike:
        if self._board(request) is None:
            return 404, {}, "The requested resource was not found."
        wanted = request.arg("filter", "open")
        with self._state:
            lists = [dict(x) for x in self.lists.values() if _filtered(x["closed"], wanted)]
        return 200, {}, sorted(lists, key=lambda x: x["pos"])

    @route("GET", r"/1/boards/{board}/labels/?")
    def get_labels(self, request: FakeRequest) -> ReplyLike:
        if self._board(request) is None:
            return 404, {}, "The requested resource was not found."
        limit = int(request.arg("limit", "50") or 50)
        with self._state:
            return 200, {}, [dict(x) for x in self.labels.values()][:limit]

    @route("GET", r"/1/boards/{board}/customFields/?")
    def get_custom_fields(self, request: FakeRequest) -> ReplyLike:
        if self._board(request) is None:
            return 404, {}, "The requested resource was not found."
        with self._state:
            return 200, {}, copy.deepcopy(list(self.custom_fields.values()))

    @route("GET", r"/1/boards/{board}/cards(?:/(?P<filter>all|open|closed|visible))?/?")
    def get_cards(self, request: FakeRequest) -> ReplyLike:
        if self._board(request) is None:
            return 404, {}, "The requested resource was not found."
        wanted = request.params.get("filter") or request.arg("filter", "visible") or "visible"
        with self._state:
            cards = [c for c in self.cards.values() if self._card_visible(c, wanted)]
            cards = _window(cards, request)
            if self.max_cards_per_response is not None and len(cards) > self.max_cards_per_response:
                return 403, {}, {
                    "error": "API_TOO_MANY_CARDS_REQUESTED",
                    "message": "Requested too many cards, please use pagination",
                }  # fmt: skip
            if request.arg("checklists", "none") != "none" and self.max_checklists_per_response:
                total = sum(len(c["checklists"]) for c in cards)
                if total > self.max_checklists_per_response:
                    return 403, {}, "Too many checklists"
            return 200, {}, [self._render_card(c, request) for c in cards]

    @route("GET", r"/1/cards/{card}/?")
    def get_card(self, request: FakeRequest) -> ReplyLike:
        with self._state:
            ident = request.params["card"]
            card = self._card(ident) or self.elsewhere.get(ident)
            if card is None:
                return 404, {}, "The requested resource was not found."
            return 200, {}, self._render_card(card, request)

    @route("GET", r"/1/cards/{card}/checklists/?")
    def get_card_checklists(self, request: FakeRequest) -> ReplyLike:
        with self._state:
            card = self._card(request.params["card"])
            if card is None:
                return 404, {}, "The requested resource was not found."
            return 200, {}, copy.deepcopy(card["checklists"])

    @route("GET", r"/1/boards/{board}/checklists/?")
    def get_board_checklists(self, request: FakeRequest) -> ReplyLike:
        if self._board(request) is None:
            return 404, {}, "The requested resource was not found."
        with self._state:
            return 200, {}, [
                copy.deepcopy(checklist)
                for card in self.cards.values()
                for checklist in card["checklists"]
            ]  # fmt: skip

    @route("GET", r"/1/boards/{board}/actions/?")
    def get_board_actions(self, request: FakeRequest) -> ReplyLike:
        if self._board(request) is None:
            return 404, {}, "The requested resource was not found."
        return self._actions(request, lambda a: True)

    @route("GET", r"/1/cards/{card}/actions/?")
    def get_card_actions(self, request: FakeRequest) -> ReplyLike:
        ident = request.params["card"]
        with self._state:
            card = self._card(ident)
            if card is None:
                return 404, {}, "The requested resource was not found."
        return self._actions(request, lambda a: a["data"].get("card", {}).get("id") == card["id"])

    @route("POST", r"/1/cards/{card}/actions/comments/?")
    def post_comment(self, request: FakeRequest) -> ReplyLike:
        body = request.json() or {}
        text = body.get("text") or request.arg("text")
        with self._state:
            card = self._card(request.params["card"])
            if card is None:
                return 404, {}, "The requested resource was not found."
            if not text:
                return 400, {}, "invalid value for text"
            now = self.tick()
            card["badges"]["comments"] += 1
            card["dateLastActivity"] = iso(now)
            action = self._act("commentCard", {
                "text": text, "card": self._ref(card), "list": self._list_ref(card["idList"]),
            })  # fmt: skip
            return 200, {}, copy.deepcopy(action)

    @route("GET", r"/1/batch/?")
    def batch(self, request: FakeRequest) -> ReplyLike:
        urls = [u for u in (request.arg("urls") or "").split(",") if u]
        if not urls or len(urls) > 10:
            return 400, {}, {"message": "Batch requests take 1 to 10 urls", "error": "ERROR"}
        answers = []
        for url in urls:
            parts = urlsplit(url if url.startswith("/") else "/" + url)
            path = parts.path if parts.path.startswith("/1/") else "/1" + parts.path
            inner = FakeRequest(
                method="GET",
                path=path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers=request.headers,
                body=b"",
            )
            reply = FakeServer._dispatch(self, inner)
            if reply.status == 200:
                answers.append({"200": reply.body})
            else:
                answers.append({
                    "name": "NotFound" if reply.status == 404 else "Error",
                    "message": reply.body if isinstance(reply.body, str) else str(reply.body),
                    "statusCode": reply.status,
                })  # fmt: skip
        return 200, {}, answers

    # -- helpers ------------------------------------------------------------------------

    def _card(self, ident: str) -> dict[str, Any] | None:
        if ident in self.cards:
            return self.cards[ident]
        return next((c for c in self.cards.values() if c["shortLink"] == ident), None)

    def _card_visible(self, card: dict[str, Any], wanted: str) -> bool:
        list_closed = self.lists[card["idList"]]["closed"]
        if wanted == "all":
            return True
        if wanted == "closed":
            return bool(card["closed"])
        if wanted == "open":
            return not card["closed"]
        return not card["closed"] and not list_closed  # visible

    def _render_card(self, card: dict[str, Any], request: FakeRequest) -> dict[str, Any]:
        rendered = _select(copy.deepcopy(card), request.arg("fields"))
        rendered.pop("checklists", None)
        rendered.pop("customFieldItems", None)
        fields = request.arg("fields")
        if not fields or fields == "all" or "labels" in fields.split(","):
            rendered["labels"] = [dict(self.labels[i]) for i in card["idLabels"]]
        if request.arg("checklists", "none") != "none":
            rendered["checklists"] = copy.deepcopy(card["checklists"])
        if request.arg("customFieldItems") == "true":
            rendered["customFieldItems"] = copy.deepcopy(card["customFieldItems"])
        if request.arg("members") == "true":
            rendered["members"] = [
                dict(self.members[m]) for m in card["idMembers"] if m in self.members
            ]
        return rendered

    def _actions(self, request: FakeRequest, keep: Any) -> ReplyLike:
        limit = int(request.arg("limit", "50") or 50)
        if not 0 <= limit <= 1000:
            return 400, {}, "invalid value for limit"
        types = {t.strip() for t in (request.arg("filter") or "all").split(",")}
        with self._state:
            chosen = [
                a for a in self.actions
                if keep(a) and ("all" in types or a["type"] in types)
            ]  # fmt: skip
            return 200, {}, copy.deepcopy(_window(chosen, request, limit=limit))


def _filtered(closed: bool, wanted: str | None) -> bool:
    return wanted == "all" or (wanted == "closed") == bool(closed)


def _select(record: dict[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields or fields == "all":
        return record
    keep = {f.strip() for f in fields.split(",")} | {"id"}
    return {k: v for k, v in record.items() if k in keep or k in ("checklists", "customFieldItems")}


def _bound(value: str | None) -> str | None:
    """`before`/`since` take an id or a date; a date becomes the smallest id of its second."""
    if not value:
        return None
    if _ID.match(value):
        return value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return f"{int(moment.timestamp()):08x}" + "0" * 16


def _window(
    records: list[dict[str, Any]], request: FakeRequest, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """Newest first, strictly between `since` and `before`, at most `limit`."""
    since, before = _bound(request.arg("since")), _bound(request.arg("before"))
    if limit is None and request.arg("limit"):
        limit = int(request.arg("limit") or 0)
    chosen = [
        r for r in records
        if (since is None or r["id"] > since) and (before is None or r["id"] < before)
    ]  # fmt: skip
    chosen.sort(key=lambda r: r["id"], reverse=True)
    return chosen[:limit] if limit else chosen
