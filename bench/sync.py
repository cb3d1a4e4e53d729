"""Sync benchmark: 50,000 generated items, a full sync, then an incremental one.

Run by hand (not a test)::

    python bench/sync.py [--items 50000] [--changed 0.01] [--store PATH]

Prints the full sync time, the incremental sync time with 1% of items changed, their
ratio, and peak memory (tracemalloc peak of a full sync, and the process's max RSS).
Targets: full < 10 s, incremental < 5% of full, memory < 1 GiB.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from clientsync.domain.model import ItemState, Milestone, Project, WorkItem
from clientsync.ports import ReadResult
from clientsync.store import Store
from clientsync.sync import sync_source

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PROJECT = Project(id="BENCH", name="Benchmark project", tracker="bench")
STATES = (ItemState.TODO, ItemState.IN_PROGRESS, ItemState.DONE)


class GeneratedTracker:
    """A deterministic in-memory tracker: the cursor is a version counter."""

    def __init__(self, count: int, *, seed: int = 7, milestones: int = 20) -> None:
        self.rng = random.Random(seed)
        self.version = 0
        self.milestones = tuple(
            Milestone(id=f"m{n}", name=f"Release {n}", due=date(2026, 3, 1) + timedelta(weeks=n))
            for n in range(milestones)
        )
        self.items: dict[str, tuple[int, WorkItem]] = {}
        for n in range(count):
            self._put(self._make(n, T0))

    def _make(self, n: int, at: datetime) -> WorkItem:
        rng = self.rng
        return WorkItem(
            id=f"id-{n}",
            key=f"BENCH-{n}",
            title=f"Work item number {n} with a realistic title length",
            url=f"https://tracker.example/browse/BENCH-{n}",
            status="Open",
            state=STATES[rng.randrange(len(STATES))],
            milestones=(f"m{rng.randrange(len(self.milestones))}",),
            due=date(2026, 3, 1) + timedelta(days=rng.randrange(200)),
            created=at - timedelta(days=30),
            updated=at,
            estimate=float(rng.randrange(1, 13)),
            labels=("backend", "client") if n % 3 else ("frontend",),
            assignee=f"dev{n % 17}@example.com",
            extra={"sprint": f"S{n % 12}", "component": "core"},
        )

    def _put(self, item: WorkItem) -> None:
        self.version += 1
        self.items[item.id] = (self.version, item)

    def change(self, fraction: float, at: datetime) -> int:
        """Change `fraction` of the items (status, estimate, updated); return how many."""
        ids = sorted(self.items)
        chosen = self.rng.sample(ids, max(1, int(len(ids) * fraction)))
        for ident in chosen:
            item = self.items[ident][1]
            self._put(
                item.model_copy(
                    update={
                        "status": "In progress",
                        "state": ItemState.IN_PROGRESS,
                        "estimate": (item.estimate or 0) + 1,
                        "updated": at,
                    }
                )
            )
        return len(chosen)

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        since = None if full or cursor is None else int(cursor)
        items = tuple(
            item for version, item in self.items.values() if since is None or version > since
        )
        return ReadResult(
            project=PROJECT,
            items=items,
            milestones=self.milestones,
            cursor=str(self.version),
            census=since is None,
        )


def timed_sync(store: Store, tracker: GeneratedTracker, now: datetime) -> tuple[float, str]:
    started = time.perf_counter()
    summary = sync_source(store, "bench", tracker, now=now)
    elapsed = time.perf_counter() - started
    described = (
        f"read {summary.read}, inserted {summary.inserted}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, changes {summary.changes}"
    )
    return elapsed, described


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--store", type=Path, help="directory for the store (default: a temp dir)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.store) as scratch:
        started = time.perf_counter()
        tracker = GeneratedTracker(args.items)
        print(f"generated {args.items:,} items in {time.perf_counter() - started:.2f} s")

        with Store.open(Path(scratch) / "timed.db") as store:
            full, what = timed_sync(store, tracker, T0 + timedelta(hours=1))
            print(f"full sync:        {full:7.3f} s  ({what})")
            changed = tracker.change(args.changed, T0 + timedelta(days=1))
            incremental, what = timed_sync(store, tracker, T0 + timedelta(days=1, hours=1))
            print(f"incremental sync: {incremental:7.3f} s  ({what}; {changed:,} changed)")
        ratio = incremental / full
        print(f"incremental / full: {ratio:.2%}")

        # Memory on its own pass: tracemalloc slows allocation, so it would skew the timings.
        tracemalloc.start()
        with Store.open(Path(scratch) / "traced.db") as store:
            sync_source(store, "bench", tracker, now=T0 + timedelta(days=2), full=True)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # ru_maxrss is KiB on Linux, bytes on macOS.
        scale = 1 if sys.platform == "darwin" else 1024
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
        print(f"peak traced memory of a full sync: {peak / 2**20:7.1f} MiB")
        print(f"max RSS of this process:           {maxrss / 2**20:7.1f} MiB")

    verdicts = {
        "full < 10 s": full < 10,
        "incremental < 5% of full": ratio < 0.05,
        "memory < 1 GiB": maxrss < 2**30,
    }
    for target, met in verdicts.items():
        print(f"{'met' if met else 'MISSED'}: {target}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
