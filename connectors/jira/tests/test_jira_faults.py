"""A 5,000-issue FakeJira failing 20% of requests syncs to exactly the fault-free store."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from clientsync_jira.testing import FakeJira

from clientsync.retry import RetryPolicy
from clientsync.store import Store
from clientsync.sync import sync_source
from clientsync.testing import ConnectionReset, RateLimited, ServerError, Slow, Truncated

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)
FAULTS = (
    RateLimited(retry_after=2),
    ServerError(503),
    ServerError(500),
    ConnectionReset(),
    Slow(seconds=3),
    Truncated(),
)


def evolve(server: FakeJira) -> None:
    """The same edits on every fake: 100 changes, 5 deletions, 3 new issues."""
    rng = random.Random(11)
    ids = sorted(server.data.issues)
    server.data.tick(86_400_000)
    for ident in rng.sample(ids, 100):
        server.update_item(str(ident), title=f"Edited {ident}", status="Done")
    for ident in rng.sample(ids, 5):
        if ident in server.data.issues:
            server.delete_item(str(ident))
    for n in range(3):
        server.data.add_issue(None, f"New {n}", "CS")


def run(tmp: Path, server: FakeJira, retry: RetryPolicy, jira_connect: Any) -> Store:
    store = Store.open(tmp / "state.db")
    # census_every=1: the incremental sync also proves the 5 deletions.
    options = {"timeout_seconds": 1.0, "census_every": 1}
    connector = jira_connect(server, "CS", retry, **options)
    sync_source(store, "jira", connector, now=NOW, full=True, retry=retry)
    evolve(server)
    connector = jira_connect(server, "CS", retry, **options)
    sync_source(store, "jira", connector, now=NOW + timedelta(hours=1), retry=retry)
    return store


def state(store: Store) -> tuple[Any, ...]:
    snap = store.snapshot("jira", taken_at=NOW)
    history = sorted(store.history(source="jira"), key=lambda c: (c.key, c.field, c.at, str(c)))
    return (
        # Each fake listens on its own port, which the issue URLs carry.
        sorted((i.model_dump(exclude={"url"}) for i in snap.items), key=lambda i: i["id"]),
        sorted(snap.milestones, key=lambda m: m.id),
        history,
    )


def test_twenty_percent_faults_end_with_the_fault_free_store(
    tmp_path: Path, jira_connect: Any, sleeps: list[float]
) -> None:
    patient = RetryPolicy(max_attempts=40, max_total_seconds=1e9, sleep=sleeps)
    with FakeJira() as clean:
        clean.data.generate("CS", 5000, seed=9)
        expected = state(run(tmp_path / "clean", clean, patient, jira_connect))
    with FakeJira(fault_rate=0.2, rate_faults=FAULTS, seed=5) as flaky:
        flaky.data.generate("CS", 5000, seed=9)
        got = state(run(tmp_path / "flaky", flaky, patient, jira_connect))
        faults = [r.fault for r in flaky.requests if r.fault is not None]
    assert len(expected[0]) == 4998
    assert got == expected
    assert len(faults) >= 10 and {type(f) for f in faults} == {type(f) for f in FAULTS}
    assert 2.0 in sleeps, "Retry-After was honoured"
