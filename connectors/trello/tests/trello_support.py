"""Helpers shared by the Trello connector's tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clientsync_trello import TrelloConnector
from clientsync_trello.testing import FakeTrello, TrelloFailure, TrelloRateLimited

from clientsync.domain.model import WorkItem
from clientsync.ports import ReadResult
from clientsync.testing import ServerError

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "k3y-0f-the-fake-trello-app-000000"
TOKEN = "t0ken-8f3a9c1d2e4b6a7f9e0d1c2b3a4f5e6d"

ConnectorFor = Callable[..., TrelloConnector]


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class TrelloContractBackend:
    """The contract's control API over a FakeTrello: keys CT-n are cards with idShort n."""

    page_size = 5

    def __init__(self, server: FakeTrello) -> None:
        self.server = server
        self.url = server.url
        server.add_list("Backlog")

    @property
    def secret(self) -> str:
        return TOKEN

    def add_item(self, key: str, title: str, **fields: Any) -> str:
        return self.server.add_card(title, "Backlog", id_short=int(key.rsplit("-", 1)[1]))

    def update_item(self, item_id: str, **fields: Any) -> None:
        self.server.update_card(item_id, name=fields["title"])

    def delete_item(self, item_id: str) -> None:
        self.server.delete_card(item_id)

    def fail_next(self, exception_kind: str, times: int = 1) -> None:
        if exception_kind == "transient":
            faults = [ServerError(503), TrelloRateLimited()]
            self.server.script(*(faults[n % 2] for n in range(times)))
        else:
            self.server.fail_next(TrelloFailure(401, "invalid token"), times)

    def posted_count(self) -> int:
        return len(self.server.comments())


# -- webhook deliveries ----------------------------------------------------------------


def card_named(fake: FakeTrello, name: str) -> str:
    return next(ident for ident, card in fake.cards.items() if card["name"] == name)


def deliver(
    fake: FakeTrello, reader: TrelloConnector, payload: dict[str, Any] | None = None
) -> tuple[ReadResult, int]:
    """The reader's result for `payload` (default: the board's latest action), and requests."""
    before = fake.count()
    result = reader.read_webhook(payload if payload is not None else fake.webhook_payload())
    return result, fake.count() - before


def full_item(reader: TrelloConnector, ident: str) -> WorkItem:
    return next(item for item in reader.read(full=True).items if item.id == ident)


def hand_made(fake: FakeTrello, kind: str, **data: Any) -> dict[str, Any]:
    """A delivery of an action the fake does not record by itself."""
    action = {
        "id": "65e3363165a1f0c2001a2b99",
        "type": kind,
        "date": "2024-03-02T14:22:41.907Z",
        "data": {"board": {"id": fake.board_id, "name": fake.board["name"]}, **data},
    }
    return {"model": dict(fake.board), "action": action}


def is_empty(result: ReadResult) -> bool:
    parts = (result.items, result.milestones, result.deleted, result.changes, result.rejected)
    return not any(parts) and not result.census and result.cursor is None
