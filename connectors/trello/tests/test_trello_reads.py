"""Live reads through py-trello against the fake: request counts, paging, incremental."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clientsync_trello import TrelloConnector
from clientsync_trello.testing import FakeTrello, populate_board
from trello_support import KEY, TOKEN, ConnectorFor

from clientsync.domain.model import ItemState
from clientsync.errors import ConfigError, FatalTrackerError

DUE = datetime(2024, 4, 1, 17, 0, tzinfo=UTC)


def plain_cards(fake: FakeTrello) -> list[str]:
    milestones = {c["id"] for c in fake.cards.values() if c["idLabels"] and "M" in c["name"][:1]}
    return [ident for ident in fake.cards if ident not in milestones]


def test_full_read_is_two_requests_below_a_page(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 500)
    result = connector_for(fake).read(full=True)
    assert len(result.items) == 503
    assert result.census
    assert fake.count() == 2  # one /batch (board, lists, labels, fields, actions) + cards
    assert len(result.milestones) == 3


def test_full_read_of_1000_cards_stays_within_six_requests(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 1000)
    result = connector_for(fake).read(full=True)
    assert len({item.id for item in result.items}) == 1003
    assert fake.count() <= 6
    assert fake.count() == 3  # batch + 1000 cards + the 3 left


def test_paging_by_before_delivers_each_card_once(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 35, milestones=0)
    result = connector_for(fake, page_size=10).read(full=True)
    assert len(result.items) == len({item.id for item in result.items}) == 35
    befores = [r.query.get("before") for r in fake.requests if r.path.endswith("/cards")]
    assert befores[0] is None
    assert len(befores) == 4


def test_too_many_cards_halves_the_page_automatically(connector_for: ConnectorFor) -> None:
    with FakeTrello(api_key=KEY, token=TOKEN, max_cards_per_response=300) as fake:
        populate_board(fake, 700, milestones=0)
        result = connector_for(fake).read(full=True)
        assert len({item.id for item in result.items}) == 700
        statuses = [r.query.get("limit") for r in fake.requests if r.path.endswith("/cards")]
        assert statuses[:3] == [["1000"], ["500"], ["250"]]


def test_too_many_checklists_halves_the_page_too(connector_for: ConnectorFor) -> None:
    with FakeTrello(api_key=KEY, token=TOKEN, max_checklists_per_response=30) as fake:
        populate_board(fake, 300, milestones=0)  # a checklist on every fifth card
        result = connector_for(fake).read(full=True)
        assert len(result.items) == 300


def test_incremental_after_20_changes_in_at_most_5_requests(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 1000)
    reader = connector_for(fake)
    first = reader.read(full=True)
    changed = plain_cards(fake)[:20]
    for ident in changed:
        fake.update_card(ident, name=f"Changed {ident}")
    before = fake.count()
    second = reader.read(cursor=first.cursor)
    assert fake.count() - before <= 5
    assert not second.census
    assert {item.id for item in second.items} == set(changed)
    assert all(item.title.startswith("Changed") for item in second.items)
    assert second.milestone_census
    assert len(second.milestones) == 3
    batches = [r for r in fake.requests[before:] if r.path == "/1/batch"]
    assert all(len(r.query["urls"][0].split(",")) <= 10 for r in batches)


def test_nothing_changed_is_one_request(fake: FakeTrello, connector_for: ConnectorFor) -> None:
    populate_board(fake, 10)
    reader = connector_for(fake)
    first = reader.read()
    before = fake.count()
    second = reader.read(cursor=first.cursor)
    assert fake.count() - before == 1
    assert second.items == ()
    assert second.cursor == first.cursor
    assert second.project == first.project  # the store keeps the board's name


def test_actions_beyond_the_1000_cap_are_paged(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 1300, milestones=0)
    reader = connector_for(fake)
    first = reader.read(full=True)
    for ident in list(fake.cards):
        fake.update_card(ident, name="Again")  # 1,300 actions since the cursor
    second = reader.read(cursor=first.cursor)
    assert len(second.items) == 1300
    assert {item.title for item in second.items} == {"Again"}
    action_pages = [r for r in fake.requests if r.path.endswith("/actions")]
    assert len(action_pages) == 2
    assert action_pages[1].query["since"] == action_pages[0].query["since"]
    assert "before" in action_pages[1].query


def test_deletions_and_archives_come_from_actions(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 10, milestones=0)
    reader = connector_for(fake)
    first = reader.read()
    gone, archived, done = list(fake.cards)[:3]
    fake.delete_card(gone)
    fake.update_card(archived, closed=True, list="Backlog")
    fake.update_card(done, dueComplete=True, due=DUE + timedelta(days=3))
    second = reader.read(cursor=first.cursor)
    assert second.deleted == (gone,)
    states = {item.id: item.state for item in second.items}
    assert states == {archived: ItemState.CANCELLED, done: ItemState.DONE}
    fields = {(c.field, c.after) for c in second.changes}
    assert ("archived", True) in fields
    assert ("due", "2024-04-04") in fields
    assert ("due_complete", True) in fields
    done_item = next(i for i in second.items if i.id == done)
    assert done_item.completed_at is not None
    full = reader.read(full=True)
    assert gone not in {item.id for item in full.items}
    assert archived in {item.id for item in full.items}  # the census keeps archived cards


def test_renamed_list_turns_the_read_into_a_census(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 20, milestones=0)
    reader = connector_for(fake)
    first = reader.read()
    fake.rename_list(fake.list_id("Doing"), "Shipped")
    second = reader.read(cursor=first.cursor)
    assert second.census
    moved = [i for i in second.items if i.status == "Shipped"]
    assert moved
    assert all(i.state is ItemState.DONE for i in moved)


def test_moving_a_milestone_rereads_everything(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    populate_board(fake, 20)
    reader = connector_for(fake)
    first = reader.read()
    milestone = next(c["id"] for c in fake.cards.values() if c["name"].startswith("M1"))
    fake.update_card(milestone, due=DUE + timedelta(days=200))
    second = reader.read(cursor=first.cursor)
    assert second.census


def test_credentials_never_travel_in_a_url(fake: FakeTrello, connector_for: ConnectorFor) -> None:
    populate_board(fake, 5)
    connector_for(fake).read()
    assert fake.requests
    for request in fake.requests:
        assert "token" not in request.query
        assert "key" not in request.query
        assert TOKEN not in str(request.query)


def test_unknown_board_is_fatal_and_names_it(fake: FakeTrello, connector_for: ConnectorFor) -> None:
    reader = connector_for(fake)
    reader.board_id = "nope1234"
    with pytest.raises(FatalTrackerError, match="nope1234"):
        reader.read()


def test_from_options_reads_credentials_from_the_environment(tmp_path: Path) -> None:
    env = {"TRELLO_API_KEY": KEY, "TRELLO_TOKEN": TOKEN}
    reader = TrelloConnector.from_options(
        {"board_id": "Xq7bR2Lm", "timezone": "Europe/Berlin"}, env=env, base_dir=tmp_path
    )
    assert reader.mapping.timezone == "Europe/Berlin"
    assert TOKEN not in repr(reader)
    assert KEY not in repr(vars(reader))
    with pytest.raises(ConfigError, match="TRELLO_TOKEN"):
        TrelloConnector.from_options(
            {"board_id": "x"}, env={"TRELLO_API_KEY": KEY}, base_dir=tmp_path
        )
    with pytest.raises(ConfigError, match="MY_TOKEN"):
        TrelloConnector.from_options(
            {"board_id": "x", "token_env": "MY_TOKEN"},
            env={"TRELLO_API_KEY": KEY},
            base_dir=tmp_path,
        )
    with pytest.raises(ConfigError, match="colour"):
        TrelloConnector.from_options({"board_id": "x", "colour": 1}, env=env, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="archived_as"):
        TrelloConnector.from_options(
            {"board_id": "x", "archived_as": "gone"}, env=env, base_dir=tmp_path
        )


def test_post_update_comments_once_per_key(fake: FakeTrello, connector_for: ConnectorFor) -> None:
    target = fake.add_card("Client updates", "Backlog")
    writer = connector_for(fake)
    first = writer.post_update("Client updates", "On track.", idempotency_key="week-12")
    again = connector_for(fake).post_update("#1", "On track.", idempotency_key="week-12")
    assert first == again
    (comment,) = fake.comments(target)
    assert comment["data"]["text"].startswith("On track.")
    assert "[clientsync:week-12]" in comment["data"]["text"]
    with pytest.raises(FatalTrackerError, match="no open card"):
        writer.post_update("Nowhere", "x", idempotency_key="k")
