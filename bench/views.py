"""Benchmark: build_report on a 100,000-item, 50-milestone snapshot (run by hand).

    python bench/views.py [--items N] [--milestones M] [--trials T]

The synthetic project is a mature one: 70% of items done (completions spread over the last
120 days), 5% in progress (updated within 20 days), 25% to do; 3% blocked, 30% with due
dates, 2% internal, 1% client requests; the baseline it is measured against was agreed a
month earlier, so drift, change notices and the agreed-scope forecast all run.

Prints the time to parse and validate the snapshot's JSON, the time of build_report (with
a baseline, so drift runs its second forecast), and the process's peak memory. Target
(issue 2): build_report no slower than parse+validate, under 2 s, peak under 1 GiB.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta

from clientsync import (
    Baseline,
    DetailLevel,
    ForecastSettings,
    Milestone,
    Project,
    ReportSettings,
    Snapshot,
    WorkItem,
    build_report,
    capture_baseline,
)

AS_OF = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def synthetic(n_items: int, n_milestones: int, seed: int = 7) -> Snapshot:
    rng = random.Random(seed)
    milestones = [
        Milestone(id=f"m{j}", name=f"Milestone {j}", due=date(2026, 12, 1) + timedelta(days=9 * j))
        for j in range(n_milestones)
    ]
    items = []
    for n in range(n_items):
        # A mature project: most work done, a few percent in progress.
        roll = rng.random()
        state = "done" if roll < 0.70 else "in_progress" if roll < 0.75 else "todo"
        created = AS_OF - timedelta(days=rng.randint(30, 400))
        completed = AS_OF - timedelta(hours=rng.randint(1, 24 * 120)) if state == "done" else None
        items.append(
            WorkItem(
                id=str(100000 + n),
                key=f"BIG-{n}",
                title=f"Synthetic item {n}",
                url=f"https://tracker.example/browse/BIG-{n}",
                state=state,
                status={"done": "Done", "in_progress": "In Progress", "todo": "To Do"}[state],
                blocked=state != "done" and rng.random() < 0.03,
                milestones=(f"m{n % n_milestones}",),
                due=date(2026, 11, 1) + timedelta(days=rng.randint(0, 500))
                if rng.random() < 0.3
                else None,
                created=created,
                updated=max(
                    created,
                    AS_OF - timedelta(days=rng.randint(0, 20 if state == "in_progress" else 90)),
                ),
                completed_at=max(created, completed) if completed else None,
                estimate=float(rng.choice([1, 2, 3, 5, 8])),
                assignee=rng.choice([None, "Ana", "Ben", "Chen"]),
                labels=("internal",) if rng.random() < 0.02 else ("feature",),
                client_request=rng.random() < 0.01,
            )
        )
    return Snapshot(
        project=Project(id="bench", name="Bench"),
        taken_at=AS_OF,
        items=tuple(items),
        milestones=tuple(milestones),
    )


def agreed_earlier(snapshot: Snapshot) -> Baseline:
    """A baseline the project has drifted from: 2% of items added since, 1% re-estimated,
    and every fifth milestone moved 5 days later."""
    items = []
    for n, item in enumerate(snapshot.items):
        if n % 50 == 0:
            continue  # added after the baseline
        if n % 100 == 1 and item.estimate is not None:
            item = item.model_copy(update={"estimate": item.estimate + 1})
        items.append(item)
    milestones = [
        m.model_copy(update={"due": m.due - timedelta(days=5)}) if j % 5 == 0 and m.due else m
        for j, m in enumerate(snapshot.milestones)
    ]
    earlier = snapshot.model_copy(update={"items": tuple(items), "milestones": tuple(milestones)})
    return capture_baseline(
        earlier, id="b1", captured_at=AS_OF - timedelta(days=30), budget_hours=50_000
    )


def peak_mib() -> float:
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--milestones", type=int, default=50)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of build_report per level")
    args = parser.parse_args()

    payload = synthetic(args.items, args.milestones).model_dump_json()
    print(
        f"snapshot: {args.items:,} items, {args.milestones} milestones, {len(payload) / 2**20:.1f} MiB JSON"
    )

    parses = []
    snapshot = None
    for _ in range(args.repeat):
        snapshot = None  # one parsed snapshot alive at a time, as in real use
        started = time.perf_counter()
        snapshot = Snapshot.model_validate_json(payload)
        parses.append(time.perf_counter() - started)
    parse_s = min(parses)
    print(
        f"parse + validate:         {parse_s:6.2f} s best of {args.repeat} (first {parses[0]:.2f} s)"
    )

    baseline = agreed_earlier(snapshot)
    settings = ReportSettings(forecast=ForecastSettings(trials=args.trials))
    for level in (DetailLevel.INTERNAL, DetailLevel.CLIENT):
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = build_report(
                snapshot, as_of=AS_OF, baseline=baseline, settings=settings, level=level
            )
            runs.append(time.perf_counter() - started)
        report_s = min(runs)
        print(
            f"build_report ({level.value:<8}): {report_s:6.2f} s best of {args.repeat} "
            f"(first {runs[0]:.2f} s; {report_s / parse_s:.2f}x parse; {args.trials:,} trials; "
            f"overall {report.status.overall.rag.value}, {len(report.risks)} risks, "
            f"{len(report.drift.events)} drift events)"
        )
    print(f"peak memory (max RSS):    {peak_mib():6.0f} MiB")


if __name__ == "__main__":
    main()
