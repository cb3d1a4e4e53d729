"""The risk register's vocabulary: rules, severities, trends and the risk itself."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from .base import DomainModel


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high", "critical").index(self.value)


class Trend(StrEnum):
    NEW = "new"
    ONGOING = "ongoing"
    WORSE = "worse"
    BETTER = "better"


class RiskRule(StrEnum):
    OVERDUE = "overdue"
    MILESTONE_OVERDUE = "milestone-overdue"
    FORECAST_SLIP = "forecast-slip"
    BLOCKED = "blocked"
    STALE = "stale"
    SCOPE_CREEP = "scope-creep"
    DATE_SLIP = "date-slip"
    UNASSIGNED_DUE_SOON = "unassigned-due-soon"
    MISSING_DUE_DATE = "missing-due-date"
    MISSING_ESTIMATE = "missing-estimate"
    CLIENT_WAITING = "client-waiting"
    DEPENDENCY_LATE = "dependency-late"


class Risk(DomainModel):
    id: str = Field(description="Stable across reports: rule and subject.")
    rule: RiskRule
    severity: Severity
    title: str
    detail: str
    milestone: str | None = None
    evidence: tuple[str, ...] = Field((), description="Item keys (or milestone ids).")
    impact_days: int | None = None
    impact_probability: float | None = None
    action: str = Field(description="What we suggest doing about it.")
    first_seen: date
    trend: Trend = Trend.NEW
