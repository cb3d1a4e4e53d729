"""Jira changelog histories -> `ItemChange`s for the fields clientsync tracks.

Status, due date, fix versions, Flagged and the estimates; each history's items keyed on
`fieldId` when Jira sends it, else on the display name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from clientsync.domain.model import ItemChange

from .mapping import MappingRules, number
from .wire import History

__all__ = ["fix_version_ids", "map_changes"]


def map_changes(
    key: str,
    histories: Iterable[History],
    current_versions: Sequence[str],
    rules: MappingRules,
) -> list[ItemChange]:
    """Changelog histories (any order) as `ItemChange`s for the tracked fields.

    Fix versions change one id at a time (a removal item plus an add item); the full set
    before and after each history is rebuilt backwards from the current set.
    """
    ordered = sorted(
        (h for h in histories if h.created is not None),
        key=lambda h: (h.created, _numeric(h.id)),
        reverse=True,
    )
    names = _change_names(rules)
    versions = set(current_versions)
    changes: list[ItemChange] = []
    for history in ordered:
        at = history.created
        assert at is not None  # filtered above
        added: set[str] = set()
        removed: set[str] = set()
        for item in history.items:
            found = names.get(item.key) or names.get(item.field.casefold())
            if found is None:
                continue
            name, kind = found
            if name == "milestones":
                added.update([item.to_value] if item.to_value else [])
                removed.update([item.from_value] if item.from_value else [])
                continue
            before = _change_value(kind, item.from_value, item.from_string)
            after = _change_value(kind, item.to_value, item.to_string)
            changes.append(ItemChange(key=key, field=name, before=before, after=after, at=at))
        if added or removed:
            previous = (versions - added) | removed
            changes.append(
                ItemChange(
                    key=key,
                    field=_versions_field(rules),
                    before=sorted(previous),
                    after=sorted(versions),
                    at=at,
                )
            )
            versions = previous
    changes.reverse()
    return changes


def fix_version_ids(issue: Mapping[str, Any]) -> list[str]:
    """The issue's current fix version ids: where `map_changes` rebuilds the sets from."""
    fields = issue.get("fields")
    versions = fields.get("fixVersions") if isinstance(fields, Mapping) else None
    return [str(v["id"]) for v in versions or () if isinstance(v, Mapping) and "id" in v]


# -- helpers ------------------------------------------------------------------------------


def _numeric(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _versions_field(rules: MappingRules) -> str:
    return "milestones" if rules.milestones == "versions" else "fix_versions"


ChangeKind = Literal["text", "date", "flag", "number", "seconds"]


def _change_names(rules: MappingRules) -> dict[str, tuple[str, ChangeKind]]:
    """Changelog field (id, or folded display name) -> (ItemChange field, value kind)."""
    original = "estimate" if rules.estimate == "hours" else "original_estimate"
    names: dict[str, tuple[str, ChangeKind]] = {
        "status": ("status", "text"),
        "duedate": ("due", "date"),
        "fixVersions": ("milestones", "text"),
        "fix version": ("milestones", "text"),
        "timeoriginalestimate": (original, "seconds"),
        "flagged": ("flagged", "flag"),
    }
    custom = rules.custom
    if custom.flagged:
        names[custom.flagged] = ("flagged", "flag")
    if custom.story_points:
        points = "estimate" if rules.estimate == "points" else "story_points"
        names[custom.story_points] = (points, "number")
    return names


def _change_value(kind: ChangeKind, value: str | None, text: str | None) -> Any:
    if kind == "date":
        return value or None
    if kind == "flag":
        return bool(text)
    if kind in ("number", "seconds"):
        amount = number(text if text not in (None, "") else value)
        if amount is not None and kind == "seconds":
            return round(amount / 3600, 4)
        return amount
    return text if text not in (None, "") else value
