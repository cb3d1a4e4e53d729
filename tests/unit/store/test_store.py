"""The SQLite store: opening, schema versions, and the round trips of what it keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from clientsync.domain.baseline import Baseline, BaselineMilestone
from clientsync.errors import StoreError
from clientsync.store import SCHEMA_VERSION, Store
from clientsync.store.schema import MIGRATIONS, migrate, user_version
from clientsync.sync import sync_source

from .readers import T0, ScriptedReader, at, census, item, milestone


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# -- opening and schema ------------------------------------------------------------------


def test_open_creates_the_directory_and_a_current_wal_store(store_path: Path) -> None:
    assert not store_path.parent.exists()
    with Store.open(store_path) as store:
        assert store.integrity_check() == "ok"
    conn = raw(store_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert user_version(conn) == SCHEMA_VERSION
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert {"sources", "items", "milestones", "item_history", "baselines", "reports"} <= tables
    assert "publish_log" in tables


def test_foreign_keys_are_enforced(store: Store, store_path: Path) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store._db.execute(
            "INSERT INTO items (source, id, key, updated, digest, payload) "
            "VALUES ('nowhere', 'i', 'k', 'u', 'd', '{}')"
        )


def test_data_survives_reopening(store_path: Path) -> None:
    with Store.open(store_path) as store:
        sync_source(store, "jira", ScriptedReader([census(item(1))]), now=at(1))
    with Store.open(store_path) as store:
        assert [i.key for i in store.snapshot("jira", taken_at=at(2)).items] == ["AC-1"]
        assert store.cursor("jira") == "c1"


def test_a_store_from_a_newer_clientsync_is_refused(store_path: Path) -> None:
    Store.open(store_path).close()
    raw(store_path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer clientsync") as caught:
        Store.open(store_path)
    assert "upgrade clientsync" in str(caught.value)
    assert str(store_path) in str(caught.value)


def test_a_file_that_is_not_a_database_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(StoreError, match="is not a clientsync store"):
        Store.open(path)


def test_a_closed_store_says_so(store: Store) -> None:
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.baselines()


def test_migrations_run_from_the_version_found_and_bump_user_version(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = raw(path)
    migrate(conn, path, MIGRATIONS[:1])  # a store as version 1 left it
    assert user_version(conn) == 1
    ran: list[int] = []

    def add_notes(c: sqlite3.Connection) -> None:
        ran.append(user_version(c))
        c.execute("CREATE TABLE notes (body TEXT)")

    found = migrate(conn, path, (*MIGRATIONS[:1], add_notes))
    assert found == 1
    assert ran == [1]  # only the new step ran
    assert user_version(conn) == 2
    conn.execute("INSERT INTO notes VALUES ('kept')")
    assert migrate(conn, path, (*MIGRATIONS[:1], add_notes)) == 2  # already current: no-op
    assert ran == [1]


def test_a_failing_migration_leaves_the_previous_version_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = raw(path)
    migrate(conn, path, MIGRATIONS[:1])

    def half_done(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE half (x)")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        migrate(conn, path, (*MIGRATIONS[:1], half_done))
    assert user_version(conn) == 1
    names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert "half" not in names


def test_a_held_write_lock_fails_a_write_with_store_error(store_path: Path) -> None:
    with Store.open(store_path, busy_timeout=0) as store:
        other = raw(store_path)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="another clientsync process holds the store"):
                store.claim_publish("k", "sponsor", "file", "2026-W10")
        finally:
            other.execute("ROLLBACK")
        assert store.claim_publish("k", "sponsor", "file", "2026-W10")


def test_negative_busy_timeout_is_refused(store_path: Path) -> None:
    with pytest.raises(ValueError, match="busy_timeout"):
        Store.open(store_path, busy_timeout=-1)


# -- snapshots ---------------------------------------------------------------------------


def test_a_source_never_synced_gives_an_empty_snapshot(store: Store) -> None:
    snap = store.snapshot("asana", taken_at=T0)
    assert snap.items == ()
    assert snap.milestones == ()
    assert snap.project.id == "asana"
    assert snap.taken_at == T0


def test_snapshot_round_trips_items_and_milestones_exactly(store: Store) -> None:
    rich = item(
        7,
        labels=("client", "backend"),
        milestones=("m1",),
        estimate=3.5,
        extra={"sprint": "S4", "points": [1, 2]},
        due=T0.date(),
        completed_at=at(3),
    )
    read = census(rich, item(2), milestones=(milestone(1), milestone(2)))
    sync_source(store, "jira", ScriptedReader([read]), now=at(4))
    snap = store.snapshot("jira", taken_at=at(5))
    assert sorted(snap.items, key=lambda i: i.id) == sorted(read.items, key=lambda i: i.id)
    assert snap.milestones == read.milestones
    assert snap.project == read.project


def test_snapshot_of_all_sources_merges_them(store: Store) -> None:
    sync_source(store, "jira", ScriptedReader([census(item(1))]), now=at(1))
    sync_source(store, "trello", ScriptedReader([census(item(2))]), now=at(1))
    snap = store.snapshot(taken_at=at(2))
    assert {i.key for i in snap.items} == {"AC-1", "AC-2"}
    assert store.sources() == ("jira", "trello")


def test_sources_whose_keys_collide_cannot_merge(store: Store) -> None:
    sync_source(store, "jira", ScriptedReader([census(item(1))]), now=at(1))
    sync_source(store, "trello", ScriptedReader([census(item(9, key="AC-1"))]), now=at(1))
    with pytest.raises(StoreError, match="do not merge"):
        store.snapshot(taken_at=at(2))


# -- baselines -----------------------------------------------------------------------------


def baseline(n: int, hours: float) -> Baseline:
    return Baseline(
        id=f"b{n}",
        name=f"Baseline {n}",
        captured_at=at(hours),
        agreed_by="Dana (client)",
        scope={"AC-1": 3.0, "AC-2": None},
        milestones={"m1": BaselineMilestone(name="Beta", due=T0.date())},
    )


def test_baselines_are_versioned_and_the_latest_is_the_default(store: Store) -> None:
    assert store.baseline() is None
    store.add_baseline(baseline(1, 1))
    store.add_baseline(baseline(3, 30))
    store.add_baseline(baseline(2, 20))
    assert [b.id for b in store.baselines()] == ["b1", "b2", "b3"]
    assert store.baseline() == baseline(3, 30)
    assert store.baseline("b2") == baseline(2, 20)
    assert store.baseline("b9") is None


def test_a_baseline_is_never_overwritten(store: Store) -> None:
    store.add_baseline(baseline(1, 1))
    with pytest.raises(StoreError, match="never edited in place"):
        store.add_baseline(baseline(1, 5))
    assert store.baseline("b1") == baseline(1, 1)
    with pytest.raises(sqlite3.IntegrityError, match="never edited in place"):
        store._db.execute("UPDATE baselines SET payload = '{}'")


# -- reports ---------------------------------------------------------------------------------


def test_previous_report_is_the_audiences_latest_strictly_before(store: Store) -> None:
    store.save_report(at(0), "sponsor", '{"n": 0}')
    store.save_report(at(24), "sponsor", '{"n": 1}')
    store.save_report(at(30), "team", '{"team": 1}')
    assert store.previous_report("sponsor", before=at(0)) is None
    assert store.previous_report("sponsor", before=at(24)) == '{"n": 0}'
    assert store.previous_report("sponsor", before=at(48)) == '{"n": 1}'
    assert store.previous_report("team", before=at(48)) == '{"team": 1}'
    assert store.previous_report("nobody", before=at(48)) is None


def test_saving_a_report_for_the_same_moment_replaces_it(store: Store) -> None:
    store.save_report(at(1), "sponsor", '{"draft": true}')
    store.save_report(at(1), "sponsor", '{"draft": false}')
    assert store.previous_report("sponsor", before=at(2)) == '{"draft": false}'


# -- publish log -----------------------------------------------------------------------------


def test_a_publish_is_claimed_once_then_marked(store: Store) -> None:
    assert store.claim_publish("sponsor/2026-W10", "sponsor", "smtp", "2026-W10", at=at(1))
    assert not store.claim_publish("sponsor/2026-W10", "sponsor", "smtp", "2026-W10")
    assert not store.published("sponsor/2026-W10")
    record = store.publish_record("sponsor/2026-W10")
    assert record is not None
    assert (record.status, record.claimed_at, record.sent_at) == ("claimed", at(1), None)

    store.mark_published("sponsor/2026-W10", "msg-17", at=at(2))
    assert store.published("sponsor/2026-W10")
    record = store.publish_record("sponsor/2026-W10")
    assert record is not None
    assert (record.audience, record.channel, record.period) == ("sponsor", "smtp", "2026-W10")
    assert (record.remote_id, record.sent_at, record.published) == ("msg-17", at(2), True)


def test_marking_an_unclaimed_publish_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError, match="claim it first"):
        store.mark_published("never-claimed", "x")
    assert store.publish_record("never-claimed") is None
    assert not store.published("never-claimed")
