"""The delivery log: claims, replays, abandoned claims, forgetting; the v3 migration."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from clientsync.store import Store
from clientsync.store.deliveries import Claim
from clientsync.store.schema import MIGRATIONS, migrate, user_version

from .support import NOW


def test_a_delivery_is_new_once_then_in_progress_then_done(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        log = store.deliveries
        assert log.claim("jira", "d1", now=NOW) is Claim.NEW
        assert log.status("jira", "d1") == "claimed"
        assert log.claim("jira", "d1", now=NOW) is Claim.IN_PROGRESS
        log.finish("jira", "d1", now=NOW, outcome="applied")
        assert log.claim("jira", "d1", now=NOW + timedelta(days=3)) is Claim.DONE
        # Another source may reuse the id: ids are per source.
        assert log.claim("trello", "d1", now=NOW) is Claim.NEW


def test_a_released_claim_lets_the_retry_through(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        log = store.deliveries
        assert log.claim("jira", "d1", now=NOW) is Claim.NEW
        log.release("jira", "d1")
        assert log.status("jira", "d1") is None
        assert log.claim("jira", "d1", now=NOW) is Claim.NEW


def test_an_abandoned_claim_is_retaken(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        log = store.deliveries
        log.claim("jira", "d1", now=NOW)
        later = NOW + timedelta(minutes=11)
        assert log.claim("jira", "d1", now=later) is Claim.NEW
        assert log.claim("jira", "d1", now=later) is Claim.IN_PROGRESS


def test_done_rows_past_the_window_are_forgotten(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        log = store.deliveries
        log.claim("jira", "old", now=NOW)
        log.finish("jira", "old", now=NOW, outcome="applied")
        log.claim("jira", "pending", now=NOW)
        later = NOW + timedelta(days=31)
        log.claim("jira", "new", now=later, forget_before=later - timedelta(days=30))
        assert log.status("jira", "old") is None
        assert log.status("jira", "pending") == "claimed"  # only done rows are forgotten
        assert log.count() == 2
        assert log.count("trello") == 0


def test_a_version_2_store_gains_the_deliveries_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, MIGRATIONS[:2])
    conn.close()
    with Store.open(path) as store:
        assert store.deliveries.claim("asana", "x", now=NOW) is Claim.NEW
    conn = sqlite3.connect(path)
    assert user_version(conn) == 3
    conn.close()
