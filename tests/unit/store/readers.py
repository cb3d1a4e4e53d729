"""Small `TrackerReader`s, builders and store probes for the store and sync tests.

`ScriptedReader` returns the reads it is given, in turn, and records how it was called;
`VersionedTracker` is a tiny in-memory tracker whose cursor is a version counter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from clientsync.domain.model import Milestone, Project, WorkItem
from clientsync.ports import ReadResult
from clientsync.store import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROJECT = Project(id="acme", name="Acme portal", tracker="test")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def item(n: int, **fields: Any) -> WorkItem:
    values: dict[str, Any] = {
        "id": f"id-{n}",
        "key": f"AC-{n}",
        "title": f"Item {n}",
        "created": T0,
        "updated": T0,
    }
    return WorkItem(**(values | fields))


def milestone(n: int, **fields: Any) -> Milestone:
    values: dict[str, Any] = {"id": f"m{n}", "name": f"Release {n}", "due": date(2026, 6, n)}
    return Milestone(**(values | fields))


def census(*items: WorkItem, cursor: str = "c1", **fields: Any) -> ReadResult:
    return ReadResult(project=PROJECT, items=items, cursor=cursor, census=True, **fields)


def delta(*items: WorkItem, cursor: str = "c2", **fields: Any) -> ReadResult:
    return ReadResult(project=PROJECT, items=items, cursor=cursor, census=False, **fields)


@dataclass
class ScriptedReader:
    """Returns `reads` in order (the last one again once exhausted); exceptions are raised."""

    reads: list[ReadResult | Exception]
    calls: list[tuple[str | None, bool]] = field(default_factory=list)

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        self.calls.append((cursor, full))
        index = min(len(self.calls), len(self.reads)) - 1
        outcome = self.reads[index]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class VersionedTracker:
    """Items and milestones in memory; each change bumps a version; the cursor is it."""

    def __init__(self, items: Iterable[WorkItem] = (), milestones: Iterable[Milestone] = ()):
        self.version = 0
        self.items: dict[str, tuple[int, WorkItem]] = {}
        self.deleted: dict[str, int] = {}
        self.milestones = {m.id: m for m in milestones}
        for one in items:
            self.put(one)

    def put(self, one: WorkItem) -> None:
        self.version += 1
        self.items[one.id] = (self.version, one)
        self.deleted.pop(one.id, None)

    def update(self, item_id: str, *, when: datetime, **fields: Any) -> WorkItem:
        current = self.items[item_id][1]
        changed = WorkItem.model_validate(current.model_dump() | fields | {"updated": when})
        self.put(changed)
        return changed

    def delete(self, item_id: str) -> None:
        self.version += 1
        del self.items[item_id]
        self.deleted[item_id] = self.version

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        since = None if full or cursor is None else int(cursor)
        return ReadResult(
            project=PROJECT,
            items=tuple(one for v, one in self.items.values() if since is None or v > since),
            milestones=tuple(self.milestones.values()),
            deleted=() if since is None else tuple(i for i, v in self.deleted.items() if v > since),
            cursor=str(self.version),
            census=since is None,
        )


# -- looking into a store ----------------------------------------------------------------


def keys(store: Store, source: str = "src") -> list[str]:
    return sorted(i.key for i in store.snapshot(source, taken_at=at(99)).items)


def changes(store: Store, field: str | None = None) -> list[tuple[str, str, object, object]]:
    return [
        (c.key, c.field, c.before, c.after)
        for c in store.history()
        if field is None or c.field == field
    ]


def state_of(store: Store) -> tuple[object, ...]:
    return (store.snapshot("src", taken_at=at(99)), store.history(), store.cursor("src"))
