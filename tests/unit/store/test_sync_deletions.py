"""The sync engine's deletions, lost-access refusal, rejected items and failure safety."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from clientsync.errors import StoreError, SyncError, TransientTrackerError
from clientsync.ports import RejectedItem
from clientsync.store import Store, SyncWriter
from clientsync.sync import sync_source

from .readers import (
    ScriptedReader,
    VersionedTracker,
    at,
    census,
    delta,
    item,
    keys,
    milestone,
    state_of,
)

# -- deletions -------------------------------------------------------------------------------


def test_a_census_deletes_what_it_no_longer_lists(store: Store) -> None:
    reader = ScriptedReader([census(item(1), item(2)), census(item(1), cursor="c2")])
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(2))
    assert summary.deleted == 1
    assert keys(store) == ["AC-1"]
    deleted = [c for c in store.history() if c.field == "deleted"]
    assert [(c.key, c.at, c.after) for c in deleted] == [("AC-2", at(2), None)]
    assert deleted[0].before["title"] == "Item 2"


def test_a_deleted_item_that_returns_is_created_again(store: Store) -> None:
    back = item(2, updated=at(3))
    reader = ScriptedReader(
        [census(item(1), item(2)), census(item(1), cursor="c2"), delta(back, cursor="c3")]
    )
    for hour in (1, 2, 4):
        sync_source(store, "src", reader, now=at(hour))
    assert keys(store) == ["AC-1", "AC-2"]
    assert [(c.key, c.at) for c in store.history() if c.field == "created"][-1] == ("AC-2", at(3))


def test_deleted_ids_of_an_incremental_read_are_applied(store: Store) -> None:
    reader = ScriptedReader(
        [census(item(1), item(2), item(3)), delta(deleted=("id-2", "id-404", "id-2"))]
    )
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(2))
    assert summary.deleted == 1
    assert keys(store) == ["AC-1", "AC-3"]
    again = sync_source(store, "src", ScriptedReader([delta(deleted=("id-2",))]), now=at(3))
    assert (again.deleted, again.changes) == (0, 0)


def test_census_ids_on_an_incremental_read_reconcile_deletions(store: Store) -> None:
    reader = ScriptedReader(
        [
            census(item(1), item(2), item(3)),
            delta(item(1, title="x", updated=at(1)), census_ids=frozenset({"id-1", "id-3"})),
        ]
    )
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(2))
    assert (summary.updated, summary.deleted) == (1, 1)
    assert keys(store) == ["AC-1", "AC-3"]


# -- lost access -----------------------------------------------------------------------------


def test_an_empty_census_over_live_items_is_refused_and_changes_nothing(store: Store) -> None:
    reader = ScriptedReader([census(item(1), item(2), milestones=(milestone(1),)), census()])
    sync_source(store, "src", reader, now=at(1))
    before = state_of(store)
    with pytest.raises(SyncError) as caught:
        sync_source(store, "src", reader, now=at(2))
    assert str(caught.value) == (
        "src: the tracker returned no items while the store holds 2: this looks like lost "
        "access (permissions, wrong project), not deletion; nothing was changed. Run with "
        "--allow-empty if the project really is empty."
    )
    assert state_of(store) == before


def test_an_empty_census_ids_list_is_refused_too(store: Store) -> None:
    reader = ScriptedReader([census(item(1)), delta(census_ids=frozenset())])
    sync_source(store, "src", reader, now=at(1))
    with pytest.raises(SyncError, match="holds 1: this looks like lost access"):
        sync_source(store, "src", reader, now=at(2))


def test_allow_empty_deletes_everything(store: Store) -> None:
    reader = ScriptedReader([census(item(1), item(2)), census(cursor="c2")])
    sync_source(store, "src", reader, now=at(1))
    summary = sync_source(store, "src", reader, now=at(2), allow_empty=True)
    assert summary.deleted == 2
    assert keys(store) == []
    assert store.cursor("src") == "c2"


def test_an_empty_census_of_an_empty_store_is_fine(store: Store) -> None:
    summary = sync_source(store, "src", ScriptedReader([census(cursor="c0")]), now=at(1))
    assert (summary.read, summary.deleted, summary.cursor) == (0, 0, "c0")


# -- rejected items --------------------------------------------------------------------------


def test_rejected_items_are_counted_logged_and_not_deleted(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    bad = RejectedItem(source="export.json", key="AC-2", field="due", reason="not a date")
    reader = ScriptedReader([census(item(1), item(2)), census(item(1), rejected=(bad,))])
    sync_source(store, "src", reader, now=at(1))
    with caplog.at_level(logging.WARNING, logger="clientsync.sync"):
        summary = sync_source(store, "src", reader, now=at(2))
    assert summary.rejected == (bad,)
    assert summary.deleted == 0
    assert keys(store) == ["AC-1", "AC-2"]  # malformed now is not deleted
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["src: skipped AC-2: field 'due': not a date"]


def test_a_census_of_only_rejected_items_is_still_refused(store: Store) -> None:
    bad = RejectedItem(source="src", key="AC-1", field="created", reason="missing")
    reader = ScriptedReader([census(item(1)), census(rejected=(bad,))])
    sync_source(store, "src", reader, now=at(1))
    with pytest.raises(SyncError, match=r"no items \(1 rejected as malformed\)"):
        sync_source(store, "src", reader, now=at(2))


# -- failures leave the previous state ------------------------------------------------------


def test_a_failed_read_without_retry_is_tried_once_and_changes_nothing(store: Store) -> None:
    reader = ScriptedReader([census(item(1)), TransientTrackerError("503")])
    sync_source(store, "src", reader, now=at(1))
    before = state_of(store)
    with pytest.raises(TransientTrackerError):
        sync_source(store, "src", reader, now=at(2))
    assert len(reader.calls) == 2
    assert state_of(store) == before


def test_a_crash_before_the_cursor_moves_rolls_everything_back(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = VersionedTracker([item(n) for n in range(1, 6)], [milestone(1)])
    sync_source(store, "src", tracker, now=at(1))
    before = state_of(store)
    tracker.update("id-1", when=at(2), title="changed")
    tracker.delete("id-2")
    tracker.put(item(9))

    def crash(self: SyncWriter, cursor: str | None, *, census: bool) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(SyncWriter, "finish", crash)
    with pytest.raises(OSError, match="disk gone"):
        sync_source(store, "src", tracker, now=at(3))
    assert state_of(store) == before
    monkeypatch.undo()
    summary = sync_source(store, "src", tracker, now=at(3))
    assert (summary.inserted, summary.updated, summary.deleted) == (1, 1, 1)


def test_another_sync_holding_the_store_fails_this_one_clearly(store_path: Path) -> None:
    with Store.open(store_path, busy_timeout=0) as store:
        other = sqlite3.connect(store_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(SyncError, match="src: another sync holds the store"):
                sync_source(store, "src", ScriptedReader([census(item(1))]), now=at(1))
        finally:
            other.execute("ROLLBACK")
        assert store.cursor("src") is None


def test_a_store_write_failure_is_a_store_error(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: SyncWriter, rows: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(SyncWriter, "upsert_items", broken)
    with pytest.raises(StoreError, match=r"src: writing to the store .* failed: disk I/O error"):
        sync_source(store, "src", ScriptedReader([census(item(1))]), now=at(1))
    assert store.sources() == ()
