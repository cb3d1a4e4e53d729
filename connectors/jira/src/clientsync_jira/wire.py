"""Wire models: the Jira payload shapes the connector reads, lenient about everything else.

Every model ignores unknown keys and accepts null or missing fields: team-managed projects
narrow the field list, sites differ, and Data Center answers in REST v2 shapes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def parse_jira_datetime(value: Any) -> datetime | None:
    """`2025-05-02T11:14:27.513+0200`, `...Z`, or epoch milliseconds; always aware."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise ValueError(f"not a date-time: {value!r}")
    if parsed.tzinfo is None:
        raise ValueError(f"date-time without a time zone: {value!r}")
    return parsed


def parse_jira_date(value: Any) -> date | None:
    """`YYYY-MM-DD` (a day, no zone); a date-time string keeps its own calendar day."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"not a date: {value!r}")


JiraDatetime = Annotated[datetime | None, BeforeValidator(parse_jira_datetime)]
JiraDate = Annotated[date | None, BeforeValidator(parse_jira_date)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class StatusCategory(Wire):
    key: str | None = None
    name: str | None = None


class Status(Wire):
    id: str | None = None
    name: str = ""
    status_category: StatusCategory | None = Field(None, alias="statusCategory")


class IssueType(Wire):
    id: str | None = None
    name: str = ""
    subtask: bool = False
    hierarchy_level: int | None = Field(None, alias="hierarchyLevel")


class Named(Wire):
    id: str | None = None
    name: str | None = None


class User(Wire):
    account_id: str | None = Field(None, alias="accountId")
    display_name: str | None = Field(None, alias="displayName")
    email_address: str | None = Field(None, alias="emailAddress")
    name: str | None = None  # Data Center user name


class VersionRef(Wire):
    id: str
    name: str = ""


class LinkedIssueFields(Wire):
    status: Status | None = None


class LinkedIssue(Wire):
    id: str | None = None
    key: str
    fields: LinkedIssueFields | None = None


class LinkType(Wire):
    id: str | None = None
    name: str = ""
    inward: str = ""
    outward: str = ""


class IssueLink(Wire):
    type: LinkType
    inward_issue: LinkedIssue | None = Field(None, alias="inwardIssue")
    outward_issue: LinkedIssue | None = Field(None, alias="outwardIssue")


class ParentRef(Wire):
    id: str | None = None
    key: str


class TimeTracking(Wire):
    original_estimate_seconds: int | None = Field(None, alias="originalEstimateSeconds")
    time_spent_seconds: int | None = Field(None, alias="timeSpentSeconds")


class ChangeItem(Wire):
    field: str = ""
    field_id: str | None = Field(None, alias="fieldId")
    from_value: str | None = Field(None, alias="from")
    from_string: str | None = Field(None, alias="fromString")
    to_value: str | None = Field(None, alias="to")
    to_string: str | None = Field(None, alias="toString")

    @property
    def key(self) -> str:
        """`fieldId` when Jira sends it, else the (display) field name."""
        return self.field_id or self.field


class History(Wire):
    id: str
    created: JiraDatetime = None
    items: tuple[ChangeItem, ...] = ()


class EmbeddedChangelog(Wire):
    start_at: int = Field(0, alias="startAt")
    total: int | None = None
    histories: tuple[History, ...] = ()

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.histories)


class IssueFields(Wire):
    """The fields the connector asks for; custom fields stay in the raw dict."""

    summary: str | None = None
    status: Status | None = None
    issuetype: IssueType | None = None
    priority: Named | None = None
    resolution: Named | None = None
    security: Named | None = None
    assignee: User | None = None
    reporter: User | None = None
    labels: tuple[str, ...] | None = None
    duedate: JiraDate = None
    created: JiraDatetime = None
    updated: JiraDatetime = None
    resolutiondate: JiraDatetime = None
    fix_versions: tuple[VersionRef, ...] | None = Field(None, alias="fixVersions")
    parent: ParentRef | None = None
    issuelinks: tuple[IssueLink, ...] | None = None
    timetracking: TimeTracking | None = None
    timeoriginalestimate: int | None = None
    timespent: int | None = None


class Issue(Wire):
    id: str
    key: str
    self_url: str | None = Field(None, alias="self")
    fields: dict[str, Any] = Field(default_factory=dict)
    changelog: EmbeddedChangelog | None = None


class Version(Wire):
    id: str
    name: str = ""
    description: str | None = None
    archived: bool = False
    released: bool = False
    start_date: JiraDate = Field(None, alias="startDate")
    release_date: JiraDate = Field(None, alias="releaseDate")


class FieldDetails(Wire):
    id: str
    name: str = ""
    custom: bool = False
    clause_names: tuple[str, ...] = Field((), alias="clauseNames")
    schema_: dict[str, Any] | None = Field(None, alias="schema")

    @property
    def custom_type(self) -> str:
        return str((self.schema_ or {}).get("custom") or "")
