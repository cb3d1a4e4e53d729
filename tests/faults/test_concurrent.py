"""Syncs racing on one store: each waits its turn; the store ends equal to a lone sync's."""

from __future__ import annotations

import threading
from pathlib import Path

from clientsync.errors import SyncError
from clientsync.store import Store
from clientsync.sync import sync_source

from .filereader import FileReader, GeneratedProject, round_time
from .support import dump, integrity, spawn_worker, start


def test_two_processes_syncing_at_once_leave_the_clean_result(tmp_path: Path) -> None:
    project = GeneratedProject(2000, seed=11)
    shared = tmp_path / "shared.db"
    with Store.open(tmp_path / "clean.db") as clean:
        for r in range(3):
            if r:
                project.advance(edits=400, deletions=25, additions=40)
            data = tmp_path / f"round-{r}.json"
            project.write(data)
            expected = sync_source(clean, "big", FileReader(data), now=round_time(r))

            workers = [spawn_worker(shared, data, round_time(r)) for _ in range(2)]
            for worker in workers:  # both are imported and waiting: release them together
                assert worker.stdout is not None
                assert worker.stdout.readline() == b"ready\n"
            for worker in workers:
                start(worker)
            outputs = [worker.communicate(timeout=60) for worker in workers]
            recorded = 0
            for worker, (out, err) in zip(workers, outputs, strict=True):
                assert worker.returncode == 0, err.decode()
                done, *counts = out.split()
                assert done == b"done"
                recorded += int(counts[-1])
            # Whoever went second found the work done: nothing was recorded twice.
            assert recorded == expected.changes
            assert integrity(shared) == "ok"
            assert dump(shared) == dump(tmp_path / "clean.db"), f"round {r} diverged"


def test_threads_with_their_own_connections_take_turns(tmp_path: Path) -> None:
    project = GeneratedProject(500, seed=3)
    data = tmp_path / "round-0.json"
    project.write(data)
    shared = tmp_path / "shared.db"
    Store.open(shared).close()  # created once, so no thread races the first migration
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def sync_once() -> None:
        try:
            with Store.open(shared) as store:
                barrier.wait()
                sync_source(store, "big", FileReader(data), now=round_time(0))
        except (SyncError, threading.BrokenBarrierError) as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=sync_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(tmp_path / "clean.db") as clean:
        sync_source(clean, "big", FileReader(data), now=round_time(0))
    assert integrity(shared) == "ok"
    assert dump(shared) == dump(tmp_path / "clean.db")
