"""What the connector keeps between reads, and raw task records turned into `AsanaTask`s.

`Cursor` is the opaque string the core stores: the events sync token, a time floor for
`modified_since`, the project's name (an incremental read needs no project request) and
each milestone's membership anchor (a change to one means a full read). `Events` sorts an
events page into changed and deleted task gids and the stories worth reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from clientsync.ports import RejectedItem

from .history import HISTORY_STORIES
from .mapping import AsanaSettings, AsanaTask

__all__ = ["SOURCE", "Cursor", "Events", "Parsed", "layout", "merge", "parse"]

SOURCE = "asana"


class Cursor(BaseModel):
    """What the next read needs: the sync token, a time floor and the milestone layout."""

    model_config = ConfigDict(extra="ignore")

    v: int = 1
    sync: str | None = None
    since: datetime | None = None
    name: str = ""
    url: str | None = None
    ms: dict[str, list[str | None]] = {}


class Events:
    """Task gids the events name, sorted into changed, deleted and with history stories."""

    def __init__(self, events: Iterable[Mapping[str, Any]], project: str) -> None:
        self.changed: set[str] = set()
        self.deleted: set[str] = set()
        self.stories: dict[str, set[str]] = {}
        self.earliest: datetime | None = None
        for event in events:
            resource = event.get("resource") or {}
            parent = event.get("parent") or {}
            gid, action = str(resource.get("gid", "")), event.get("action")
            if resource.get("resource_type") == "story" and parent.get("resource_type") == "task":
                self._touch(str(parent["gid"]), event)
                # /events names no story kind (webhooks do): read any story not known to be
                # something else; only the history kinds become changes.
                kind = resource.get("resource_subtype")
                if kind is None or kind in HISTORY_STORIES:
                    self.stories.setdefault(str(parent["gid"]), set()).add(gid)
            elif resource.get("resource_type") == "task" and gid:
                gone = action == "deleted" or (action == "removed" and parent.get("gid") == project)
                if gone:
                    self.changed.discard(gid)
                    self.deleted.add(gid)
                else:
                    self.deleted.discard(gid)
                    self._touch(gid, event)

    def _touch(self, gid: str, event: Mapping[str, Any]) -> None:
        self.changed.add(gid)
        try:
            at = datetime.fromisoformat(str(event.get("created_at")).replace("Z", "+00:00"))
        except ValueError:
            return
        self.earliest = at if self.earliest is None else min(self.earliest, at)


def layout(tasks: Iterable[AsanaTask], project: str) -> dict[str, list[str | None]]:
    """Each milestone's membership anchor: its section, then what it depends on."""
    layout: dict[str, list[str | None]] = {}
    for task in tasks:
        if task.is_milestone:
            section = task.section_in(project)
            deps: list[str | None] = [d.gid for d in sorted(task.dependencies, key=lambda d: d.gid)]
            layout[task.gid] = [section.gid if section else None, *deps]
    return layout


def _raw_key(record: Mapping[str, Any]) -> str:
    for field in record.get("custom_fields") or ():
        if (
            isinstance(field, Mapping)
            and field.get("representation_type") == "custom_id"
            and field.get("display_value")
        ):
            return str(field["display_value"])
    return str(record.get("gid") or "(no gid)")


Parsed = tuple[list[AsanaTask], list[RejectedItem]]


def merge(parts: Iterable[Parsed]) -> Parsed:
    """Parsed parts as one, de-duplicated by gid (latest `modified_at` wins)."""
    tasks: dict[str, AsanaTask] = {}
    rejected: list[RejectedItem] = []
    for part_tasks, part_rejected in parts:
        rejected.extend(part_rejected)
        for task in part_tasks:
            seen = tasks.get(task.gid)
            if seen is None or task.modified_at >= seen.modified_at:
                tasks[task.gid] = task
    return list(tasks.values()), rejected


def parse(records: Iterable[Mapping[str, Any]], settings: AsanaSettings) -> Parsed:
    """Wire records to `AsanaTask`s, de-duplicated by gid (latest `modified_at` wins)."""
    tasks: dict[str, AsanaTask] = {}
    rejected: list[RejectedItem] = []
    for record in records:
        try:
            task = AsanaTask.model_validate(record)
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or "(task)"
                rejected.append(RejectedItem(SOURCE, _raw_key(record), field, error["msg"]))
            continue
        seen = tasks.get(task.gid)
        if seen is None or task.modified_at >= seen.modified_at:
            tasks[task.gid] = task
    return list(tasks.values()), rejected
