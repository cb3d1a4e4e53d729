"""Asana wire payloads (pydantic, extra="ignore") and their mapping into the domain model.

Everything Asana-shaped stays in this module: the connector hands it task dicts as the
API returned them and gets `WorkItem`s and `Milestone`s back.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from clientsync.domain.model import (
    EstimateUnit,
    ItemKind,
    ItemState,
    Milestone,
    Visibility,
    WorkItem,
)

__all__ = [
    "TASK_FIELDS",
    "AsanaSettings",
    "AsanaTask",
    "TaskIndex",
    "TaskRef",
    "to_milestone",
    "to_work_item",
]

TASK_FIELDS = ",".join(
    (
        "name",
        "completed",
        "completed_at",
        "due_on",
        "due_at",
        "start_on",
        "created_at",
        "modified_at",
        "resource_subtype",
        "assignee.name",
        "memberships.project.gid",
        "memberships.section.(gid|name)",
        "tags.name",
        "custom_fields.(name|resource_subtype|representation_type|display_value"
        "|number_value|enum_value.name)",
        "parent.gid",
        "dependencies.completed",
        "dependents",
        "num_subtasks",
        "permalink_url",
    )
)
"""The fields a read asks for (opt_fields, comma-joined): everything the model needs, no more."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Ref(_Wire):
    gid: str
    name: str | None = None


class Dependency(_Wire):
    gid: str
    completed: bool | None = None


class EnumValue(_Wire):
    name: str | None = None


class CustomField(_Wire):
    gid: str = ""
    name: str = ""
    resource_subtype: str | None = None
    representation_type: str | None = None
    display_value: str | None = None
    number_value: float | None = None
    enum_value: EnumValue | None = None


class Membership(_Wire):
    project: Ref | None = None
    section: Ref | None = None


class TaskRef(_Wire):
    """A task another names (a dependent); a webhook read-back adds whose milestone it is."""

    gid: str
    resource_subtype: str | None = None
    memberships: tuple[Membership, ...] = ()

    @field_validator("memberships", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    def is_milestone_in(self, project_gid: str) -> bool:
        return self.resource_subtype == "milestone" and any(
            m.project is not None and m.project.gid == project_gid for m in self.memberships
        )


class AsanaTask(_Wire):
    """A task record as `GET /projects/{gid}/tasks` returns it with `TASK_FIELDS`."""

    gid: str = Field(min_length=1)
    name: str = ""
    resource_subtype: str = "default_task"
    completed: bool = False
    completed_at: datetime | None = None
    due_on: date | None = None
    due_at: datetime | None = None
    start_on: date | None = None
    created_at: datetime
    modified_at: datetime
    assignee: Ref | None = None
    memberships: tuple[Membership, ...] = ()
    tags: tuple[Ref, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    parent: Ref | None = None
    dependencies: tuple[Dependency, ...] = ()
    dependents: tuple[TaskRef, ...] = ()
    num_subtasks: int = 0
    permalink_url: str | None = None

    @field_validator(
        "memberships", "tags", "custom_fields", "dependencies", "dependents", mode="before"
    )
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @property
    def is_milestone(self) -> bool:
        return self.resource_subtype == "milestone"

    def in_project(self, project_gid: str) -> bool:
        return any(m.project is not None and m.project.gid == project_gid for m in self.memberships)

    def section_in(self, project_gid: str) -> Ref | None:
        """The task's section (board column) in this project; tasks sit in several."""
        for membership in self.memberships:
            if membership.project is not None and membership.project.gid == project_gid:
                return membership.section
        return None

    def field_named(self, name: str) -> CustomField | None:
        wanted = name.casefold()
        return next((f for f in self.custom_fields if f.name.casefold() == wanted), None)


class AsanaSettings(_Wire):
    """How Asana's shapes map to clientsync's model; every option has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    in_progress_sections: tuple[str, ...] = ("*progress*", "doing", "*review*")
    cancelled_sections: tuple[str, ...] = ("cancel*", "won't do", "wont do")
    blocked_tag: str | None = "blocked"
    blocked_by_dependencies: bool = True
    estimate_field: str | None = "Story Points"
    estimate_unit: EstimateUnit = EstimateUnit.POINTS
    priority_field: str | None = "Priority"
    client_request_tag: str | None = "client-request"
    client_request_sections: tuple[str, ...] = ("*request*",)
    internal_tag: str | None = "internal"
    milestone_membership: Literal["dependencies", "section"] = "dependencies"
    key_field: str | None = None
    """A custom field whose value is the item key; default: a custom ID field, else the gid."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from None
        return value


@functools.cache
def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(p.casefold()) for p in patterns))


def _matches(name: str | None, patterns: tuple[str, ...]) -> bool:
    """Case-insensitive glob match (`*progress*`); compiled once per pattern set."""
    compiled = _pattern(patterns)
    if not name or compiled is None:
        return False
    return compiled.match(name.casefold()) is not None


def _has_tag(task: AsanaTask, tag: str | None) -> bool:
    if not tag:
        return False
    wanted = tag.casefold()
    return any((t.name or "").casefold() == wanted for t in task.tags)


def task_key(task: AsanaTask, settings: AsanaSettings) -> str:
    """The human key: the configured field's value, a custom ID field's, or the gid."""
    if settings.key_field:
        found = task.field_named(settings.key_field)
        value = found.display_value if found else None
    else:
        value = next(
            (f.display_value for f in task.custom_fields if f.representation_type == "custom_id"),
            None,
        )
    return value.strip() if value and value.strip() else task.gid


def due_date(task: AsanaTask, zone: ZoneInfo) -> date | None:
    """`due_on` is a calendar date; `due_at` is an instant, dated in the project's zone."""
    if task.due_on is not None:
        return task.due_on
    if task.due_at is not None:
        return task.due_at.astimezone(zone).date()
    return None


