"""The embedded default store: one SQLite file (stdlib sqlite3), WAL, versioned schema.

Every write runs in a `BEGIN IMMEDIATE` transaction, so two processes never interleave
writes: the second waits up to `busy_timeout` seconds, then fails with an error saying
another process holds the store. Readers never wait for a writer (WAL).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from pydantic import ValidationError

from clientsync.domain.baseline import Baseline
from clientsync.domain.model import ItemChange, Milestone, Project, Snapshot, WorkItem
from clientsync.errors import ClientsyncError, StoreError, SyncError

from .codec import parse_timestamp, timestamp
from .deliveries import DeliveryLog
from .publish_log import PublishLog
from .schema import migrate
from .writer import SyncWriter

DEFAULT_BUSY_TIMEOUT = 10.0


class Store(PublishLog):
    """The state clientsync keeps between runs. Use `Store.open(path)`, as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        self.busy_timeout = busy_timeout

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> Store:
        """Open (creating it and its directory if needed) and migrate the store at `path`."""
        if busy_timeout < 0:
            raise ValueError("busy_timeout is seconds to wait for a lock; it cannot be negative")
        where = Path(path)
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {where.parent}: {exc}") from None
        try:
            conn = sqlite3.connect(where, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {where}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            _enable_wal(conn, where, busy_timeout)
            # NORMAL is durable against a killed process in WAL mode, which is what a sync
            # job risks; FULL only adds protection against power loss, at a cost per commit.
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn, where)
        except sqlite3.OperationalError as exc:
            conn.close()
            if _is_busy(exc):
                raise StoreError(
                    f"{where}: another clientsync process holds the store (waited "
                    f"{busy_timeout:g} s); try again when it has finished"
                ) from None
            raise StoreError(f"cannot open the store {where}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{where} is not a clientsync store ({exc}); point [store] path elsewhere "
                "or move the file away"
            ) from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, where, busy_timeout)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._conn is not None else "closed"
        return f"Store({str(self.path)!r}, {state})"

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the store {self.path} is closed")
        return self._conn

    @contextmanager
    def _transaction(
        self, busy: Callable[[], ClientsyncError], *, write: bool = True
    ) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), or a consistent read (BEGIN)."""
        conn = self._db
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise busy() from None
            raise StoreError(f"{self.path}: {exc}") from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _busy(self) -> StoreError:
        return StoreError(
            f"{self.path}: another clientsync process holds the store (waited "
            f"{self.busy_timeout:g} s); try again when it has finished"
        )

    def integrity_check(self) -> str:
        """SQLite's `PRAGMA integrity_check`: "ok", or what is wrong."""
        rows = self._db.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(row[0]) for row in rows)

    # -- sync -----------------------------------------------------------------------------

    @contextmanager
    def sync_transaction(self, source: str, *, now: datetime) -> Iterator[SyncWriter]:
        """One sync's writes for `source`, committed together or not at all."""

        def busy() -> SyncError:
            return SyncError(
                f"{source}: another sync holds the store {self.path} (waited "
                f"{self.busy_timeout:g} s); try again when it has finished, or raise "
                "[store] busy_timeout_seconds"
            )

        try:
            with self._transaction(busy) as conn:
                yield SyncWriter(conn, source, now)
        except sqlite3.Error as exc:
            raise StoreError(f"{source}: writing to the store {self.path} failed: {exc}") from exc

    def sources(self) -> tuple[str, ...]:
        rows = self._db.execute("SELECT name FROM sources ORDER BY name")
        return tuple(name for (name,) in rows)

    def cursor(self, source: str) -> str | None:
        """Where the next incremental read of `source` starts; None before the first sync."""
        row = self._db.execute("SELECT cursor FROM sources WHERE name = ?", (source,)).fetchone()
        return None if row is None else row[0]

    def snapshot(self, source: str | None = None, *, taken_at: datetime) -> Snapshot:
        """The live items and milestones of one source, or of all sources merged by id.

        A source never synced gives an empty snapshot named after it.
        """
        with self._transaction(self._busy, write=False) as conn:
            names = [source] if source is not None else list(self.sources())
            projects = [self._project(conn, name) for name in names]
            items: dict[str, WorkItem] = {}
            milestones: dict[str, Milestone] = {}
            for name in names:
                rows = conn.execute(
                    "SELECT payload FROM items WHERE source = ? AND deleted_at IS NULL "
                    "ORDER BY key, id",
                    (name,),
                )
                for (payload,) in rows:
                    item = WorkItem.model_validate_json(payload)
                    items[item.id] = item
                rows = conn.execute(
                    "SELECT payload FROM milestones WHERE source = ? AND deleted_at IS NULL "
                    "ORDER BY id",
                    (name,),
                )
                for (payload,) in rows:
                    milestone = Milestone.model_validate_json(payload)
                    milestones[milestone.id] = milestone
        try:
            return Snapshot(
                project=_merged_project(projects),
                taken_at=taken_at,
                items=tuple(items.values()),
                milestones=tuple(milestones.values()),
            )
        except ValidationError as exc:
            problems = "; ".join(str(error["msg"]) for error in exc.errors())
            raise StoreError(
                f"the store's sources {', '.join(names)} do not merge into one snapshot: "
                f"{problems}; read them one source at a time"
            ) from None

    @staticmethod
    def _project(conn: sqlite3.Connection, source: str) -> Project:
        row = conn.execute("SELECT project FROM sources WHERE name = ?", (source,)).fetchone()
        if row is None:
            return Project(id=source, name=source)
        return Project.model_validate_json(row[0])

    def history(
        self, since: datetime | None = None, *, source: str | None = None
    ) -> tuple[ItemChange, ...]:
        """Recorded changes in time order, from `since` (inclusive) if given."""
        query = "SELECT key, field, before, after, at, reason FROM item_history WHERE 1 = 1"
        params: list[str] = []
        if since is not None:
            query += " AND at >= ?"
            params.append(timestamp(since))
        if source is not None:
            query += " AND source = ?"
            params.append(source)
        rows = self._db.execute(query + " ORDER BY at, seq", params)
        return tuple(
            ItemChange(
                key=key,
                field=field,
                before=json.loads(before),
                after=json.loads(after),
                at=parse_timestamp(at),
                reason=reason,
            )
            for key, field, before, after, at, reason in rows
        )

    # -- baselines ------------------------------------------------------------------------

    def add_baseline(self, baseline: Baseline) -> None:
        """Keep a new baseline version; an id already used is refused, never overwritten."""
        with self._transaction(self._busy) as conn:
            exists = conn.execute("SELECT 1 FROM baselines WHERE id = ?", (baseline.id,))
            if exists.fetchone() is not None:
                raise StoreError(
                    f"baseline {baseline.id!r} already exists; baselines are never edited "
                    "in place: capture a new one with another id"
                )
            conn.execute(
                "INSERT INTO baselines (id, captured_at, payload) VALUES (?, ?, ?)",
                (baseline.id, timestamp(baseline.captured_at), baseline.model_dump_json()),
            )

    def baselines(self) -> tuple[Baseline, ...]:
        """Every baseline, oldest first."""
        rows = self._db.execute("SELECT payload FROM baselines ORDER BY captured_at, seq")
        return tuple(Baseline.model_validate_json(payload) for (payload,) in rows)

    def baseline(self, id: str | None = None) -> Baseline | None:
        """The baseline with `id`, or the latest when `id` is None; None when there is none."""
        if id is None:
            row = self._db.execute(
                "SELECT payload FROM baselines ORDER BY captured_at DESC, seq DESC LIMIT 1"
            ).fetchone()
        else:
            row = self._db.execute("SELECT payload FROM baselines WHERE id = ?", (id,)).fetchone()
        return None if row is None else Baseline.model_validate_json(row[0])

    # -- reports --------------------------------------------------------------------------

    def save_report(self, as_of: datetime, audience: str, report_json: str) -> None:
        """Keep a report for the next one to compare with; re-running a date replaces it."""
        with self._transaction(self._busy) as conn:
            conn.execute(
                "INSERT INTO reports (audience, as_of, payload) VALUES (?, ?, ?) "
                "ON CONFLICT (audience, as_of) DO UPDATE SET payload = excluded.payload",
                (audience, timestamp(as_of), report_json),
            )

    def previous_report(self, audience: str, before: datetime) -> str | None:
        """The JSON of the audience's latest report strictly before `before`."""
        row = self._db.execute(
            "SELECT payload FROM reports WHERE audience = ? AND as_of < ? "
            "ORDER BY as_of DESC LIMIT 1",
            (audience, timestamp(before)),
        ).fetchone()
        return None if row is None else str(row[0])

    # -- webhook deliveries ---------------------------------------------------------------

    @property
    def deliveries(self) -> DeliveryLog:
        """The webhook deliveries seen, for refusing replays (`clientsync.store.deliveries`)."""
        return DeliveryLog(lambda: self._transaction(self._busy), lambda: self._db)


def _enable_wal(conn: sqlite3.Connection, where: Path, busy_timeout: float) -> None:
    """Switch a new file to WAL (persistent), retrying while another process does the same.

    Two processes switching one fresh file at once can get SQLITE_BUSY at once, without
    SQLite's busy handler (it avoids a lock deadlock that way), so this waits instead.
    """
    deadline = time.monotonic() + busy_timeout
    pause = 0.001
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            break
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
    if str(mode).lower() != "wal":
        raise StoreError(f"{where}: SQLite refused WAL mode (got {mode!r})")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _merged_project(projects: list[Project]) -> Project:
    if not projects:
        return Project(id="store", name="Empty store")
    if len(projects) == 1:
        return projects[0]
    first = projects[0]
    return first.model_copy(update={"tracker": ",".join(sorted({p.tracker for p in projects}))})
