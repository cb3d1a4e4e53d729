"""The store's tables and their migrations, versioned with `PRAGMA user_version`.

Each migration takes the schema from version n to n+1 and runs inside the opening
transaction, so a crash mid-migration leaves the previous version intact. Migrations are
appended, never edited: a released store file may be at any earlier version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from clientsync.errors import StoreError

Migration = Callable[[sqlite3.Connection], None]

_V1_TABLES = (
    # One row per configured source: the project it read last and its cursor.
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        project TEXT NOT NULL,
        cursor TEXT,
        synced_at TEXT,
        full_synced_at TEXT
    )
    """,
    # `payload` is the WorkItem's JSON; `digest` its hash, so a sync can tell an unchanged
    # item without reading the payload. Deletion is a timestamp: history keeps its item.
    """
    CREATE TABLE items (
        source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
        id TEXT NOT NULL,
        key TEXT NOT NULL,
        updated TEXT NOT NULL,
        digest TEXT NOT NULL,
        payload TEXT NOT NULL,
        deleted_at TEXT,
        PRIMARY KEY (source, id)
    )
    """,
    "CREATE INDEX items_live_by_key ON items(source, key) WHERE deleted_at IS NULL",
    """
    CREATE TABLE milestones (
        source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
        id TEXT NOT NULL,
        due TEXT,
        digest TEXT NOT NULL,
        payload TEXT NOT NULL,
        deleted_at TEXT,
        PRIMARY KEY (source, id)
    )
    """,
    # `fingerprint` makes a change recorded twice (an overlapping read, a replayed tracker
    # changelog, a second concurrent sync) land once.
    """
    CREATE TABLE item_history (
        seq INTEGER PRIMARY KEY,
        source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        field TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT,
        recorded_at TEXT NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE
    )
    """,
    "CREATE INDEX item_history_by_time ON item_history(at, seq)",
    """
    CREATE TABLE baselines (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        captured_at TEXT NOT NULL,
        payload TEXT NOT NULL
    )
    """,
    """
    CREATE TRIGGER baselines_are_never_edited BEFORE UPDATE ON baselines
    BEGIN
        SELECT RAISE(ABORT, 'baselines are never edited in place; capture a new one');
    END
    """,
    """
    CREATE TABLE reports (
        seq INTEGER PRIMARY KEY,
        audience TEXT NOT NULL,
        as_of TEXT NOT NULL,
        payload TEXT NOT NULL,
        UNIQUE (audience, as_of)
    )
    """,
    """
    CREATE TABLE publish_log (
        idempotency_key TEXT PRIMARY KEY,
        audience TEXT NOT NULL,
        channel TEXT NOT NULL,
        period TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('claimed', 'published')),
        claimed_at TEXT NOT NULL,
        sent_at TEXT,
        remote_id TEXT
    )
    """,
    "CREATE INDEX publish_log_by_period ON publish_log(audience, channel, period)",
)


def _v1(conn: sqlite3.Connection) -> None:
    # One statement at a time: executescript() would commit the migration transaction.
    for statement in _V1_TABLES:
        conn.execute(statement)


def _v2(conn: sqlite3.Connection) -> None:
    # The publish log names what was sent (a hash of the rendered content), and each
    # audience keeps its run of consecutive failed sends, paused at a threshold.
    conn.execute("ALTER TABLE publish_log ADD COLUMN content_hash TEXT")
    conn.execute(
        """
        CREATE TABLE publish_state (
            audience TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            paused_at TEXT
        )
        """
    )


def _v3(conn: sqlite3.Connection) -> None:
    # Webhook deliveries seen, so a replayed one is refused: claimed while it is being
    # applied, done once applied. Never a secret here: ids are the tracker's delivery id,
    # its action id, or a hash of the body.
    conn.execute(
        """
        CREATE TABLE webhook_deliveries (
            source TEXT NOT NULL,
            delivery_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'done')),
            received_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT,
            PRIMARY KEY (source, delivery_id)
        )
        """
    )
    conn.execute("CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries(received_at)")


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def refuse_newer(version: int, supported: int, path: Path) -> None:
    if version > supported:
        raise StoreError(
            f"{path} was written by a newer clientsync (store schema version {version}; "
            f"this clientsync reads up to version {supported}); upgrade clientsync "
            "(pip install -U clientsync) to use it"
        )


def migrate(
    conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the schema to `len(migrations)`; return the version found before migrating.

    Checks without a lock first, so opening a current store never waits for a writer.
    """
    target = len(migrations)
    found = user_version(conn)
    refuse_newer(found, target, path)
    if found == target:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = user_version(conn)  # another process may have migrated meanwhile
        refuse_newer(found, target, path)
        for migration in migrations[found:]:
            migration(conn)
        # PRAGMA takes no parameters; `target` is an int we computed.
        conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
