"""The write side of one sync: what the sync engine may read and change inside its transaction.

The engine (`clientsync.sync`) decides what changed; this class only speaks SQL, so a
PostgreSQL store would implement the same small surface.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from clientsync.domain.model import ItemChange, Project

from .codec import HistoryEntry, change_row, parse_timestamp, timestamp

T = TypeVar("T")

# SQLite's default limit on host parameters is 999 for older builds; stay well under it.
_CHUNK = 500


@dataclass(frozen=True)
class StoredItem:
    """What a sync needs to know about an item it already holds, without its payload."""

    key: str
    updated: datetime
    digest: str
    deleted: bool


@dataclass(frozen=True)
class StoredMilestone:
    due: str | None
    digest: str
    deleted: bool


@dataclass(frozen=True)
class ItemRow:
    id: str
    key: str
    updated: datetime
    digest: str
    payload: str


@dataclass(frozen=True)
class MilestoneRow:
    id: str
    due: str | None
    digest: str
    payload: str


class SyncWriter:
    """Reads and writes one source's rows inside an open write transaction."""

    def __init__(self, conn: sqlite3.Connection, source: str, now: datetime) -> None:
        self._conn = conn
        self.source = source
        self._now = timestamp(now)

    def cursor(self) -> str | None:
        row = self._conn.execute(
            "SELECT cursor FROM sources WHERE name = ?", (self.source,)
        ).fetchone()
        return None if row is None else row[0]

    def begin(self, project: Project) -> None:
        """Create or refresh the source's row; its cursor moves only in `finish`."""
        self._conn.execute(
            "INSERT INTO sources (name, project) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET project = excluded.project",
            (self.source, project.model_dump_json()),
        )

    def items(self, ids: Iterable[str]) -> dict[str, StoredItem]:
        found: dict[str, StoredItem] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                "SELECT id, key, updated, digest, deleted_at IS NOT NULL FROM items "
                f"WHERE source = ? AND id IN ({marks})",
                (self.source, *chunk),
            )
            for ident, key, updated, digest, deleted in rows:
                found[ident] = StoredItem(key, parse_timestamp(updated), digest, bool(deleted))
        return found

    def payloads(self, ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT id, payload FROM items WHERE source = ? AND id IN ({marks})",
                (self.source, *chunk),
            )
            found.update(rows)
        return found

    def live_items(self) -> dict[str, str]:
        """Id -> key of every item not deleted."""
        rows = self._conn.execute(
            "SELECT id, key FROM items WHERE source = ? AND deleted_at IS NULL", (self.source,)
        )
        return dict(rows)

    def milestones(self) -> dict[str, StoredMilestone]:
        rows = self._conn.execute(
            "SELECT id, due, digest, deleted_at IS NOT NULL FROM milestones WHERE source = ?",
            (self.source,),
        )
        return {ident: StoredMilestone(due, digest, bool(dl)) for ident, due, digest, dl in rows}

    def upsert_items(self, rows: Iterable[ItemRow]) -> None:
        self._conn.executemany(
            "INSERT INTO items (source, id, key, updated, digest, payload, deleted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL) "
            "ON CONFLICT (source, id) DO UPDATE SET key = excluded.key, "
            "updated = excluded.updated, digest = excluded.digest, "
            "payload = excluded.payload, deleted_at = NULL",
            ((self.source, r.id, r.key, timestamp(r.updated), r.digest, r.payload) for r in rows),
        )

    def delete_items(self, ids: Iterable[str]) -> None:
        self._conn.executemany(
            "UPDATE items SET deleted_at = ? WHERE source = ? AND id = ? AND deleted_at IS NULL",
            ((self._now, self.source, ident) for ident in ids),
        )

    def upsert_milestones(self, rows: Iterable[MilestoneRow]) -> None:
        self._conn.executemany(
            "INSERT INTO milestones (source, id, due, digest, payload, deleted_at) "
            "VALUES (?, ?, ?, ?, ?, NULL) "
            "ON CONFLICT (source, id) DO UPDATE SET due = excluded.due, "
            "digest = excluded.digest, payload = excluded.payload, deleted_at = NULL",
            ((self.source, r.id, r.due, r.digest, r.payload) for r in rows),
        )

    def delete_milestones(self, ids: Iterable[str]) -> None:
        self._conn.executemany(
            "UPDATE milestones SET deleted_at = ? "
            "WHERE source = ? AND id = ? AND deleted_at IS NULL",
            ((self._now, self.source, ident) for ident in ids),
        )

    def record(self, changes: Iterable[ItemChange | HistoryEntry]) -> int:
        """Append changes to the history; returns how many were new (repeats are ignored)."""
        cursor = self._conn.executemany(
            "INSERT OR IGNORE INTO item_history (source, key, field, before, after, at, "
            "reason, recorded_at, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (change_row(self.source, change, self._now) for change in changes),
        )
        return max(cursor.rowcount, 0)

    def finish(self, cursor: str | None, *, census: bool) -> None:
        """Advance the cursor: the last write of the transaction, committed with the rest."""
        self._conn.execute(
            "UPDATE sources SET cursor = ?, synced_at = ?, "
            "full_synced_at = CASE WHEN ? THEN ? ELSE full_synced_at END WHERE name = ?",
            (cursor, self._now, census, self._now, self.source),
        )


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
