"""Exactly once under any sequence of runs and failures, and the publish log's migration."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.publish import PAUSE_AFTER_FAILURES, current_period
from clientsync.store import Store
from clientsync.store.schema import MIGRATIONS, migrate

from .workspace import Workspace, walk

BLOCKABLE = """
[[audiences]]
name = "sponsor"
cadence = "weekly"
weekday = "wed"
channel = { type = "file", path = "out/{period}.md" }
"""

RUNS = st.lists(st.tuples(st.integers(0, 4), st.booleans(), st.booleans()), min_size=1, max_size=14)
"""Each run: days to wait first, whether the channel is broken, whether to --resume."""


@settings(max_examples=12, deadline=None)
@given(runs=RUNS)
def test_each_period_is_sent_once_whatever_fails(runs: list[tuple[int, bool, bool]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = Workspace(root, BLOCKABLE)
        audience = ws.config.audience("sponsor")
        try:
            failures, sent_periods = 0, set()
            for wait, broken, resume in runs:
                ws.clock.advance(timedelta(days=wait))
                period = current_period(audience, ws.clock.now().date())
                assert period is not None
                # A directory where the report file goes breaks the send until removed.
                target = root / "out" / f"{period.key}.md"
                if broken and not target.exists():
                    target.mkdir(parents=True)
                elif not broken and target.is_dir():
                    target.rmdir()
                result = ws.publish(resume=["sponsor"] if resume else [])
                (outcome,) = result.outcomes
                if resume:
                    failures = 0
                # The model: paused at 5 failures; a period goes once, on a healthy run.
                if failures >= PAUSE_AFTER_FAILURES:
                    expected = "paused"
                elif period.key in sent_periods:
                    expected = "already-sent"
                elif broken:
                    failures += 1
                    expected = "paused" if failures >= PAUSE_AFTER_FAILURES else "failed"
                else:
                    failures = 0
                    sent_periods.add(period.key)
                    expected = "sent"
                assert outcome.status == expected, (runs, outcome)
            records = ws.store.publish_records("sponsor")
            published = [r.period for r in records if r.published]
            assert sorted(published) == sorted(sent_periods)  # once each, no more
            files = list(walk(root / "out")) if (root / "out").exists() else []
            assert sorted(p.stem for p in files) == sorted(sent_periods)
        finally:
            ws.close()


def test_a_version_1_store_keeps_its_publish_log(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, MIGRATIONS[:1])
    conn.execute(
        "INSERT INTO publish_log (idempotency_key, audience, channel, period, status, "
        "claimed_at, sent_at, remote_id) VALUES ('k', 'a', 'file', 'weekly-x', 'published', "
        "'2026-11-23T09:00:00.000000Z', '2026-11-23T09:00:01.000000Z', 'r')"
    )
    conn.close()
    with Store.open(path) as store:
        record = store.publish_record("k")
        assert record is not None and record.published and record.content_hash is None
        assert store.publish_state("a").failures == 0
        at = datetime(2026, 11, 24, tzinfo=UTC)
        for n in range(1, 3):
            state = store.record_publish_failure("a", f"boom {n}", at=at, pause_after=2)
        assert state.failures == 2 and state.paused and state.last_error == "boom 2"
        store.reset_publish_state("a")
        assert not store.publish_state("a").paused
