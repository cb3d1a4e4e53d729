"""The tracker-agnostic model: what a project holds at one moment.

Field names here are a public contract (JSON Schema, store, connectors): add fields,
never rename them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from .base import DomainModel, UtcDatetime


class ItemKind(StrEnum):
    TASK = "task"
    BUG = "bug"
    STORY = "story"
    EPIC = "epic"
    SUBTASK = "subtask"
    MILESTONE = "milestone"
    REQUEST = "request"


class ItemState(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (ItemState.TODO, ItemState.IN_PROGRESS)


OPEN_STATES = frozenset({ItemState.TODO, ItemState.IN_PROGRESS})
"""States of work still to do. Hot loops test `item.state in OPEN_STATES` directly."""


class EstimateUnit(StrEnum):
    POINTS = "points"
    HOURS = "hours"
    ITEMS = "items"


class Visibility(StrEnum):
    CLIENT = "client"
    INTERNAL = "internal"


JsonValue = Any
"""A value as it came from the tracker, kept JSON-serialisable in `WorkItem.extra`."""


class WorkItem(DomainModel):
    """One issue, card or task."""

    id: str = Field(min_length=1, description="The tracker's stable id.")
    key: str = Field(min_length=1, description="The human key (PROJ-12, card short id, gid).")
    title: str
    url: str | None = None
    kind: ItemKind = ItemKind.TASK
    status: str = Field("", description="The tracker's native status name.")
    state: ItemState = ItemState.TODO
    blocked: bool = False
    blocked_reason: str | None = None
    milestones: tuple[str, ...] = Field((), description="Ids of the milestones it belongs to.")
    parent: str | None = Field(None, description="Key of the parent item.")
    blocks: tuple[str, ...] = Field((), description="Keys of the items this one blocks.")
    blocked_by: tuple[str, ...] = Field((), description="Keys of the items blocking this one.")
    due: date | None = None
    start: date | None = None
    created: UtcDatetime
    updated: UtcDatetime
    completed_at: UtcDatetime | None = None
    estimate: float | None = Field(None, ge=0)
    estimate_unit: EstimateUnit = EstimateUnit.POINTS
    spent_hours: float | None = Field(None, ge=0)
    priority: str | None = None
    labels: tuple[str, ...] = ()
    assignee: str | None = None
    client_request: bool = False
    visibility: Visibility = Visibility.CLIENT
    extra: dict[str, JsonValue] = Field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Milestone(DomainModel):
    """An agreed delivery point: a fix version, a milestone task, a label with a date."""

    id: str = Field(min_length=1)
    name: str
    due: date | None = None
    start: date | None = None
    done: bool = False
    completed_at: UtcDatetime | None = None
    description: str | None = None
    deliverables: tuple[str, ...] = ()


class Project(DomainModel):
    id: str = Field(min_length=1)
    name: str
    url: str | None = None
    tracker: str = Field("file", description="The connector that reads it.")
    timezone: str = Field("UTC", description="IANA zone used for day boundaries.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin'"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Snapshot(DomainModel):
    """A project as read at one moment."""

    project: Project
    taken_at: UtcDatetime
    items: tuple[WorkItem, ...] = ()
    milestones: tuple[Milestone, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        _require_unique("items", [i.id for i in self.items], "id")
        _require_unique("items", [i.key for i in self.items], "key")
        _require_unique("milestones", [m.id for m in self.milestones], "id")
        return self

    # Built on first lookup (views look items up by key many times over a large snapshot)
    # and tied to the very tuple it indexes, so a model_copy with new items never reuses it.
    _item_index: tuple[tuple[WorkItem, ...], dict[str, WorkItem]] | None = PrivateAttr(None)
    _milestone_index: tuple[tuple[Milestone, ...], dict[str, Milestone]] | None = PrivateAttr(None)

    def __eq__(self, other: object) -> bool:
        # The lookup caches are not part of the value: two snapshots of the same items are
        # equal whichever of them has been looked into.
        if not isinstance(other, Snapshot):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    def item(self, key: str) -> WorkItem | None:
        return self.items_by_key().get(key)

    def items_by_key(self) -> Mapping[str, WorkItem]:
        """Every item by key, built once per snapshot and shared by the views (read only)."""
        if self._item_index is None or self._item_index[0] is not self.items:
            self._item_index = (self.items, {i.key: i for i in self.items})
        return self._item_index[1]

    def milestone(self, milestone_id: str) -> Milestone | None:
        if self._milestone_index is None or self._milestone_index[0] is not self.milestones:
            self._milestone_index = (self.milestones, {m.id: m for m in self.milestones})
        return self._milestone_index[1].get(milestone_id)

    @classmethod
    def from_json(cls, data: str | bytes) -> Snapshot:
        """Parse a snapshot, turning pydantic's error into one that names item and field."""
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            raise SnapshotError(describe_validation_error(exc, data)) from None


TRACKED_FIELDS = (
    "state",
    "status",
    "due",
    "milestones",
    "estimate",
    "blocked",
    "title",
    "completed_at",
)
"""Fields whose changes go into the history (the rest are kept, not diffed)."""


class ItemChange(DomainModel):
    """One field of one item changed: the history sync records by diffing."""

    key: str
    field: str
    before: JsonValue = None
    after: JsonValue = None
    at: UtcDatetime
    reason: str | None = Field(None, description="Why, when the tracker says (a comment, a link).")


class SnapshotError(ValueError):
    """A snapshot payload failed validation; the message names the item key and field."""


def _require_unique(collection: str, values: list[str], field: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{collection}: duplicate {field} {value!r}")
        seen.add(value)


def describe_validation_error(exc: ValidationError, data: str | bytes | None = None) -> str:
    """One line per error: `items[3] (key PROJ-7) field 'due': Input should be a valid date`."""
    import json

    parsed: Any = None
    if data is not None:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        lines.append(f"{_locate(loc, parsed)}: {error['msg']}")
    return "; ".join(lines)


def _locate(loc: tuple[int | str, ...], parsed: Any) -> str:
    if len(loc) >= 2 and loc[0] in ("items", "milestones") and isinstance(loc[1], int):
        collection, index = str(loc[0]), loc[1]
        who = f"{collection}[{index}]"
        try:
            entry = parsed[collection][index]
            ident = entry.get("key") or entry.get("id")
            if ident:
                who += f" (key {ident})" if collection == "items" else f" (id {ident})"
        except (TypeError, KeyError, IndexError, AttributeError):
            pass
        field = ".".join(str(p) for p in loc[2:]) or "(whole entry)"
        return f"{who} field {field!r}"
    return "field " + repr(".".join(str(p) for p in loc) or "(root)")
