"""Task stories as `ItemChange`s: Asana's only record of when a due date or section moved.

System stories carry `old_dates`/`new_dates`, `old_section`/`new_section`, and the
completion toggles; field names follow the store's history (`due`, `status`,
`completed_at`), values the model's JSON form, so the sync's own diff stays quiet where a
story already spoke.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from clientsync.domain.base import UtcDatetime
from clientsync.domain.model import ItemChange

__all__ = ["HISTORY_STORIES", "STORY_FIELDS", "changes_from_stories"]

HISTORY_STORIES = frozenset(
    {"due_date_changed", "section_changed", "marked_complete", "marked_incomplete"}
)
STORY_FIELDS = "created_at,resource_subtype,old_dates,new_dates,old_section.name,new_section.name"

_instant: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)


def _when(value: Any) -> datetime | None:
    try:
        return _instant.validate_python(value)
    except ValidationError:
        return None


def _due(dates: Any, zone: ZoneInfo) -> str | None:
    if not isinstance(dates, Mapping):
        return None
    if dates.get("due_on"):
        return date.fromisoformat(str(dates["due_on"])).isoformat()
    if dates.get("due_at"):
        moment = _when(dates["due_at"])
        return moment.astimezone(zone).date().isoformat() if moment else None
    return None


def _name(section: Any) -> str | None:
    return str(section.get("name")) if isinstance(section, Mapping) else None


def changes_from_stories(
    key: str, stories: Iterable[Mapping[str, Any]], *, zone: ZoneInfo
) -> list[ItemChange]:
    """The history changes in one task's stories, oldest first; others are skipped."""
    changes: list[ItemChange] = []
    completed: str | None = None  # the last completion seen, what "marked incomplete" undoes
    for story in stories:
        kind = story.get("resource_subtype")
        at = _when(story.get("created_at"))
        if kind not in HISTORY_STORIES or at is None:
            continue
        if kind == "due_date_changed":
            before, after = _due(story.get("old_dates"), zone), _due(story.get("new_dates"), zone)
            changes.append(ItemChange(key=key, field="due", before=before, after=after, at=at))
        elif kind == "section_changed":
            before, after = _name(story.get("old_section")), _name(story.get("new_section"))
            changes.append(ItemChange(key=key, field="status", before=before, after=after, at=at))
        else:
            stamp = _instant.dump_python(at, mode="json")
            done = kind == "marked_complete"
            before, completed = (None, stamp) if done else (completed, None)
            changes.append(
                ItemChange(key=key, field="completed_at", before=before, after=completed, at=at)
            )
    changes.sort(key=lambda change: change.at)
    return changes
