"""The retrospective: what was planned against what happened, drawn from the figures."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from .base import DomainModel


class RiskSpan(DomainModel):
    id: str
    rule: str
    severity: str
    first_seen: date
    last_seen: date
    days: int
    came_true: bool = Field(description="Its milestone finished late or is overdue.")


class MilestoneRetro(DomainModel):
    id: str
    name: str
    baseline_due: date | None = None
    final_due: date | None = None
    completed_on: date | None = None
    slip_days: int | None = Field(None, description="Completion (or today) vs baseline due.")
    items_added: int = 0
    items_removed: int = 0
    scope_change_percent: float = 0.0
    risks: tuple[RiskSpan, ...] = ()
    forecast_error_days: int | None = Field(
        None, description="Earliest recorded P85 minus actual completion (negative: late)."
    )


class Retrospective(DomainModel):
    as_of: date
    milestones: tuple[MilestoneRetro, ...] = ()
    date_changes: int = 0
    findings: tuple[str, ...] = ()
