"""The expectation drift view: what moved away from the agreed baseline, and the notices.

Field names here are a public contract (the report's JSON Schema): add fields, never
rename them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from .base import DomainModel, UtcDatetime
from .baseline import ChangeAcknowledgement
from .model import JsonValue


class DriftKind(StrEnum):
    SCOPE_ADDED = "scope-added"
    SCOPE_REMOVED = "scope-removed"
    ESTIMATE_CHANGED = "estimate-changed"
    MILESTONE_MOVED = "milestone-moved"
    MILESTONE_ADDED = "milestone-added"
    MILESTONE_REMOVED = "milestone-removed"
    BUDGET_BURN = "budget-burn"


REASON_NEEDED = "reason needed"
BUDGET_SUBJECT = "budget"
UNPLANNED_NOTICE = "unplanned"
"""The id of the notice for work added outside any milestone."""


class DriftEvent(DomainModel):
    kind: DriftKind
    subject: str = Field(description="Item key, milestone id, or 'budget'.")
    title: str = Field(description="One human-readable line.")
    milestone: str | None = Field(None, description="The milestone it affects.")
    before: JsonValue = None
    after: JsonValue = None
    days: int | None = Field(None, description="milestone-moved: days later (+) or earlier (-).")
    at: UtcDatetime | None = Field(None, description="When it happened, if history says.")
    reason: str | None = Field(None, description="Why, if the tracker says.")


class MilestoneDrift(DomainModel):
    milestone: str
    name: str
    baseline_due: date | None = None
    due: date | None = None
    slip_days: int = 0
    items_added: int = 0
    items_removed: int = 0
    scope_change_percent_count: float = 0.0
    scope_change_percent_estimate: float | None = None


class ChangeOption(DomainModel):
    kind: str = Field(description="'descope', 'move-date' or 'add-throughput'.")
    summary: str
    items: tuple[str, ...] = ()
    amount: float | None = None
    new_due: date | None = None


class ChangeNotice(DomainModel):
    milestone: str | None = Field(None, description="None for project-wide changes (budget).")
    milestone_name: str
    what: tuple[str, ...]
    why: str = Field(description="The reasons given, or 'reason needed'.")
    reason_needed: bool
    impact: str
    due_before: date | None = None
    due_after: date | None = None
    forecast_before: date | None = Field(None, description="P85 on the agreed scope.")
    forecast_after: date | None = Field(None, description="P85 on the current scope.")
    probability_before: float | None = None
    probability_after: float | None = None
    options: tuple[ChangeOption, ...] = ()
    events: tuple[DriftEvent, ...] = ()
    reasons: tuple[str, ...] = Field((), description="The distinct reasons given.")
    unexplained: tuple[str, ...] = Field((), description="Subjects of changes with no reason.")

    id: str = Field(
        "",
        description="Stable across reports: the milestone's id, `budget`, or `unplanned` "
        "(work added outside any milestone). `clientsync baseline accept --notice ID` takes it.",
    )
    acknowledged_by: str | None = Field(
        None,
        description="Who signed this notice off, when the baseline was made by that sign-off "
        "and the change still shows (a budget overrun does); null while it awaits sign-off.",
    )
    acknowledged_at: UtcDatetime | None = None

    @property
    def awaiting_sign_off(self) -> bool:
        return self.acknowledged_by is None

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id"):
            return {**data, "id": _notice_id(data)}
        return data


class BudgetBurn(DomainModel):
    budget_hours: float
    spent_hours: float
    burn_percent: float
    progress_percent: float = Field(description="Share of baseline scope done.")

    @property
    def projected_hours(self) -> float | None:
        """The hours the agreed scope needs at this rate; None while none of it is done."""
        if self.progress_percent <= 0:
            return None
        return self.spent_hours * 100 / self.progress_percent


class DriftView(DomainModel):
    baseline_id: str | None = None
    baseline_name: str | None = None
    agreed_by: str | None = None
    agreed_at: UtcDatetime | None = None
    events: tuple[DriftEvent, ...] = ()
    milestones: tuple[MilestoneDrift, ...] = ()
    notices: tuple[ChangeNotice, ...] = ()
    budget: BudgetBurn | None = None
    acknowledgements: tuple[ChangeAcknowledgement, ...] = Field(
        (),
        description="The changes the client has agreed to, oldest first: every sign-off "
        "the baseline records.",
    )

    @property
    def awaiting_sign_off(self) -> tuple[ChangeNotice, ...]:
        """The notices the client has not signed off yet."""
        return tuple(n for n in self.notices if n.awaiting_sign_off)


def notice_id_of(event: DriftEvent) -> str:
    """The id of the notice that lists `event`: the same rule as `_notice_id` below, for
    one event rather than a notice's fields."""
    if event.kind is DriftKind.BUDGET_BURN:
        return BUDGET_SUBJECT
    return event.milestone if event.milestone is not None else UNPLANNED_NOTICE


def _notice_id(data: dict[str, Any]) -> str:
    if data.get("milestone") is not None:
        return str(data["milestone"])
    kinds = {
        event.kind if isinstance(event, DriftEvent) else event.get("kind")
        for event in data.get("events", ())
    }
    return BUDGET_SUBJECT if DriftKind.BUDGET_BURN in kinds else UNPLANNED_NOTICE
