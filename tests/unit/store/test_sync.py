"""The sync engine against real store files: first sync, cursor, history, de-dup, overlap."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from clientsync.domain.model import ItemChange, ItemState
from clientsync.store import Store
from clientsync.sync import TRACKED_FIELDS, SyncSummary, sync_source

from .readers import ScriptedReader, at, census, changes, delta, item, keys, milestone

# -- the first sync and the cursor ---------------------------------------------------------


def test_first_sync_inserts_everything_and_records_creation(store: Store) -> None:
    reader = ScriptedReader([census(item(1, created=at(-5)), item(2), cursor="v7")])
    summary = sync_source(store, "src", reader, now=at(1))
    assert summary == SyncSummary(
        source="src",
        full=True,
        read=2,
        inserted=2,
        updated=0,
        unchanged=0,
        deleted=0,
        rejected=(),
        changes=2,
        cursor="v7",
    )
    assert reader.calls == [(None, False)]
    assert store.cursor("src") == "v7"
    created = {c.key: c for c in store.history() if c.field == "created"}
    assert created["AC-1"].at == at(-5)  # dated from the item's creation
    assert created["AC-1"].before is None
    assert created["AC-1"].after["title"] == "Item 1"
    assert set(created["AC-1"].after) == set(TRACKED_FIELDS)


def test_the_next_sync_reads_from_the_stored_cursor(store: Store) -> None:
    reader = ScriptedReader([census(item(1), cursor="v1"), delta(cursor="v2")])
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(2))
    assert reader.calls == [(None, False), ("v1", False)]
    assert (summary.full, summary.cursor) == (False, "v2")
    assert store.cursor("src") == "v2"


def test_full_ignores_the_cursor(store: Store) -> None:
    reader = ScriptedReader([census(item(1), cursor="v1")])
    sync_source(store, "src", reader, now=at(1))
    sync_source(store, "src", reader, now=at(2), full=True)
    assert reader.calls[-1] == (None, True)


def test_cursors_are_per_source(store: Store) -> None:
    sync_source(store, "a", ScriptedReader([census(item(1), cursor="a1")]), now=at(1))
    sync_source(store, "b", ScriptedReader([census(item(2), cursor="b1")]), now=at(1))
    assert (store.cursor("a"), store.cursor("b"), store.cursor("c")) == ("a1", "b1", None)


def test_an_unchanged_item_records_nothing(store: Store) -> None:
    reader = ScriptedReader([census(item(1)), census(item(1), cursor="c2")])
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(2))
    assert (summary.unchanged, summary.updated, summary.changes) == (1, 0, 0)
    assert len(store.history()) == 1


def test_naive_now_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="aware"):
        sync_source(store, "src", ScriptedReader([census()]), now=datetime(2026, 1, 1))


# -- history ---------------------------------------------------------------------------------


def test_each_tracked_field_change_is_recorded_at_the_items_update(store: Store) -> None:
    before = item(1, status="Open", estimate=3.0, milestones=("m1",))
    after = item(
        1,
        updated=at(5),
        status="Done",
        state=ItemState.DONE,
        due=date(2026, 4, 1),
        milestones=("m2",),
        estimate=5.0,
        blocked=True,
        title="Item one, renamed",
        completed_at=at(5),
        assignee="someone@example.com",  # kept, but not history
    )
    reader = ScriptedReader([census(before), delta(after)])
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(6))
    assert (summary.updated, summary.changes) == (1, len(TRACKED_FIELDS))
    recorded = {c.field: c for c in store.history() if c.field != "created"}
    assert set(recorded) == set(TRACKED_FIELDS)
    assert all(c.at == at(5) and c.key == "AC-1" for c in recorded.values())
    assert (recorded["status"].before, recorded["status"].after) == ("Open", "Done")
    assert (recorded["state"].before, recorded["state"].after) == ("todo", "done")
    assert (recorded["due"].before, recorded["due"].after) == (None, "2026-04-01")
    assert (recorded["milestones"].before, recorded["milestones"].after) == (["m1"], ["m2"])
    assert (recorded["estimate"].before, recorded["estimate"].after) == (3.0, 5.0)
    assert store.snapshot("src", taken_at=at(7)).items[0].assignee == "someone@example.com"


def test_a_key_change_is_recorded(store: Store) -> None:
    reader = ScriptedReader([census(item(1)), delta(item(1, key="NEW-1", updated=at(2)))])
    sync_source(store, "src", reader, now=at(1))
    sync_source(store, "src", reader, now=at(3))
    assert ("NEW-1", "key", "AC-1", "NEW-1") in changes(store)
    assert keys(store) == ["NEW-1"]


def test_history_since_is_inclusive_and_in_time_order(store: Store) -> None:
    reader = ScriptedReader(
        [
            census(item(1, created=at(-2)), item(2, created=at(-1))),
            delta(item(1, updated=at(4), title="x"), item(2, updated=at(3), title="y")),
        ]
    )
    sync_source(store, "src", reader, now=at(1))
    sync_source(store, "src", reader, now=at(5))
    assert [c.at for c in store.history()] == [at(-2), at(-1), at(3), at(4)]
    assert [(c.key, c.at) for c in store.history(since=at(3))] == [("AC-2", at(3)), ("AC-1", at(4))]
    assert store.history(source="other") == ()


def test_tracker_changes_are_kept_once_and_silence_the_diff_for_that_field(store: Store) -> None:
    told = ItemChange(
        key="AC-1",
        field="due",
        before=date(2026, 4, 1),
        after=date(2026, 5, 1),
        at=at(2),
        reason="client asked for SSO first",
    )
    moved = item(1, due=date(2026, 5, 1), title="Renamed", updated=at(3))
    reader = ScriptedReader(
        [
            census(item(1, due=date(2026, 4, 1))),
            delta(moved, changes=(told, told), cursor="c2"),
            delta(moved, changes=(told,), cursor="c3"),  # an overlapping read repeats it
        ]
    )
    sync_source(store, "src", reader, now=at(1))
    first = sync_source(store, "src", reader, now=at(4))
    again = sync_source(store, "src", reader, now=at(5))
    dues = [c for c in store.history() if c.field == "due"]
    assert dues == [told.model_copy(update={"before": "2026-04-01", "after": "2026-05-01"})]
    assert ("AC-1", "title", "Item 1", "Renamed") in changes(store)
    assert (first.changes, again.changes) == (2, 0)


# -- de-duplication and overlap --------------------------------------------------------------


def test_duplicates_in_one_read_keep_the_latest_update(store: Store) -> None:
    newest = item(1, title="newest", updated=at(3))
    read = census(item(1, title="old", updated=at(1)), newest, item(1, title="mid", updated=at(2)))
    summary = sync_source(store, "src", ScriptedReader([read]), now=at(4))
    assert (summary.read, summary.inserted) == (3, 1)
    assert store.snapshot("src", taken_at=at(5)).items == (newest,)


def test_an_older_version_from_an_overlapping_window_is_skipped(store: Store) -> None:
    current = item(1, title="current", updated=at(5))
    reader = ScriptedReader([census(current), delta(item(1, title="stale", updated=at(4)))])
    sync_source(store, "src", reader, now=at(6))
    summary = sync_source(store, "src", reader, now=at(7))
    assert (summary.unchanged, summary.updated, summary.changes) == (1, 0, 0)
    assert store.snapshot("src", taken_at=at(8)).items == (current,)
    assert store.cursor("src") == "c2"  # the cursor still moves


# -- milestones ------------------------------------------------------------------------------


def test_a_milestone_date_change_is_recorded_under_its_id(store: Store) -> None:
    reader = ScriptedReader(
        [
            census(milestones=(milestone(1), milestone(2))),
            delta(milestones=(milestone(1, due=date(2026, 7, 1)), milestone(2, name="Renamed"))),
        ]
    )
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(2))
    assert summary.changes == 1
    assert store.history() == (
        ItemChange(key="m1", field="due", before="2026-06-01", after="2026-07-01", at=at(2)),
    )
    snap = store.snapshot("src", taken_at=at(3))
    assert [m.name for m in snap.milestones] == ["Release 1", "Renamed"]


def test_a_census_listing_milestones_drops_the_missing_ones(store: Store) -> None:
    reader = ScriptedReader(
        [
            census(item(1), milestones=(milestone(1), milestone(2))),
            census(item(1), milestones=(milestone(2),), cursor="c2"),
            census(item(1), cursor="c3"),  # lists none: says nothing about milestones
        ]
    )
    sync_source(store, "src", reader, now=at(1))
    sync_source(store, "src", reader, now=at(2))
    assert [m.id for m in store.snapshot("src", taken_at=at(3)).milestones] == ["m2"]
    sync_source(store, "src", reader, now=at(3))
    assert [m.id for m in store.snapshot("src", taken_at=at(4)).milestones] == ["m2"]
