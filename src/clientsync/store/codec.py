"""How values are written into store rows: timestamps, JSON values, digests, fingerprints."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic_core import to_jsonable_python

from clientsync.domain.model import ItemChange


def timestamp(value: datetime) -> str:
    """Fixed-width UTC text, so timestamps compare correctly as strings in SQL."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the store needs aware (UTC) datetimes")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def payload_digest(payload: str) -> str:
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


class HistoryEntry(NamedTuple):
    """A change as the sync engine records it: an `ItemChange` without the validation cost."""

    key: str
    field: str
    before: Any
    after: Any
    at: datetime
    reason: str | None = None


def json_value(value: Any) -> str:
    """Compact, key-sorted JSON, so equal values give equal text (and fingerprints)."""
    if value is None:
        return "null"
    # `default` converts what JSON lacks (dates, tuples inside models) the way pydantic does.
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=to_jsonable_python,
    )


def change_row(
    source: str, change: ItemChange | HistoryEntry, recorded_at: str
) -> tuple[str, str, str, str, str, str, str | None, str, str]:
    """An `item_history` row: the fingerprint covers what the change says, not when we saw it."""
    before = json_value(change.before)
    after = json_value(change.after)
    at = timestamp(change.at)
    fingerprint = hashlib.blake2b(
        "\x1f".join((source, change.key, change.field, at, before, after)).encode(),
        digest_size=16,
    ).hexdigest()
    return (
        source,
        change.key,
        change.field,
        before,
        after,
        at,
        change.reason,
        recorded_at,
        fingerprint,
    )
