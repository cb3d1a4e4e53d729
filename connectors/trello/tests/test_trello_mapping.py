"""Mapping on the shared fixtures (a card, a board export) and on generated cards."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

from clientsync_trello import TrelloConnector
from clientsync_trello.cards import BoardMeta
from clientsync_trello.mapping import map_board, parse_cards
from clientsync_trello.options import MappingOptions
from hypothesis import given, settings
from hypothesis import strategies as st
from trello_support import FIXTURES, load_fixture

from clientsync.domain.model import ItemKind, ItemState


def export_meta() -> BoardMeta:
    board = load_fixture("board_export_example.json")
    return BoardMeta.parse(board, board["lists"], board["labels"], board["customFields"])


def map_cards(raw: list[Any], **options: Any) -> Any:
    mapping = MappingOptions(**options)
    cards, rejected = parse_cards(raw, "acme", mapping)
    mapped = map_board(export_meta(), cards, mapping, source="acme")
    return mapped, rejected


def export_read(**options: Any) -> Any:
    reader = TrelloConnector.from_options(
        {"export": "board_export_example.json", **options}, env={}, base_dir=FIXTURES
    )
    return reader.read()


def by_title(result: Any) -> dict[str, Any]:
    return {item.title: item for item in result.items}


def test_card_fixture_maps_every_field_py_trello_drops() -> None:
    mapped, rejected = map_cards([load_fixture("card_example.json")])
    assert not rejected
    (item,) = mapped.items
    assert item.key == "#2"
    assert item.kind is ItemKind.MILESTONE
    assert item.status == "Milestones"
    assert item.due == date(2024, 3, 15)
    assert item.start == date(2024, 2, 19)  # py-trello's Card drops `start`
    assert item.assignee == "Dana Reyes"  # and `members`
    assert item.labels == ("Milestone", "Client-facing")
    assert item.created == datetime.fromtimestamp(0x659D1A4C, tz=UTC)
    assert item.extra["custom_fields"] == {
        "Phase": "Design",
        "Baseline due": "2024-03-08T17:00:00.000Z",
        "Client visible": True,
        "Client owner": "Priya (Acme marketing)",
    }
    (milestone,) = mapped.milestones
    assert milestone.deliverables == (
        "Homepage design approved",
        "Product page design approved",
        "Style guide delivered",
    )
    assert milestone.due == date(2024, 3, 15)
    assert not milestone.done


def test_export_reads_offline_with_the_same_mapping() -> None:
    result = export_read()
    assert result.census
    assert result.project.name == "Acme Co — Website Relaunch"
    assert not result.rejected
    items = by_title(result)
    assert len(items) == 7
    cms = items["CMS integration"]
    assert cms.estimate == 8.5  # arrived as the string "8.5"
    assert cms.state is ItemState.IN_PROGRESS
    assert items["Homepage wireframes"].state is ItemState.IN_PROGRESS  # "Client Review"
    assert items["Analytics setup"].due is None
    assert items["Analytics setup"].milestones == ()
    assert items["Analytics setup"].state is ItemState.TODO
    milestones = {m.name: m for m in result.milestones}
    assert set(milestones) == {"M1: Discovery sign-off", "M2: Design approved"}
    m1 = milestones["M1: Discovery sign-off"]
    assert m1.done
    assert m1.completed_at == datetime(2024, 2, 16, 16, 5, 12, 331000, tzinfo=UTC)
    # due 1 March: the first milestone due on or after it is M2 (15 March)
    assert items["Homepage wireframes"].milestones == (milestones["M2: Design approved"].id,)


def test_archived_cards_and_archived_lists() -> None:
    items = by_title(export_read())
    # archived, but in the Done list: done wins
    assert items["Old landing page copy"].state is ItemState.DONE
    assert items["Old landing page copy"].extra["archived"] is True
    # open card in an archived list: archived
    assert items["Card in archived list"].state is ItemState.CANCELLED
    assert items["Card in archived list"].extra["archived"] is True
    as_done = by_title(export_read(archived_as="done"))
    assert as_done["Card in archived list"].state is ItemState.DONE


def test_history_from_the_export_actions() -> None:
    changes = {(c.key, c.field): c for c in export_read().changes}
    due = changes[("#2", "due")]
    assert (due.before, due.after) == ("2024-03-08", "2024-03-15")
    move = changes[("#3", "status")]
    assert (move.before, move.after) == ("In Progress", "Client Review")
    assert changes[("#1", "due_complete")].after is True
    assert changes[("#6", "archived")].after is True
    assert changes[("#8", "deleted")].before == "Backlog"
    assert ("#3", "created") in changes


def test_time_zone_decides_the_calendar_date() -> None:
    card = load_fixture("card_example.json")  # due 2024-03-15T17:00Z
    mapped, _ = map_cards([card], timezone="Pacific/Auckland")
    assert mapped.items[0].due == date(2024, 3, 16)
    mapped, _ = map_cards([card], timezone="America/Los_Angeles")
    assert mapped.items[0].due == date(2024, 3, 15)


def test_malformed_cards_are_rejected_by_key_and_field() -> None:
    card = load_fixture("card_example.json")
    no_list = copy.deepcopy(card)
    del no_list["idList"]
    bad_number = copy.deepcopy(card)
    bad_number["id"] = "659d1a4c65a1f0c2001a2b00"
    bad_number["idShort"] = 9
    bad_number["idLabels"], bad_number["labels"] = [], []
    bad_number["customFieldItems"] = [
        {"idCustomField": "659bba4e65a1f0c2001a2b51", "value": {"number": "lots"}}
    ]
    bad_due = copy.deepcopy(card)
    bad_due["idShort"] = 10
    bad_due["due"] = "next week"
    mapped, rejected = map_cards([no_list, bad_number, bad_due, card])
    assert [item.key for item in mapped.items] == ["#2"]
    problems = {(r.key, r.field) for r in [*rejected, *mapped.rejected]}
    assert problems == {
        ("#2", "idList"),
        ("#9", "customFieldItems.Estimate (days)"),
        ("#10", "due"),
    }


def test_labels_mark_blocked_client_requests_and_internal() -> None:
    card = load_fixture("card_example.json")
    card["labels"] = [
        {"id": "a" * 24, "name": "blocked", "color": "red"},
        {"id": "b" * 24, "name": "Client request", "color": "blue"},
        {"id": "c" * 24, "name": "Internal", "color": None},
        {"id": "d" * 24, "name": "", "color": "yellow"},
    ]
    mapped, _ = map_cards([card], milestones="lists")
    item = mapped.items[0]
    assert item.blocked
    assert item.client_request
    assert item.kind is ItemKind.REQUEST
    assert item.visibility.value == "internal"
    assert item.labels == ("blocked", "Client request", "Internal", "yellow")
    assert item.milestones == (card["idList"],)  # lists as phases


def test_custom_field_and_checklist_milestones() -> None:
    result = export_read(milestones="custom_field")
    phases = {m.name: m for m in result.milestones}
    assert list(phases) == ["Discovery", "Design", "Build", "Launch"]
    items = by_title(result)
    assert items["CMS integration"].milestones == (phases["Build"].id,)
    assert phases["Discovery"].done  # its only card is complete
    checklist = export_read(milestones="checklist")
    names = {m.name: m for m in checklist.milestones}
    assert names["Homepage design approved"].due == date(2024, 3, 6)
    assert names["Style guide delivered"].done


def test_renamed_done_list_pattern_is_configurable() -> None:
    result = export_read(done_lists=r"^client review$")
    assert by_title(result)["Homepage wireframes"].state is ItemState.DONE


_dates = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
)


@st.composite
def generated_cards(draw: st.DrawFn) -> list[dict[str, Any]]:
    board = load_fixture("board_export_example.json")
    lists = [x["id"] for x in board["lists"]]
    cards = []
    for n in range(draw(st.integers(0, 12))):
        card: dict[str, Any] = {
            "id": f"{0x65000000 + n:08x}{n:016x}",
            "name": draw(st.text(max_size=20)),
            "idShort": n + 1,
            "idList": draw(st.sampled_from(lists)),
            "due": draw(_dates),
            "start": draw(_dates),
            "dueComplete": draw(st.booleans()),
            "closed": draw(st.booleans()),
            "customFieldItems": [
                {
                    "idCustomField": "659bba4e65a1f0c2001a2b51",
                    "value": {"number": draw(st.sampled_from(["1", "8.5", "0", "13.25"]))},
                }
            ],
        }
        for optional in draw(st.sets(st.sampled_from(["due", "start", "dueComplete", "closed"]))):
            card.pop(optional)
        cards.append(card)
    return cards


@settings(max_examples=60, deadline=None)
@given(generated_cards(), st.sampled_from(["UTC", "Asia/Tokyo", "America/Anchorage"]))
def test_generated_cards_map_or_are_rejected(cards: list[dict[str, Any]], zone: str) -> None:
    mapped, rejected = map_cards(cards, timezone=zone)
    assert not rejected
    assert len(mapped.items) == len(cards)
    for card, item in zip(cards, mapped.items, strict=True):
        assert item.estimate == float(card["customFieldItems"][0]["value"]["number"])
        assert (item.due is None) == (card.get("due") is None)
        if card.get("dueComplete"):
            assert item.state is ItemState.DONE
        assert item.updated >= item.created
