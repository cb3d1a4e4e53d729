"""What an audience may see, applied to the snapshot before any view is computed.

Filtering the data, not the rendered text, means no view can leak what it never got.
The stance is default-deny for the client levels: internal items vanish entirely, and
item fields outside the level's allowance are blanked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import Field

from .base import DomainModel, replaced
from .baseline import Baseline
from .model import TRACKED_FIELDS, ItemChange, Snapshot, Visibility, WorkItem


class DetailLevel(StrEnum):
    EXECUTIVE = "executive"
    CLIENT = "client"
    INTERNAL = "internal"


# Fields a redacted item falls back to; everything else on WorkItem is kept.
BLANK_VALUES: dict[str, Any] = {
    "assignee": None,
    "extra": {},
    "spent_hours": None,
    "labels": (),
    "blocked_reason": None,
    "url": None,
    "priority": None,
    "status": "",
}
HIDEABLE_FIELDS = frozenset(BLANK_VALUES)
"""The item fields a detail level may hide."""

# History fields a client may see; values of other fields (assignee, labels) are people or
# internal markers.
_CLIENT_HISTORY_FIELDS = frozenset(TRACKED_FIELDS) | {"created", "deleted"}


class VisibilityPolicy(DomainModel):
    internal_labels: tuple[str, ...] = Field(
        ("internal",), description="Items with any of these labels are internal (any case)."
    )
    client_hidden_fields: tuple[str, ...] = ("assignee", "extra")
    client_extra_keys: tuple[str, ...] = Field(
        ("change_reason",),
        description="Keys of `extra` a client may see even though `extra` is hidden.",
    )
    executive_hidden_fields: tuple[str, ...] = (
        "assignee",
        "extra",
        "spent_hours",
        "labels",
        "blocked_reason",
        "url",
    )

    def is_internal(self, item: WorkItem) -> bool:
        if item.visibility is Visibility.INTERNAL:
            return True
        marks = {label.casefold() for label in self.internal_labels}
        return any(label.casefold() in marks for label in item.labels)

    def hidden_fields(self, level: DetailLevel) -> frozenset[str]:
        if level is DetailLevel.INTERNAL:
            return frozenset()
        fields = (
            self.executive_hidden_fields
            if level is DetailLevel.EXECUTIVE
            else self.client_hidden_fields
        )
        # Never negotiable below internal: people and raw tracker fields.
        return frozenset(fields) | {"assignee", "extra"}


def visible_snapshot(
    snapshot: Snapshot, level: DetailLevel, policy: VisibilityPolicy | None = None
) -> Snapshot:
    """The snapshot as an audience at `level` may see it."""
    return redact(snapshot, level, policy or VisibilityPolicy()).snapshot


class Redacted(NamedTuple):
    snapshot: Snapshot
    hidden_keys: frozenset[str]
    """Keys of the items removed: the baseline and history must forget them too."""


def redact(snapshot: Snapshot, level: DetailLevel, policy: VisibilityPolicy) -> Redacted:
    """The snapshot as `level` may see it, and the keys of the items it hides."""
    if level is DetailLevel.INTERNAL:
        return Redacted(snapshot, frozenset())
    hidden = hidden_item_keys(snapshot, policy)
    blank = [(f, BLANK_VALUES[f]) for f in sorted(policy.hidden_fields(level)) if f in BLANK_VALUES]
    extra_keys = policy.client_extra_keys if level is DetailLevel.CLIENT else ()
    items = []
    for item in snapshot.items:
        # An item with an internal label is hidden whole, so no kept item carries one.
        if item.key in hidden:
            continue
        # Copy only what changes: most items differ in a field or two, if at all.
        values = item.__dict__
        update = {f: v for f, v in blank if values[f] != v}
        if "extra" in update and extra_keys:
            kept = {k: item.extra[k] for k in extra_keys if k in item.extra}
            if kept == item.extra:
                del update["extra"]
            else:
                update["extra"] = kept
        if hidden:
            if item.blocks and not hidden.isdisjoint(item.blocks):
                update["blocks"] = tuple(k for k in item.blocks if k not in hidden)
            if item.blocked_by and not hidden.isdisjoint(item.blocked_by):
                update["blocked_by"] = tuple(k for k in item.blocked_by if k not in hidden)
            if item.parent in hidden:
                update["parent"] = None
        items.append(replaced(item, update) if update else item)
    return Redacted(snapshot.model_copy(update={"items": tuple(items)}), hidden)


class _LabelMarks:
    """Whether a label set carries a mark (any case), remembered per distinct label set:
    a project reuses a handful of label sets across thousands of items."""

    def __init__(self, marks: Iterable[str]) -> None:
        self.marks = frozenset(label.casefold() for label in marks)
        self._seen: dict[tuple[str, ...], bool] = {}

    def any_in(self, labels: tuple[str, ...]) -> bool:
        found = self._seen.get(labels)
        if found is None:
            found = self._seen[labels] = not self.marks.isdisjoint(map(str.casefold, labels))
        return found


def hidden_item_keys(snapshot: Snapshot, policy: VisibilityPolicy) -> frozenset[str]:
    """Keys of internal items, and of everything beneath an internal parent."""
    internal_marks = _LabelMarks(policy.internal_labels)
    hidden: set[str] = set()
    children: dict[str, list[str]] = {}
    internal = Visibility.INTERNAL
    for item in snapshot.items:  # one pass: the marked items, and who is whose child
        if item.visibility is internal or (item.labels and internal_marks.any_in(item.labels)):
            hidden.add(item.key)
        if item.parent is not None:
            children.setdefault(item.parent, []).append(item.key)
    stack = list(hidden)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in hidden:
                hidden.add(child)
                stack.append(child)
    return frozenset(hidden)


def visible_baseline(baseline: Baseline, hidden_keys: Iterable[str]) -> Baseline:
    # Copy, then drop the few hidden keys: cheaper than filtering every agreed item.
    scope, item_milestones = dict(baseline.scope), dict(baseline.item_milestones)
    for key in hidden_keys:
        scope.pop(key, None)
        item_milestones.pop(key, None)
    return baseline.model_copy(update={"scope": scope, "item_milestones": item_milestones})


def visible_history(
    history: Sequence[ItemChange], hidden_keys: Iterable[str], level: DetailLevel
) -> tuple[ItemChange, ...]:
    if level is DetailLevel.INTERNAL:
        return tuple(history)
    hidden = set(hidden_keys)
    return tuple(
        change
        for change in history
        if change.key not in hidden and change.field in _CLIENT_HISTORY_FIELDS
    )
