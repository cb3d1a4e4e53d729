"""Webhooks, the Trello side: deliveries that move milestones re-read them, per mode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from clientsync_trello.testing import FakeTrello, populate_board
from trello_support import ConnectorFor, card_named, deliver, full_item

from clientsync.domain.model import ItemState

DUE = datetime(2024, 4, 20, 17, 0, tzinfo=UTC)
Change = Callable[[FakeTrello, str], object]


@pytest.fixture
def board(fake: FakeTrello) -> FakeTrello:
    populate_board(fake, 12, seed=5)
    return fake


def test_a_moved_milestone_rereads_the_milestones_and_the_items(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    milestone = next(i for i, c in board.cards.items() if c["name"].startswith("M1"))
    board.update_card(milestone, due=datetime(2024, 9, 1, tzinfo=UTC))
    result, requests_made = deliver(board, reader)
    full = reader.read(full=True)
    assert requests_made == 3  # the card (a milestone, so...) then a full read's two
    assert result.milestone_census
    assert result.milestones == full.milestones
    assert (
        next(m for m in result.milestones if m.id == milestone).due == datetime(2024, 9, 1).date()
    )
    assert result.items == full.items  # any card's milestone may have shifted
    assert not result.census
    assert result.cursor is None
    assert [c.field for c in result.changes] == ["due"]


@pytest.mark.parametrize("labels", [["Milestone"], []])
def test_a_milestone_label_gained_or_lost_rereads_milestones_at_once(
    labels: list[str], board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board)
    card = card_named(board, "Card 11")
    if not labels:
        board.update_card(card, labels=["Milestone"])
    board.update_card(card, labels=labels, due=DUE)
    label_action = next(a for a in reversed(board.actions) if "Label" in a["type"])
    result, requests_made = deliver(board, reader, board.webhook_payload(label_action))
    assert requests_made == 2  # no card read first: the action says a milestone changed
    assert result.milestone_census
    assert (card in {m.id for m in result.milestones}) == bool(labels)


@pytest.mark.parametrize(
    ("mode", "change", "rereads"),
    [
        ("lists", lambda f, c: f.update_card(c, list="Done"), True),
        ("lists", lambda f, c: f.update_card(c, due=DUE), True),
        ("lists", lambda f, c: f.update_card(c, labels=["Blocked"]), False),
        ("custom_field", lambda f, c: f.update_card(c, fields={"Phase": "Build"}), True),
        ("custom_field", lambda f, c: f.update_card(c, closed=True), True),
        ("custom_field", lambda f, c: f.update_card(c, name="x"), False),
        ("custom_field", lambda f, c: f.update_card(c, fields={"Estimate": "3"}), False),
        ("list", lambda f, c: f.update_card(c, list="Milestones"), True),
        ("list", lambda f, c: f.update_card(c, list="Doing"), False),
    ],
)
def test_what_moves_milestones_depends_on_the_mode(
    mode: str, change: Change, rereads: bool, board: FakeTrello, connector_for: ConnectorFor
) -> None:
    board.add_custom_field("Phase", "list", ["Design", "Build"])
    reader = connector_for(board, mapping={"milestones": mode})
    card = card_named(board, "Card 12")
    if board.cards[card]["idList"] == board.list_id("Doing"):
        board.update_card(card, list="Backlog")
    change(board, card)
    result, requests_made = deliver(board, reader)
    assert result.milestone_census is rereads
    if rereads:
        assert requests_made == 2
        assert result.milestones == reader.read(full=True).milestones
    else:
        assert requests_made == 1
        assert result.items == (full_item(reader, card),)


def test_a_deleted_card_in_lists_mode_rereads_the_phases(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    reader = connector_for(board, mapping={"milestones": "lists"})
    card = card_named(board, "Card 3")
    board.delete_card(card)
    result, requests_made = deliver(board, reader)
    assert requests_made == 2
    assert result.deleted == (card,)
    assert result.milestones == reader.read(full=True).milestones


def test_a_renamed_list_rereads_the_board(board: FakeTrello, connector_for: ConnectorFor) -> None:
    reader = connector_for(board)
    board.rename_list(board.list_id("Doing"), "Shipped")
    result, requests_made = deliver(board, reader)
    assert requests_made == 2
    assert not result.census
    moved = [item for item in result.items if item.status == "Shipped"]
    assert moved
    assert all(item.state is ItemState.DONE for item in moved)


def test_a_ticked_milestone_check_item_rereads_the_milestones(
    board: FakeTrello, connector_for: ConnectorFor
) -> None:
    plan = board.add_card(
        "Release plan", "Milestones", labels=["Milestone"],
        checklists={"Phases": [("Alpha", False, DUE)]},
    )  # fmt: skip
    reader = connector_for(board, mapping={"milestones": "checklist"})
    board.set_check_item(plan, "Alpha", True)
    result, requests_made = deliver(board, reader)
    assert requests_made == 3  # the card turns out to hold milestones: then a full read
    assert result.milestone_census
    (alpha,) = result.milestones
    assert alpha.name == "Alpha"
    assert alpha.done
