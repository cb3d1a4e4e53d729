"""Helpers for the fault tests: the worker process and a whole-store comparison."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

WORKER = Path(__file__).with_name("sync_worker.py")

# Every table the sync writes, in full and in a fixed order: "equal" ignores nothing.
SYNCED_TABLES = {
    "sources": "name",
    "items": "source, id",
    "milestones": "source, id",
    "item_history": "seq",
}


def spawn_worker(
    store: Path, data: Path, now: datetime, *, ticks: int = 0, busy_timeout: float = 10.0
) -> subprocess.Popen[bytes]:
    """Start a worker that imports, then waits for a line on stdin before it syncs."""
    command = [sys.executable, str(WORKER), str(store), str(data), now.isoformat(), "--wait"]
    command += ["--ticks", str(ticks), "--busy-timeout", str(busy_timeout)]
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def start(worker: subprocess.Popen[bytes]) -> None:
    assert worker.stdin is not None
    worker.stdin.write(b"go\n")
    worker.stdin.flush()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in SYNCED_TABLES.items()
        }
    finally:
        conn.close()


def cursor_of(path: Path, source: str) -> str | None:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT cursor FROM sources WHERE name = ?", (source,)).fetchone()
        return None if row is None else str(row[0])
    except sqlite3.OperationalError:  # killed before the schema was committed
        return None
    finally:
        conn.close()
