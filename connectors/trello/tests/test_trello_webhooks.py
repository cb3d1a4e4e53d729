"""Webhooks, the Trello side: a delivery as a partial read, in as few requests as it needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from clientsync_trello import TrelloConnector
from clientsync_trello.testing import FakeTrello, populate_board
from trello_support import (
    FIXTURES,
    ConnectorFor,
    card_named,
    deliver,
    full_item,
    hand_made,
    is_empty,
    load_fixture,
)

from clientsync.domain.model import ItemState
from clientsync.errors import FatalTrackerError
from clientsync.ports import WebhookReader, WebhookRegistrar

DUE = datetime(2024, 4, 20, 17, 0, tzinfo=UTC)


@pytest.fixture
def board(fake: FakeTrello) -> FakeTrello:
    populate_board(fake, 12, seed=5)
    return fake


# -- the ports -------------------------------------------------------------------------


def test_the_connector_implements_both_webhook_ports(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(fake)
    assert isinstance(reader, WebhookReader)
    assert isinstance(reader, WebhookRegistrar)


# -- reading deliveries ----------------------------------------------------------------


def test_the_vendor_payload_rereads_its_card_in_one_request(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    card = card_named(board, "Card 2")
    board.update_card(card, due=datetime(2024, 3, 15, 17, 0, tzinfo=UTC))
    payload = load_fixture("webhook_update_card.json")
    payload["model"]["id"] = payload["action"]["data"]["board"]["id"] = board.board_id
    payload["action"]["data"]["card"]["id"] = card
    result, requests_made = deliver(board, reader, payload)
    assert requests_made == 1
    assert result.items == (full_item(reader, card),)
    assert result.items[0].due == datetime(2024, 3, 15).date()
    assert not result.census
    assert result.cursor is None
    assert result.milestones == ()
    assert [(c.field, c.before, c.after) for c in result.changes] == [
        ("due", "2024-03-08", "2024-03-15")
    ]
    assert result.project.id == board.board_id


Change = Callable[[FakeTrello, str], object]
CARD_CHANGES: dict[str, Change] = {
    "updateCard due": lambda f, c: f.update_card(c, due=DUE),
    "updateCard list move": lambda f, c: f.update_card(c, list="Done"),
    "updateCard closed": lambda f, c: f.update_card(c, closed=True),
    "updateCard name": lambda f, c: f.update_card(c, name="Renamed"),
    "updateCard dueComplete": lambda f, c: f.update_card(c, dueComplete=True),
    "addLabelToCard": lambda f, c: f.update_card(c, labels=["Internal", "Blocked"]),
    "removeLabelFromCard": lambda f, c: f.update_card(c, labels=[]),
    "addMemberToCard": lambda f, c: f.update_card(
        c, members=[f.add_member("Ann", "ann"), *f.cards[c]["idMembers"]]
    ),
    "updateCheckItemStateOnCard": lambda f, c: f.set_check_item(c, "Review", True),
}


@pytest.mark.parametrize("kind", CARD_CHANGES)
def test_a_card_action_maps_the_card_as_a_full_read_in_one_request(
    kind: str, board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    card = card_named(board, "Card 6")  # has a checklist; labels set up below
    board.update_card(card, labels=["Internal"])
    CARD_CHANGES[kind](board, card)
    assert board.actions[-1]["type"] == kind.split()[0]
    result, requests_made = deliver(board, reader)
    assert requests_made == 1
    assert result.items == (full_item(reader, card),)
    assert result.deleted == ()
    assert not result.census
    assert not result.milestone_census
    assert result.cursor is None


def test_an_archived_card_maps_as_the_full_read_maps_it(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    card = card_named(board, "Card 3")
    board.update_card(card, list="Backlog")
    board.update_card(card, closed=True)
    result, _ = deliver(board, reader)
    (item,) = result.items
    assert item.state is ItemState.CANCELLED  # archived_as, not deleted
    assert item.extra["archived"] is True
    assert ("archived", True) in {(c.field, c.after) for c in result.changes}
    done = connector_for(board, mapping={"archived_as": "done"})
    assert deliver(board, done)[0].items[0].state is ItemState.DONE


@pytest.mark.parametrize("kind", ["createCard", "copyCard"])
def test_a_new_card_is_read_in_one_request(
    kind: str, board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    if kind == "createCard":
        card = board.add_card("Fresh", "Backlog", due=DUE)
    else:
        card = board.copy_card(card_named(board, "Card 4"), "Copy of card 4")
    assert board.actions[-1]["type"] == kind
    result, requests_made = deliver(board, reader)
    assert requests_made == 1
    assert result.items == (full_item(reader, card),)


def test_a_card_moved_in_from_another_board_is_read(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    card = card_named(board, "Card 5")
    payload = hand_made(
        board,
        "moveCardToBoard",
        card={"id": card, "name": "Card 5", "idShort": 8},
        boardSource={"id": "5f0000000000000000000001"},
    )
    result, requests_made = deliver(board, reader, payload)
    assert requests_made == 1
    assert [item.id for item in result.items] == [card]


@pytest.mark.parametrize("mode", ["label", "list", "checklist"])
def test_items_land_in_the_same_milestone_as_in_a_full_read(
    mode: str, board: FakeTrello, connector_for: ConnectorFor
) -> None:
    board.add_card(
        "Release plan", "Milestones", labels=["Milestone"],
        checklists={"Phases": [
            ("Alpha", False, datetime(2024, 4, 1, tzinfo=UTC)),
            ("Beta", False, datetime(2024, 5, 1, tzinfo=UTC)),
        ]},
    )  # fmt: skip
    reader = connector_for(board, mapping={"milestones": mode})
    card = card_named(board, "Card 7")
    board.update_card(card, due=DUE)
    result, requests_made = deliver(board, reader)
    assert requests_made == 1
    (item,) = result.items
    assert item.milestones  # placed under a milestone, which needs the others' dates
    assert item == full_item(reader, card)
    assert result.milestones == ()


@pytest.mark.parametrize("mode", ["lists", "custom_field"])
def test_modes_where_an_item_places_itself_need_no_context(
    mode: str, board: FakeTrello, connector_for: ConnectorFor
) -> None:
    board.add_custom_field("Phase", "list", ["Design", "Build"])
    card = card_named(board, "Card 8")
    board.update_card(card, fields={"Phase": "Build"})
    reader = connector_for(board, mapping={"milestones": mode})
    board.update_card(card, name="Renamed")  # moves no milestone
    result, requests_made = deliver(board, reader)
    assert requests_made == 1
    assert len(board.requests[-1].query["urls"][0].split(",")) == 4  # board, lists, fields, card
    assert result.items == (full_item(reader, card),)


@pytest.mark.parametrize("kind", ["deleteCard", "moveCardFromBoard"])
def test_a_removed_card_is_deleted_without_a_request(
    kind: str, board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    card = card_named(board, "Card 9")
    if kind == "deleteCard":
        board.delete_card(card)
    else:
        board.move_card_to_board(card, "5f0000000000000000000001")
    result, requests_made = deliver(board, reader)
    assert requests_made == 0
    assert result.deleted == (card,)
    assert result.items == ()


@pytest.mark.parametrize("then", ["deleted", "moved away"])
def test_a_card_gone_since_its_action_is_deleted(
    then: str, board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    card = card_named(board, "Card 10")
    board.update_card(card, name="Soon gone")
    payload = board.webhook_payload()
    if then == "deleted":
        board.delete_card(card)
    else:
        board.move_card_to_board(card, "5f0000000000000000000001")
    result, requests_made = deliver(board, reader, payload)
    assert requests_made == 1
    assert result.deleted == (card,)
    assert result.items == ()


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("commentCard", {"text": "Looks good"}),
        ("addAttachmentToCard", {"attachment": {"id": "a1", "name": "spec.pdf"}}),
        ("voteOnCard", {"voted": True}),
        ("updateComment", {"action": {"text": "edited"}}),
        ("createLabel", {"label": {"id": "l1", "name": "New"}}),
        ("addMemberToBoard", {"idMemberAdded": "m1"}),
    ],
)
def test_actions_that_change_no_item_cost_no_request(
    kind: str, data: dict[str, Any], board: FakeTrello, connector_for: ConnectorFor
) -> None:
    card = {"id": card_named(board, "Card 1"), "name": "Card 1", "idShort": 4}
    payload = hand_made(board, kind, card=card, **data)
    result, requests_made = deliver(board, connector_for(board), payload)
    assert requests_made == 0
    assert is_empty(result)


def test_deliveries_about_other_boards_are_ignored(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    vendor = load_fixture("webhook_update_card.json")  # another board's ids
    result, requests_made = deliver(board, reader, vendor)
    assert requests_made == 0
    assert is_empty(result)
    reader.board_id = board.board["shortLink"]  # configured by short link
    result, requests_made = deliver(board, reader, vendor)
    assert requests_made == 0
    assert is_empty(result)
    board.update_card(card_named(board, "Card 2"), name="Ours")
    ours, requests_made = deliver(board, reader)
    assert requests_made == 1
    assert [item.title for item in ours.items] == ["Ours"]


def test_a_board_rename_updates_the_project_without_a_request(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    payload = hand_made(board, "updateBoard", old={"name": "Fake board"})
    payload["model"]["name"] = "Acme relaunch"
    result, requests_made = deliver(board, connector_for(board), payload)
    assert requests_made == 0
    assert result.project.name == "Acme relaunch"
    assert result.project.id == board.board_id


# -- bad deliveries --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "action"),
        ({"action": "updateCard"}, "action"),
        ({"action": {"id": "a1", "type": "updateCard"}}, "action.date"),
    ],
)
def test_a_malformed_delivery_is_rejected_without_a_request(
    payload: dict[str, Any], field: str, fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    result, requests_made = deliver(fake, connector_for(fake), payload)
    assert requests_made == 0
    (rejected,) = result.rejected
    assert rejected.field == field
    assert result.items == ()


def test_a_card_id_that_is_not_an_id_is_rejected(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    card = {"id": "x,/boards/other", "name": "?", "idShort": 1}
    result, requests_made = deliver(
        board, connector_for(board), hand_made(board, "updateCard", card=card)
    )
    assert requests_made == 0
    assert result.rejected[0].field == "action.data.card.id"


def test_an_export_source_takes_no_webhooks() -> None:
    reader = TrelloConnector(export=FIXTURES / "board_export_example.json")
    with pytest.raises(FatalTrackerError, match="board_id"):
        reader.read_webhook(load_fixture("webhook_update_card.json"))
    registration = reader.register_webhook("https://hooks.example.com/trello")
    assert not registration.created
    assert "board_id" in registration.instructions


def test_the_fake_delivers_payloads_shaped_like_trellos(board: FakeTrello) -> None:
    vendor = load_fixture("webhook_update_card.json")
    board.update_card(card_named(board, "Card 1"), due=DUE)
    ours = board.webhook_payload()
    assert set(ours) == set(vendor)
    assert set(ours["action"]["data"]) == set(vendor["action"]["data"])
    assert set(ours["action"]["data"]["old"]) == set(vendor["action"]["data"]["old"])
    assert ours["model"]["id"] == ours["action"]["data"]["board"]["id"] == board.board_id
