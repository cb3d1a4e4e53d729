"""The publish log: which sends were claimed and made, and each audience's failure run.

Exactly-once delivery rests on it: a send is claimed under an idempotency key before it
goes, marked published after, and never marked when it failed (the next run retries it).
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from clientsync.errors import ClientsyncError, StoreError

from .codec import parse_timestamp, timestamp


@dataclass(frozen=True)
class PublishRecord:
    """One row of the publish log: a send claimed under an idempotency key."""

    key: str
    audience: str
    channel: str
    period: str
    status: str
    claimed_at: datetime
    sent_at: datetime | None
    remote_id: str | None
    content_hash: str | None = None

    @property
    def published(self) -> bool:
        return self.status == "published"


@dataclass(frozen=True)
class PublishState:
    """An audience's run of consecutive failed sends, and whether that paused it."""

    audience: str
    failures: int = 0
    last_error: str | None = None
    paused_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


class PublishLog(ABC):
    """The publish-log half of `Store`: a mixin over the store's connection."""

    @abstractmethod
    def _transaction(
        self, busy: Callable[[], ClientsyncError], *, write: bool = True
    ) -> AbstractContextManager[sqlite3.Connection]: ...

    @abstractmethod
    def _busy(self) -> StoreError: ...

    @property
    @abstractmethod
    def _db(self) -> sqlite3.Connection: ...

    def claim_publish(
        self,
        key: str,
        audience: str,
        channel: str,
        period: str,
        *,
        at: datetime | None = None,
        content_hash: str | None = None,
    ) -> bool:
        """Claim the send under idempotency `key`; False when it was claimed before."""
        with self._transaction(self._busy) as conn:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO publish_log (idempotency_key, audience, channel, period, "
                "status, claimed_at, content_hash) VALUES (?, ?, ?, ?, 'claimed', ?, ?)",
                (key, audience, channel, period, timestamp(at or datetime.now(UTC)), content_hash),
            )
            return inserted.rowcount == 1

    def mark_published(
        self,
        key: str,
        remote_id: str | None,
        *,
        at: datetime | None = None,
        content_hash: str | None = None,
    ) -> None:
        """Record that the claimed send went out (with the channel's id for it and, when
        given, the hash of what went: a retried send may carry newer content)."""
        with self._transaction(self._busy) as conn:
            updated = conn.execute(
                "UPDATE publish_log SET status = 'published', sent_at = ?, remote_id = ?, "
                "content_hash = COALESCE(?, content_hash) WHERE idempotency_key = ?",
                (timestamp(at or datetime.now(UTC)), remote_id, content_hash, key),
            )
            if updated.rowcount != 1:
                raise StoreError(f"no publish was claimed under key {key!r}; claim it first")

    def published(self, key: str) -> bool:
        """True once the send under `key` is marked published (claimed is not enough)."""
        record = self.publish_record(key)
        return record is not None and record.published

    def publish_record(self, key: str) -> PublishRecord | None:
        row = self._db.execute(_PUBLISH_COLUMNS + "WHERE idempotency_key = ?", (key,)).fetchone()
        return None if row is None else _publish_record(row)

    def publish_records(self, audience: str) -> tuple[PublishRecord, ...]:
        """The audience's publish log, oldest claim first."""
        rows = self._db.execute(
            _PUBLISH_COLUMNS + "WHERE audience = ? ORDER BY claimed_at, rowid", (audience,)
        )
        return tuple(_publish_record(row) for row in rows)

    def publish_state(self, audience: str) -> PublishState:
        row = self._db.execute(
            "SELECT failures, last_error, paused_at FROM publish_state WHERE audience = ?",
            (audience,),
        ).fetchone()
        if row is None:
            return PublishState(audience)
        failures, last_error, paused_at = row
        paused = parse_timestamp(paused_at) if paused_at else None
        return PublishState(audience, int(failures), last_error, paused)

    def record_publish_failure(
        self, audience: str, error: str, *, at: datetime, pause_after: int
    ) -> PublishState:
        """Count one more consecutive failure; pause the audience at `pause_after`."""
        with self._transaction(self._busy) as conn:
            conn.execute(
                "INSERT INTO publish_state (audience, failures, last_error) VALUES (?, 1, ?) "
                "ON CONFLICT (audience) DO UPDATE SET failures = failures + 1, "
                "last_error = excluded.last_error",
                (audience, error),
            )
            conn.execute(
                "UPDATE publish_state SET paused_at = ? "
                "WHERE audience = ? AND failures >= ? AND paused_at IS NULL",
                (timestamp(at), audience, pause_after),
            )
        return self.publish_state(audience)

    def reset_publish_state(self, audience: str) -> None:
        """A send went out, or the audience is resumed: no failures, not paused."""
        with self._transaction(self._busy) as conn:
            conn.execute("DELETE FROM publish_state WHERE audience = ?", (audience,))


_PUBLISH_COLUMNS = (
    "SELECT idempotency_key, audience, channel, period, status, claimed_at, sent_at, "
    "remote_id, content_hash FROM publish_log "
)


def _publish_record(row: tuple[str, ...]) -> PublishRecord:
    ident, audience, channel, period, status, claimed_at, sent_at, remote_id, digest = row
    return PublishRecord(
        key=ident,
        audience=audience,
        channel=channel,
        period=period,
        status=status,
        claimed_at=parse_timestamp(claimed_at),
        sent_at=parse_timestamp(sent_at) if sent_at else None,
        remote_id=remote_id,
        content_hash=digest,
    )
