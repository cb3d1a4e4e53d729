"""The sync engine: one source's tracker read, applied to the store in one transaction.

The read happens first, outside any lock (it may be slow and retried); then, in one
`BEGIN IMMEDIATE` transaction, the engine de-duplicates the read, skips items the store
already holds in a newer version (overlapping windows), upserts the rest, records each
field change in the history, reconciles deletions against the tracker's census, and
advances the cursor. A crash anywhere leaves the previous state and cursor intact, so the
next sync re-reads what was lost.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .domain.model import TRACKED_FIELDS, Milestone, WorkItem
from .errors import SyncError
from .ports import ReadResult, RejectedItem, TrackerReader
from .retry import RetryPolicy
from .store import (
    HistoryEntry,
    ItemRow,
    MilestoneRow,
    Store,
    StoredItem,
    SyncWriter,
    payload_digest,
)

__all__ = ["TRACKED_FIELDS", "AppliedRead", "SyncSummary", "apply_read", "sync_source"]

_log = logging.getLogger("clientsync.sync")


@dataclass(frozen=True)
class SyncSummary:
    """What one sync of one source did. `full` says the read was a census of every item."""

    source: str
    full: bool
    read: int
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    rejected: tuple[RejectedItem, ...]
    changes: int
    cursor: str | None


def sync_source(
    store: Store,
    source_name: str,
    reader: TrackerReader,
    *,
    now: datetime,
    full: bool = False,
    allow_empty: bool = False,
    retry: RetryPolicy | None = None,
    log: logging.Logger = _log,
) -> SyncSummary:
    """Read `source_name` since its stored cursor (everything when `full`) into `store`.

    `retry` wraps the read (None: one attempt). Raises `SyncError` when a census comes
    back empty while the store holds live items (lost access looks exactly like that),
    unless `allow_empty`; and when another sync holds the store past its busy timeout.
    """
    if now.tzinfo is None:
        raise ValueError("sync_source needs an aware `now`, e.g. datetime.now(UTC)")
    cursor = None if full else store.cursor(source_name)
    result = _read(reader, cursor=cursor, full=full, retry=retry)
    _warn_rejected(log, source_name, result)
    with store.sync_transaction(source_name, now=now) as tx:
        outcome = _apply(tx, result, now=now, allow_empty=allow_empty)
    summary = SyncSummary(
        source=source_name,
        full=result.census,
        read=len(result.items),
        inserted=outcome.inserted,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        deleted=outcome.deleted,
        rejected=result.rejected,
        changes=outcome.changes,
        cursor=result.cursor,
    )
    log.info(
        "%s: %s sync read %d: %d new, %d updated, %d unchanged, %d deleted, %d rejected, "
        "%d changes recorded",
        source_name,
        "full" if summary.full else "incremental",
        summary.read,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.deleted,
        len(summary.rejected),
        summary.changes,
    )
    return summary


@dataclass(frozen=True)
class AppliedRead(SyncSummary):
    """A SyncSummary of a partial read that also lists what it newly recorded.

    `recorded` holds the changes of the items this read actually wrote or deleted (the
    tracker's changelog for them, and the engine's diffs) and milestone date moves: what a
    caller reacts to. A read that changed nothing records nothing.
    """

    recorded: tuple[HistoryEntry, ...] = field(default=(), repr=False)
    milestone_dates: Mapping[str, date | None] = field(default_factory=dict, repr=False)
    """The source's live milestones and their dates, read only when an item's due date
    moved (to tell whether it now lands after its milestone); empty otherwise."""


def apply_read(
    store: Store,
    source_name: str,
    result: ReadResult,
    *,
    now: datetime,
    log: logging.Logger = _log,
) -> AppliedRead:
    """Apply a partial read (a webhook delivery's) to `store`, as one transaction.

    Like a sync, it upserts what changed, records the changes and deletes the items the
    read names as deleted; unlike a sync, it never moves the source's cursor (the next
    `sync` still reads everything since the last one: a lost delivery is caught up) and
    never reconciles deletions against a census, whatever the read claims.
    """
    if now.tzinfo is None:
        raise ValueError("apply_read needs an aware `now`, e.g. datetime.now(UTC)")
    _warn_rejected(log, source_name, result)
    if not (result.items or result.milestones or result.deleted or result.changes):
        # A heartbeat or a delivery about another board: its project may be a stand-in the
        # connector built without a request, which must not overwrite the stored one.
        return _applied(source_name, result, _Outcome(), store.cursor(source_name), (), {})
    with store.sync_transaction(source_name, now=now) as tx:
        # `finish` writes the cursor it is given: hand it the stored one. A connector that
        # re-read every milestone says so (`milestone_census`): a deleted one is dropped.
        partial = dataclasses.replace(
            result,
            cursor=tx.cursor(),
            census=False,
            census_ids=None,
        )
        outcome = _apply(tx, partial, now=now, allow_empty=True)
        written = {row.key for row in outcome.item_rows}
        told = [
            HistoryEntry(c.key, c.field, c.before, c.after, c.at, c.reason)
            for c in result.changes
            if c.key in written
        ]
        recorded = (*told, *outcome.history)
        dates: dict[str, date | None] = {}
        if any(c.field == "due" for c in recorded):
            dates = {
                ident: date.fromisoformat(m.due[:10]) if m.due else None
                for ident, m in tx.milestones().items()
                if not m.deleted
            }
    return _applied(source_name, result, outcome, partial.cursor, recorded, dates)


def _applied(
    source_name: str,
    result: ReadResult,
    outcome: _Outcome,
    cursor: str | None,
    recorded: tuple[HistoryEntry, ...],
    dates: dict[str, date | None],
) -> AppliedRead:
    return AppliedRead(
        source=source_name,
        full=False,
        read=len(result.items),
        inserted=outcome.inserted,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        deleted=outcome.deleted,
        rejected=result.rejected,
        changes=outcome.changes,
        cursor=cursor,
        recorded=recorded,
        milestone_dates=dates,
    )


def _warn_rejected(log: logging.Logger, source_name: str, result: ReadResult) -> None:
    for rejected in result.rejected:
        log.warning(
            "%s: skipped %s: field %r: %s",
            source_name,
            rejected.key,
            rejected.field,
            rejected.reason,
        )


def _read(
    reader: TrackerReader, *, cursor: str | None, full: bool, retry: RetryPolicy | None
) -> ReadResult:
    if retry is None:
        return reader.read(cursor=cursor, full=full)
    return retry.call(reader.read, cursor=cursor, full=full)


@dataclass
class _Outcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    changes: int = 0
    item_rows: list[ItemRow] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)


def _apply(tx: SyncWriter, result: ReadResult, *, now: datetime, allow_empty: bool) -> _Outcome:
    tx.begin(result.project)
    outcome = _Outcome()
    incoming = _latest_by_id(result.items)
    # The tracker's own changelog is more exact than a diff (real time, a reason): where it
    # speaks about a field of an item, the diff stays quiet.
    told = {(change.key, change.field) for change in result.changes}

    gone = _deletions(tx, result, incoming, allow_empty=allow_empty)
    _upserts(tx, incoming, told, outcome)
    old_payloads = tx.payloads(gone)
    for ident, key in gone.items():
        before = _stored_tracked(old_payloads[ident])
        outcome.history.append(_change(key, "deleted", before, None, now))
    outcome.deleted = len(gone)

    milestone_rows, gone_milestones = _milestones(tx, result, now, outcome.history)

    outcome.changes = tx.record(result.changes) + tx.record(outcome.history)
    tx.upsert_items(outcome.item_rows)
    tx.delete_items(gone)
    tx.upsert_milestones(milestone_rows)
    tx.delete_milestones(gone_milestones)
    tx.finish(result.cursor, census=result.census)
    return outcome


def _latest_by_id(items: Iterable[WorkItem]) -> dict[str, WorkItem]:
    """Pages can overlap and repeat an item: keep the latest version of each (last on ties)."""
    latest: dict[str, WorkItem] = {}
    for item in items:
        seen = latest.get(item.id)
        if seen is None or item.updated >= seen.updated:
            latest[item.id] = item
    return latest


def _deletions(
    tx: SyncWriter, result: ReadResult, incoming: Mapping[str, WorkItem], *, allow_empty: bool
) -> dict[str, str]:
    """Id -> key of the live items this read says are gone."""
    gone: dict[str, str] = {}
    if result.census or result.census_ids is not None:
        live = tx.live_items()
        present = set(incoming) | set(result.census_ids or ())
        if not present and live and not allow_empty:
            raise SyncError(_lost_access_message(tx.source, len(live), len(result.rejected)))
        # A malformed item is still there: it was reported, it must not read as deleted.
        malformed = {rejected.key for rejected in result.rejected}
        gone.update(
            (ident, key)
            for ident, key in live.items()
            if ident not in present and key not in malformed
        )
    named = [ident for ident in result.deleted if ident not in incoming and ident not in gone]
    gone.update(
        (ident, stored.key) for ident, stored in tx.items(named).items() if not stored.deleted
    )
    return gone


def _lost_access_message(source: str, live: int, rejected: int) -> str:
    malformed = f" ({rejected} rejected as malformed)" if rejected else ""
    return (
        f"{source}: the tracker returned no items{malformed} while the store holds {live}: "
        "this looks like lost access (permissions, wrong project), not deletion; nothing "
        "was changed. Run with --allow-empty if the project really is empty."
    )


def _upserts(
    tx: SyncWriter,
    incoming: Mapping[str, WorkItem],
    told: set[tuple[str, str]],
    outcome: _Outcome,
) -> None:
    stored = tx.items(incoming)
    changed: list[tuple[WorkItem, StoredItem]] = []
    for ident, item in incoming.items():
        payload = item.model_dump_json()
        digest = payload_digest(payload)
        before = stored.get(ident)
        if before is not None and not before.deleted:
            # Stale: an overlapping window re-sent an older version than the one we hold.
            if before.updated > item.updated or before.digest == digest:
                outcome.unchanged += 1
                continue
            changed.append((item, before))
            outcome.updated += 1
        else:
            # A new item dates from its creation; one coming back from deletion from now.
            at = item.created if before is None else item.updated
            outcome.history.append(_change(item.key, "created", None, _tracked(item), at))
            outcome.inserted += 1
        outcome.item_rows.append(ItemRow(ident, item.key, item.updated, digest, payload))
    old_payloads = tx.payloads(item.id for item, _ in changed)
    for item, before in changed:
        if before.key != item.key:
            outcome.history.append(_change(item.key, "key", before.key, item.key, item.updated))
        old = _stored_tracked(old_payloads[item.id])
        new = _tracked(item)
        outcome.history.extend(
            _change(item.key, name, old[name], new[name], item.updated)
            for name in TRACKED_FIELDS
            if old[name] != new[name] and (item.key, name) not in told
        )


def _milestones(
    tx: SyncWriter, result: ReadResult, now: datetime, history: list[HistoryEntry]
) -> tuple[list[MilestoneRow], list[str]]:
    incoming: dict[str, Milestone] = {m.id: m for m in result.milestones}
    stored = tx.milestones()
    rows: list[MilestoneRow] = []
    for milestone in incoming.values():
        payload = milestone.model_dump_json()
        digest = payload_digest(payload)
        due = milestone.due.isoformat() if milestone.due is not None else None
        before = stored.get(milestone.id)
        if before is not None and not before.deleted:
            if before.digest == digest:
                continue
            if before.due != due:
                # Milestones carry no update time: the change is dated by the sync.
                history.append(_change(milestone.id, "due", before.due, due, now))
        rows.append(MilestoneRow(milestone.id, due, digest, payload))
    gone: list[str] = []
    # Only a census that lists milestones at all can say one is gone: some readers
    # return none on some reads.
    if (result.census or result.milestone_census) and incoming:
        gone = [ident for ident, m in stored.items() if not m.deleted and ident not in incoming]
    return rows, gone


_TRACKED_SET = set(TRACKED_FIELDS)  # a set: the type pydantic's `include` takes


def _tracked(item: WorkItem) -> dict[str, Any]:
    # JSON mode, as stored: compares equal to `_stored_tracked` of the same item.
    return item.model_dump(mode="json", include=_TRACKED_SET)


def _stored_tracked(payload: str) -> dict[str, Any]:
    data = json.loads(payload)
    return {name: data.get(name) for name in TRACKED_FIELDS}


def _change(key: str, name: str, before: Any, after: Any, at: datetime) -> HistoryEntry:
    return HistoryEntry(key, name, before, after, at)
