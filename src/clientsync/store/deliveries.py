"""The log of webhook deliveries seen: what makes a replayed delivery a no-op.

A delivery is claimed before it is applied and marked done after, each in its own short
write transaction. A second copy arriving while the first is being applied finds the
claim (`IN_PROGRESS`: the tracker should retry later); one arriving after finds it done
(`DONE`: a replay). A claim left behind by a crashed process is retaken once it is older
than `abandoned_after`, and a failed apply releases its claim, so the tracker's retry is
applied rather than ignored. Done rows are forgotten after the configured window: a
replay older than that is applied again, which changes nothing (the sync engine skips
unchanged items).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from enum import StrEnum

from .codec import parse_timestamp, timestamp

Transaction = Callable[[], AbstractContextManager[sqlite3.Connection]]

ABANDONED_AFTER = timedelta(minutes=10)


class Claim(StrEnum):
    NEW = "new"
    """Not seen before (or an abandoned claim retaken): apply it."""
    DONE = "done"
    """Applied before: a replay, to acknowledge and ignore."""
    IN_PROGRESS = "in-progress"
    """Another worker is applying it now: ask the tracker to retry later."""


class DeliveryLog:
    """Claims, finishes and releases deliveries, keyed by source and delivery id."""

    def __init__(self, transaction: Transaction, connection: Callable[[], sqlite3.Connection]):
        self._transaction = transaction
        self._connection = connection

    def claim(
        self,
        source: str,
        delivery_id: str,
        *,
        now: datetime,
        abandoned_after: timedelta = ABANDONED_AFTER,
        forget_before: datetime | None = None,
    ) -> Claim:
        """Claim the delivery for applying; `forget_before` drops older done rows first."""
        with self._transaction() as conn:
            if forget_before is not None:
                conn.execute(
                    "DELETE FROM webhook_deliveries WHERE received_at < ? AND status = 'done'",
                    (timestamp(forget_before),),
                )
            row = conn.execute(
                "SELECT status, received_at FROM webhook_deliveries "
                "WHERE source = ? AND delivery_id = ?",
                (source, delivery_id),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO webhook_deliveries (source, delivery_id, status, received_at) "
                    "VALUES (?, ?, 'claimed', ?)",
                    (source, delivery_id, timestamp(now)),
                )
                return Claim.NEW
            status, received_at = row
            if status == "done":
                return Claim.DONE
            if parse_timestamp(received_at) > now - abandoned_after:
                return Claim.IN_PROGRESS
            conn.execute(
                "UPDATE webhook_deliveries SET received_at = ? "
                "WHERE source = ? AND delivery_id = ?",
                (timestamp(now), source, delivery_id),
            )
            return Claim.NEW

    def finish(self, source: str, delivery_id: str, *, now: datetime, outcome: str) -> None:
        """The delivery was applied: later copies are replays. `outcome` is a short word."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE webhook_deliveries SET status = 'done', finished_at = ?, outcome = ? "
                "WHERE source = ? AND delivery_id = ?",
                (timestamp(now), outcome, source, delivery_id),
            )

    def release(self, source: str, delivery_id: str) -> None:
        """Applying failed: forget the claim so the tracker's retry is applied."""
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM webhook_deliveries "
                "WHERE source = ? AND delivery_id = ? AND status = 'claimed'",
                (source, delivery_id),
            )

    def status(self, source: str, delivery_id: str) -> str | None:
        """'claimed', 'done', or None when the delivery is unknown (or forgotten)."""
        row = (
            self._connection()
            .execute(
                "SELECT status FROM webhook_deliveries WHERE source = ? AND delivery_id = ?",
                (source, delivery_id),
            )
            .fetchone()
        )
        return None if row is None else str(row[0])

    def count(self, source: str | None = None) -> int:
        """How many deliveries are remembered (all sources, or one)."""
        query = "SELECT COUNT(*) FROM webhook_deliveries"
        params: tuple[str, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            params = (source,)
        return int(self._connection().execute(query, params).fetchone()[0])
