"""kill -9 of a sync at 20 random points: the store stays sound and the next sync converges.

Each round the generated tracker changes, a clean store syncs it in this process (counting
SQLite's progress ticks to learn how long the sync is), and a worker process syncs the
same round into the other store and is SIGKILLed after a random number of ticks. The test
waits on the worker's output, never on the clock.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from clientsync.store import Store
from clientsync.sync import sync_source

from .filereader import FileReader, GeneratedProject, round_time
from .support import cursor_of, dump, integrity, spawn_worker, start

ROUNDS = 20
TICK_STEPS = 200  # SQLite VM steps between ticks: some hundreds of kill points a round


def counted_sync(store: Store, data: Path, round_: int) -> int:
    """Sync a round into the clean store; return how many ticks it took."""
    ticks = 0

    def tick() -> int:
        nonlocal ticks
        ticks += 1
        return 0

    store._db.set_progress_handler(tick, TICK_STEPS)
    try:
        sync_source(store, "big", FileReader(data), now=round_time(round_))
    finally:
        store._db.set_progress_handler(None, 0)
    return ticks


def test_kill_9_at_random_points_never_corrupts_and_the_next_sync_converges(
    tmp_path: Path,
) -> None:
    rng = random.Random(20260202)
    project = GeneratedProject(3000, seed=5)
    victim = tmp_path / "killed.db"
    data = [tmp_path / f"round-{r}.json" for r in range(ROUNDS)]
    rolled_back = finished = 0
    spawned: list[subprocess.Popen[bytes]] = []

    def spawn(r: int) -> subprocess.Popen[bytes]:
        spawned.append(spawn_worker(victim, data[r], round_time(r), ticks=TICK_STEPS))
        return spawned[-1]

    with Store.open(tmp_path / "clean.db") as clean:
        upcoming: subprocess.Popen[bytes] | None = spawn(0)
        try:
            for r in range(ROUNDS):
                if r:
                    project.advance(edits=300, deletions=20, additions=30)
                project.write(data[r])
                assert upcoming is not None
                worker, upcoming = upcoming, (spawn(r + 1) if r + 1 < ROUNDS else None)
                # The next worker imports while this round runs: the test stays fast.
                ticks = counted_sync(clean, data[r], r)
                target = rng.randrange(1, ticks + ticks // 10 + 2)

                start(worker)
                assert worker.stdout is not None
                seen = 0
                for line in worker.stdout:
                    seen += line == b"tick\n"
                    if seen >= target:
                        worker.kill()
                        break
                worker.wait()
                worker.stdout.close()
                if worker.returncode == 0:
                    finished += 1
                else:
                    assert worker.returncode == -9, worker.stderr and worker.stderr.read()

                assert integrity(victim) == "ok", f"round {r}: corrupt after kill at tick {seen}"
                rolled_back += cursor_of(victim, "big") != str(r)
                with Store.open(victim) as store:
                    sync_source(store, "big", FileReader(data[r]), now=round_time(r))
                assert dump(victim) == dump(tmp_path / "clean.db"), f"round {r} diverged"
        finally:
            for process in spawned:  # only ours, by handle; a failing round leaves no orphans
                if process.poll() is None:
                    process.kill()
                process.communicate()
    # Most kills must land before the commit, or the test proved little.
    assert rolled_back >= ROUNDS // 2, (rolled_back, finished)
    print(f"kills that rolled a round back: {rolled_back}; runs that finished: {finished}")
