"""One sync in its own process, for the fault tests to kill or to race.

    python sync_worker.py STORE DATA NOW [--ticks N] [--wait] [--busy-timeout SECONDS]

Prints "ready" once imported (then, with --wait, waits for a line on stdin, so a test can
release several at once), "tick" every N SQLite virtual-machine steps while syncing (a kill
point for the test), and "done INSERTED UPDATED DELETED CHANGES" at the end. A busy store
prints "busy: <message>" and exits 3.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from clientsync.errors import SyncError
from clientsync.store import Store
from clientsync.sync import sync_source
from tests.faults.filereader import FileReader


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("now", type=datetime.fromisoformat)
    parser.add_argument("--ticks", type=int, default=0)
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--busy-timeout", type=float, default=10.0)
    args = parser.parse_args()

    print("ready", flush=True)
    if args.wait:
        sys.stdin.readline()

    def tick() -> int:
        sys.stdout.write("tick\n")
        sys.stdout.flush()
        return 0  # go on

    with Store.open(args.store, busy_timeout=args.busy_timeout) as store:
        if args.ticks:
            # The test's kill points: every N steps of SQLite's VM, reads, writes and commit.
            store._db.set_progress_handler(tick, args.ticks)
        try:
            summary = sync_source(store, "big", FileReader(args.data), now=args.now)
        except SyncError as exc:
            print(f"busy: {exc}", flush=True)
            return 3
    print(
        f"done {summary.inserted} {summary.updated} {summary.deleted} {summary.changes}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