class TaskIndex:
    """What mapping one task needs to know about the others: keys and milestones.

    `milestones` maps a milestone gid to its membership anchor: the section gid (section
    membership) or nothing (dependency membership, resolved through `dependents`).
    """

    def __init__(
        self,
        project_gid: str,
        settings: AsanaSettings,
        *,
        keys: Mapping[str, str] | None = None,
        milestone_sections: Mapping[str, str | None] | None = None,
        completed: Mapping[str, bool] | None = None,
    ) -> None:
        self.project_gid = project_gid
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.keys = dict(keys or {})
        self.milestone_sections = dict(milestone_sections or {})
        self.completed = dict(completed or {})

    @classmethod
    def of(
        cls,
        project_gid: str,
        settings: AsanaSettings,
        tasks: Iterable[AsanaTask],
        *,
        known_milestones: Mapping[str, str | None] | None = None,
    ) -> TaskIndex:
        index = cls(project_gid, settings, milestone_sections=known_milestones)
        for task in tasks:
            index.keys[task.gid] = task_key(task, settings)
            index.completed[task.gid] = task.completed
            if task.is_milestone:
                section = task.section_in(project_gid)
                index.milestone_sections[task.gid] = section.gid if section else None
        return index

    def key_of(self, gid: str) -> str:
        return self.keys.get(gid, gid)

    def milestones_of(self, task: AsanaTask) -> tuple[str, ...]:
        if self.settings.milestone_membership == "dependencies":
            # A milestone depends on its deliverables: the task lists it among its dependents.
            found = [d.gid for d in task.dependents if d.gid in self.milestone_sections]
        else:
            section = task.section_in(self.project_gid)
            found = [
                gid
                for gid, anchor in self.milestone_sections.items()
                if section is not None and anchor == section.gid
            ]
        return tuple(sorted(found))


def _state(task: AsanaTask, section: str | None, settings: AsanaSettings) -> ItemState:
    if task.completed:
        return ItemState.DONE
    if _matches(section, settings.cancelled_sections):
        return ItemState.CANCELLED
    if _matches(section, settings.in_progress_sections):
        return ItemState.IN_PROGRESS
    return ItemState.TODO


def _estimate(task: AsanaTask, settings: AsanaSettings) -> float | None:
    if not settings.estimate_field:
        return None
    found = task.field_named(settings.estimate_field)
    if found is None or found.number_value is None:
        return None
    if found.number_value < 0:
        raise ValueError(f"custom field {found.name!r} is negative ({found.number_value})")
    return found.number_value


def to_work_item(task: AsanaTask, index: TaskIndex) -> WorkItem:
    """One non-milestone task as a `WorkItem`; raises ValueError/ValidationError if malformed."""
    settings = index.settings
    section_ref = task.section_in(index.project_gid)
    section = section_ref.name if section_ref else None
    open_dependencies = [
        d.gid
        for d in task.dependencies
        if not (d.completed if d.completed is not None else index.completed.get(d.gid, True))
    ]
    blocked_by_tag = _has_tag(task, settings.blocked_tag)
    blocked_by_deps = settings.blocked_by_dependencies and bool(open_dependencies)
    reason = None
    if blocked_by_deps:
        reason = "waiting on " + ", ".join(index.key_of(g) for g in open_dependencies)
    elif blocked_by_tag:
        reason = f"tagged {settings.blocked_tag}"
    priority = task.field_named(settings.priority_field) if settings.priority_field else None
    client_request = _has_tag(task, settings.client_request_tag) or _matches(
        section, settings.client_request_sections
    )
    return WorkItem(
        id=task.gid,
        key=task_key(task, settings),
        title=task.name,
        url=task.permalink_url,
        kind=ItemKind.SUBTASK if task.parent is not None else ItemKind.TASK,
        status=section or ("Completed" if task.completed else ""),
        state=_state(task, section, settings),
        blocked=not task.completed and (blocked_by_tag or blocked_by_deps),
        blocked_reason=reason if not task.completed else None,
        milestones=index.milestones_of(task),
        parent=index.key_of(task.parent.gid) if task.parent else None,
        blocks=tuple(sorted(index.key_of(d.gid) for d in task.dependents)),
        blocked_by=tuple(sorted(index.key_of(d.gid) for d in task.dependencies)),
        due=due_date(task, index.zone),
        start=task.start_on,
        created=task.created_at,
        updated=task.modified_at,
        completed_at=task.completed_at if task.completed else None,
        estimate=_estimate(task, settings),
        estimate_unit=settings.estimate_unit,
        priority=(priority.display_value or None) if priority else None,
        labels=tuple(t.name for t in task.tags if t.name),
        assignee=task.assignee.name if task.assignee else None,
        client_request=client_request,
        visibility=(
            Visibility.INTERNAL if _has_tag(task, settings.internal_tag) else Visibility.CLIENT
        ),
        extra={
            "asana_section": section,
            "asana_resource_subtype": task.resource_subtype,
            "asana_num_subtasks": task.num_subtasks,
            "asana_custom_fields": {
                f.name: f.display_value for f in task.custom_fields if f.display_value is not None
            },
        },
    )


def to_milestone(task: AsanaTask, index: TaskIndex) -> Milestone:
    """A milestone task: due from due_on/due_at (it has no start date), done when completed."""
    deliverables = tuple(sorted(index.key_of(d.gid) for d in task.dependencies))
    return Milestone(
        id=task.gid,
        name=task.name,
        due=due_date(task, index.zone),
        start=task.start_on,
        done=task.completed,
        completed_at=task.completed_at if task.completed else None,
        deliverables=deliverables,
    )
