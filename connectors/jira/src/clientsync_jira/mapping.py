"""Jira payloads -> clientsync's domain: issues, versions (or epics) and changelog items.

Pure functions of a payload and `MappingRules` (the site's custom field ids: `fields`). A
record missing what the domain needs (an id, a key, the created/updated times) raises
`MappingError` naming the field; an odd optional field (a story-point value that is not a
number) is dropped, not fatal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import ValidationError

from clientsync.domain.model import (
    EstimateUnit,
    ItemKind,
    ItemState,
    Milestone,
    Visibility,
    WorkItem,
)

from .fields import NO_FIELD, CustomFieldIds, resolve_custom_fields
from .wire import (
    Issue,
    IssueFields,
    IssueLink,
    Version,
    parse_jira_date,
    parse_jira_datetime,
)

__all__ = [
    "NO_FIELD",
    "CustomFieldIds",
    "MappingError",
    "MappingRules",
    "issue_milestones",
    "map_issue",
    "map_issue_milestone",
    "map_version",
    "resolve_custom_fields",
]

MilestoneSource = Literal["versions", "epics", "issuetype"]
EstimateSource = Literal["auto", "points", "hours"]

_CATEGORY_STATES = {
    "new": ItemState.TODO,
    "indeterminate": ItemState.IN_PROGRESS,
    "done": ItemState.DONE,
}
_KIND_NAMES = {
    "bug": ItemKind.BUG,
    "story": ItemKind.STORY,
    "epic": ItemKind.EPIC,
    "task": ItemKind.TASK,
    "sub-task": ItemKind.SUBTASK,
    "subtask": ItemKind.SUBTASK,
}


class MappingError(ValueError):
    """A record the domain cannot take: `field` names the Jira field at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _fold(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


@dataclass(frozen=True)
class MappingRules:
    """How a site's statuses, labels and fields become domain values (from config)."""

    base_url: str
    custom: CustomFieldIds = field(default_factory=CustomFieldIds)
    status_states: Mapping[str, ItemState] = field(default_factory=dict)
    cancelled_resolutions: frozenset[str] = _fold(["Won't Do"])
    blocked_labels: frozenset[str] = _fold(["blocked"])
    blocking_link_types: frozenset[str] = _fold(["Blocks"])
    client_request_types: frozenset[str] = frozenset()
    client_request_labels: frozenset[str] = _fold(["client-request"])
    client_request_domains: frozenset[str] = frozenset()
    internal_labels: frozenset[str] = _fold(["internal"])
    internal_security_levels: frozenset[str] = frozenset()
    estimate: EstimateSource = "auto"
    milestones: MilestoneSource = "versions"
    milestone_issue_type: str = "Milestone"

    def state_for(self, status: str, category: str | None, resolution: str | None) -> ItemState:
        override = self.status_states.get(status.casefold())
        if override is not None:
            return override
        if resolution and resolution.casefold() in self.cancelled_resolutions:
            return ItemState.CANCELLED
        return _CATEGORY_STATES.get(category or "", ItemState.TODO)

    def is_milestone_issue(self, issuetype_name: str, hierarchy_level: int | None) -> bool:
        if self.milestones == "epics":
            return hierarchy_level == 1 or issuetype_name.casefold() == "epic"
        if self.milestones == "issuetype":
            return issuetype_name.casefold() == self.milestone_issue_type.casefold()
        return False


def map_issue(raw: Mapping[str, Any], rules: MappingRules) -> WorkItem:
    """One issue (search, bulkfetch or webhook shape) as a `WorkItem`."""
    issue = _parse(Issue, raw, "issue")
    fields = _parse(IssueFields, issue.fields, "fields")
    if fields.created is None:
        raise MappingError("created", "missing")
    if fields.updated is None:
        raise MappingError("updated", "missing")
    status = fields.status
    status_name = status.name if status else ""
    category = status.status_category.key if status and status.status_category else None
    resolution = fields.resolution.name if fields.resolution else None
    state = rules.state_for(status_name, category, resolution)
    labels = tuple(fields.labels or ())
    label_set = _fold(labels)
    issuetype = fields.issuetype
    type_name = issuetype.name if issuetype else ""

    blocked_by, blocks = _blocking_links(fields.issuelinks or (), rules)
    reasons = []
    flag = _flag_value(issue.fields.get(rules.custom.flagged) if rules.custom.flagged else None)
    if flag:
        reasons.append(f"flagged: {flag}")
    if blocked_by:
        reasons.append("blocked by " + ", ".join(blocked_by))
    if label_set & rules.blocked_labels:
        reasons.append("label " + ", ".join(sorted(label_set & rules.blocked_labels)))

    estimate, unit = _estimate(issue.fields, fields, rules)
    completed = None
    if not state.is_open:
        completed = fields.resolutiondate or _datetime_or_none(
            issue.fields.get("statuscategorychangedate")
        )
    try:
        return WorkItem(
            id=issue.id,
            key=issue.key,
            title=fields.summary or "",
            url=f"{rules.base_url.rstrip('/')}/browse/{issue.key}",
            kind=_kind(type_name, issuetype.hierarchy_level if issuetype else None, rules),
            status=status_name,
            state=state,
            blocked=bool(reasons),
            blocked_reason="; ".join(reasons) or None,
            milestones=_milestone_ids(fields, rules),
            parent=fields.parent.key if fields.parent else None,
            blocks=blocks,
            blocked_by=blocked_by,
            due=fields.duedate,
            start=_date_or_none(issue.fields.get(rules.custom.start_date or "")),
            created=fields.created,
            updated=fields.updated,
            completed_at=completed,
            estimate=estimate,
            estimate_unit=unit,
            spent_hours=_hours(fields.timespent),
            priority=fields.priority.name if fields.priority else None,
            labels=labels,
            assignee=fields.assignee.display_name if fields.assignee else None,
            client_request=_is_client_request(type_name, label_set, fields, rules),
            visibility=_visibility(label_set, fields, rules),
            extra=_extra(issue.fields, type_name, category, resolution, rules),
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise MappingError(".".join(str(p) for p in first["loc"]), first["msg"]) from None


def map_version(raw: Mapping[str, Any]) -> Milestone:
    version = _parse(Version, raw, "version")
    return Milestone(
        id=version.id,
        name=version.name,
        due=version.release_date,
        start=version.start_date,
        done=version.released,
        description=version.description or None,
    )


def map_issue_milestone(item: WorkItem) -> Milestone:
    """An epic (or an issue of the milestone type) as a milestone: its id is the issue id."""
    return Milestone(
        id=item.id,
        name=item.title,
        due=item.due,
        start=item.start,
        done=not item.is_open,
        completed_at=item.completed_at,
    )


def issue_milestones(items: Iterable[WorkItem], rules: MappingRules) -> list[Milestone]:
    """The epics (or milestone-type issues) among `items`, as milestones (not for versions)."""
    return [
        map_issue_milestone(item)
        for item in items
        if rules.is_milestone_issue(
            str(item.extra.get("issuetype", "")), 1 if item.kind is ItemKind.EPIC else None
        )
    ]


def _parse(model: Any, raw: Any, what: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or what
        raise MappingError(loc, first["msg"]) from None


def _kind(type_name: str, level: int | None, rules: MappingRules) -> ItemKind:
    if rules.milestones == "issuetype" and rules.is_milestone_issue(type_name, level):
        return ItemKind.MILESTONE
    if level == -1:
        return ItemKind.SUBTASK
    if level == 1:
        return ItemKind.EPIC
    return _KIND_NAMES.get(type_name.casefold(), ItemKind.TASK)


def _blocking_links(
    links: Sequence[IssueLink], rules: MappingRules
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    blocked_by: list[str] = []
    blocks: list[str] = []
    for link in links:
        if link.type.name.casefold() not in rules.blocking_link_types:
            continue
        if link.inward_issue is not None:
            status = link.inward_issue.fields.status if link.inward_issue.fields else None
            category = status.status_category.key if status and status.status_category else None
            if category != "done":  # a done blocker no longer blocks
                blocked_by.append(link.inward_issue.key)
        if link.outward_issue is not None:
            blocks.append(link.outward_issue.key)
    return tuple(sorted(set(blocked_by))), tuple(sorted(set(blocks)))


def _flag_value(value: Any) -> str | None:
    """Flagged is a multi-checkbox: `[{"value": "Impediment", ...}]`, null or `[]`."""
    if not value:
        return None
    if isinstance(value, list):
        names = [str(v.get("value") or "flagged") if isinstance(v, dict) else str(v) for v in value]
        return ", ".join(names) if names else None
    if isinstance(value, dict):
        return str(value.get("value") or "flagged")
    return str(value)


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number >= 0 else None
    return None  # an array or an object where a number belongs: not an estimate


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None or seconds < 0 else round(seconds / 3600, 4)


def _estimate(
    raw_fields: Mapping[str, Any], fields: IssueFields, rules: MappingRules
) -> tuple[float | None, EstimateUnit]:
    points_id = rules.custom.story_points
    points = number(raw_fields.get(points_id)) if points_id else None
    original = fields.timeoriginalestimate
    if original is None and fields.timetracking is not None:
        original = fields.timetracking.original_estimate_seconds
    hours = _hours(original)
    if rules.estimate == "points" or (rules.estimate == "auto" and points is not None):
        return points, EstimateUnit.POINTS
    if rules.estimate == "hours" or hours is not None:
        return hours, EstimateUnit.HOURS
    return None, EstimateUnit.POINTS


def _milestone_ids(fields: IssueFields, rules: MappingRules) -> tuple[str, ...]:
    if rules.milestones == "versions":
        return tuple(v.id for v in fields.fix_versions or ())
    parent = fields.parent
    return (parent.id,) if parent is not None and parent.id else ()


def _is_client_request(
    type_name: str, labels: frozenset[str], fields: IssueFields, rules: MappingRules
) -> bool:
    if type_name.casefold() in rules.client_request_types or labels & rules.client_request_labels:
        return True
    email = fields.reporter.email_address if fields.reporter else None
    if email and "@" in email:
        return email.rsplit("@", 1)[1].casefold() in rules.client_request_domains
    return False


def _visibility(labels: frozenset[str], fields: IssueFields, rules: MappingRules) -> Visibility:
    if labels & rules.internal_labels:
        return Visibility.INTERNAL
    level = fields.security.name if fields.security else None
    levels = rules.internal_security_levels
    if level and ("*" in levels or level.casefold() in levels):
        return Visibility.INTERNAL
    return Visibility.CLIENT


def _sprint_names(value: Any) -> list[str]:
    """Cloud: `[{"name": ...}]`; old Server: `"...Sprint@1[id=1,name=S 1,...]"` strings."""
    if not isinstance(value, list):
        return []
    names = []
    for sprint in value:
        if isinstance(sprint, dict) and sprint.get("name"):
            names.append(str(sprint["name"]))
        elif isinstance(sprint, str) and "name=" in sprint:
            names.append(sprint.split("name=", 1)[1].split(",", 1)[0])
    return names


def _extra(
    raw_fields: Mapping[str, Any],
    type_name: str,
    category: str | None,
    resolution: str | None,
    rules: MappingRules,
) -> dict[str, Any]:
    extra: dict[str, Any] = {"issuetype": type_name, "status_category": category}
    if resolution:
        extra["resolution"] = resolution
    if rules.custom.sprint:
        sprints = _sprint_names(raw_fields.get(rules.custom.sprint))
        if sprints:
            extra["sprints"] = sprints
    return extra


def _date_or_none(value: Any) -> date | None:
    try:
        return parse_jira_date(value)
    except ValueError:
        return None


def _datetime_or_none(value: Any) -> datetime | None:
    try:
        return parse_jira_datetime(value)
    except ValueError:
        return None
