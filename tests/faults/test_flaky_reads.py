"""A tracker failing 30% of its calls, behind the retry policy, ends where a clean one ends."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from clientsync.domain.model import ItemState, Milestone, Project, WorkItem
from clientsync.retry import RetryPolicy
from clientsync.store import Store
from clientsync.sync import sync_source
from clientsync.testing import FakeTracker, FixedClock

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
PROJECT = Project(id="acme", name="Acme portal", tracker="fake")
STATES = list(ItemState)


def item(n: int, at: datetime, rng: random.Random) -> WorkItem:
    return WorkItem(
        id=f"id-{n}",
        key=f"AC-{n}",
        title=f"Item {n}",
        state=rng.choice(STATES),
        estimate=float(rng.randrange(1, 9)),
        milestones=(f"m{n % 3}",),
        created=at,
        updated=at,
    )


def mutate(trackers: tuple[FakeTracker, ...], rng: random.Random, at: datetime) -> None:
    """The same random edits, applied to every tracker."""
    live = sorted(i.id for i in trackers[0].items)
    for ident in rng.sample(live, k=min(len(live), 12)):
        current = next(i for i in trackers[0].items if i.id == ident)
        action = rng.random()
        for tracker in trackers:
            if action < 0.15:
                tracker.delete_item(ident)
            else:
                tracker.put_item(
                    current.model_copy(
                        update={
                            "state": STATES[int(action * 100) % len(STATES)],
                            "estimate": float(int(action * 10) + 1),
                            "updated": at,
                        }
                    )
                )
    for n in range(rng.randrange(1, 6)):
        fresh = item(1000 + at.day * 10 + n, at, random.Random(n))
        for tracker in trackers:
            tracker.put_item(fresh)
    moved = Milestone(
        id="m1", name="Beta", due=date(2026, 6, 1) + timedelta(days=rng.randrange(30))
    )
    for tracker in trackers:
        tracker.put_milestone(moved)


def test_flaky_reads_with_retries_end_with_the_clean_result(tmp_path: Path) -> None:
    rng = random.Random(30)
    items = [item(n, T0, rng) for n in range(120)]
    milestones = [
        Milestone(id=f"m{n}", name=f"Release {n}", due=date(2026, 6, 1)) for n in range(3)
    ]
    clean = FakeTracker(PROJECT, items, milestones, page_size=25)
    flaky = FakeTracker(PROJECT, items, milestones, page_size=25, fail_rate=0.3, seed=7)
    clock = FixedClock(T0)
    # Patient enough that a 30% failure rate per page never exhausts it; no real waiting.
    policy = RetryPolicy(
        max_attempts=60,
        max_total_seconds=1e9,
        sleep=clock.sleep,
        clock=clock.monotonic,
        utcnow=clock.now,
        rng=random.Random(1),
    )
    edits = random.Random(99)
    with (
        Store.open(tmp_path / "clean.db") as clean_store,
        Store.open(tmp_path / "flaky.db") as flaky_store,
    ):
        for round_ in range(6):
            now = T0 + timedelta(days=round_ + 1)
            if round_:
                mutate((clean, flaky), edits, now - timedelta(hours=1))
            full = round_ == 4  # one census in the middle, deletions reconciled by it
            expected = sync_source(clean_store, "src", clean, now=now, full=full)
            got = sync_source(flaky_store, "src", flaky, now=now, full=full, retry=policy)
            assert got == expected
            assert flaky_store.snapshot("src", taken_at=now) == clean_store.snapshot(
                "src", taken_at=now
            )
            assert flaky_store.history() == clean_store.history()
            assert flaky_store.cursor("src") == clean_store.cursor("src")
    assert clock.slept, "the flaky tracker never failed: the test proved nothing"
    assert flaky.calls > clean.calls
