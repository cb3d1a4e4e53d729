"""The `[[sources]] connector = "jira"` options, validated, with the fix in every error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from clientsync.domain.model import ItemState
from clientsync.errors import ConfigError

from .mapping import CustomFieldIds, MappingRules

__all__ = ["JiraOptions"]


class JiraOptions(BaseModel):
    """Everything but the secrets, which come from the variables `*_env` names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    url: str = Field(description="https://<site>.atlassian.net, or the Data Center base URL")
    project: str = Field(min_length=1, description="The project key, e.g. CS")
    jql: str | None = Field(None, description="Extra JQL, AND-ed with the project")
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    auth: Literal["basic", "bearer"] = "basic"
    email_env: str = "JIRA_EMAIL"
    token_env: str = "JIRA_API_TOKEN"
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    connect_timeout_seconds: float = Field(5.0, gt=0, le=120)
    full_read: Literal["bulkfetch", "search"] = "bulkfetch"
    concurrency: int = Field(8, ge=1, le=32)
    page_size: int = Field(100, ge=1, le=5000)
    id_page_size: int = Field(5000, ge=1, le=5000)
    overlap_minutes: float = Field(5.0, ge=0, le=1440)
    census_every: int = Field(10, ge=0, description="An id census every N syncs; 0: only --full")
    history: bool = True
    # A field name or id, or "none" (the site has no such field); unset: discovered.
    story_points_field: str | None = None
    sprint_field: str | None = None
    flagged_field: str | None = None
    start_date_field: str | None = None
    milestones: Literal["versions", "epics", "issuetype"] = "versions"
    milestone_issue_type: str = "Milestone"
    status_states: dict[str, ItemState] = Field(default_factory=dict)
    cancelled_resolutions: tuple[str, ...] = ("Won't Do",)
    blocked_labels: tuple[str, ...] = ("blocked",)
    client_request_types: tuple[str, ...] = ()
    client_request_labels: tuple[str, ...] = ("client-request",)
    client_request_email_domains: tuple[str, ...] = ()
    internal_labels: tuple[str, ...] = ("internal",)
    internal_security_levels: tuple[str, ...] = ()
    estimate: Literal["auto", "points", "hours"] = "auto"
    updates_issue: str | None = Field(None, description="Default issue for client updates")
    updates_as: Literal["comment", "property"] = Field(
        "comment", description="Post updates as comments, or store them as an issue property"
    )
    updates_property: str = Field(
        "clientsync.update", min_length=1, description="The issue entity property's key"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or "@" in value.split("/")[2]:
            raise ValueError("url must be http(s)://host[/context] without credentials in it")
        return value.rstrip("/")

    def custom_field_options(self) -> dict[str, str | None]:
        """`CustomFieldIds` attribute -> what the user set (a name, an id, "none" or None)."""
        return {
            "story_points": self.story_points_field,
            "sprint": self.sprint_field,
            "flagged": self.flagged_field,
            "start_date": self.start_date_field,
        }

    def mapping_rules(self, custom: CustomFieldIds) -> MappingRules:
        """The mapping rules these options give, with the site's custom field ids."""
        return MappingRules(
            base_url=self.url,
            custom=custom,
            status_states={k.casefold(): v for k, v in self.status_states.items()},
            cancelled_resolutions=_folded(self.cancelled_resolutions),
            blocked_labels=_folded(self.blocked_labels),
            client_request_types=_folded(self.client_request_types),
            client_request_labels=_folded(self.client_request_labels),
            client_request_domains=_folded(self.client_request_email_domains),
            internal_labels=_folded(self.internal_labels),
            internal_security_levels=_folded(self.internal_security_levels),
            estimate=self.estimate,
            milestones=self.milestones,
            milestone_issue_type=self.milestone_issue_type,
        )

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> JiraOptions:
        try:
            return cls.model_validate(dict(options))
        except ValidationError as error:
            problems = []
            for e in error.errors():
                where = ".".join(str(p) for p in e["loc"]) or "(options)"
                if e["type"] == "extra_forbidden":
                    problems.append(f"unknown option {where!r}")
                else:
                    problems.append(f"{where}: {e['msg']}")
            known = ", ".join(sorted(cls.model_fields))
            raise ConfigError(f"jira connector: {'; '.join(problems)} (options: {known})") from None


def _folded(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)
