"""The client status view: overall and per-milestone RAG with reasons, and the sections
a status report is read by (successes, challenges, what is next, what we need)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from .base import DomainModel, UtcDatetime
from .forecast import MilestoneForecast
from .model import ItemState


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def rank(self) -> int:
        return ("green", "amber", "red").index(self.value)


class RagStatus(DomainModel):
    rag: Rag
    reasons: tuple[str, ...] = ()


class ItemSummary(DomainModel):
    """One line of a report section: what the reader needs about an item."""

    key: str
    title: str
    url: str | None = None
    state: ItemState
    status: str = ""
    milestones: tuple[str, ...] = ()
    due: date | None = None
    completed_at: UtcDatetime | None = None
    age_days: int | None = Field(None, description="Days in the section's condition.")
    note: str | None = Field(None, description="Blocked reason, waiting on whom, and so on.")


class MilestoneStatus(DomainModel):
    id: str
    name: str
    due: date | None = None
    rag: Rag
    reasons: tuple[str, ...] = ()
    forecast: MilestoneForecast | None = None
    done: int = Field(description="Items done (cancelled items are not counted at all).")
    total: int
    done_estimate: float = 0.0
    total_estimate: float = 0.0
    completed: bool = False


class Decision(DomainModel):
    """Something the client must decide or provide."""

    kind: str = Field(description="'change-notice' or 'waiting-on-client'.")
    subject: str = Field(description="Milestone id or item key.")
    title: str
    since: date | None = None


class StatusView(DomainModel):
    as_of: date
    since: date | None = Field(None, description="The previous report's day, if any.")
    overall: RagStatus
    milestones: tuple[MilestoneStatus, ...] = ()
    done_since_last: tuple[ItemSummary, ...] = ()
    in_progress: tuple[ItemSummary, ...] = ()
    blocked: tuple[ItemSummary, ...] = ()
    overdue: tuple[ItemSummary, ...] = ()
    coming_up: tuple[ItemSummary, ...] = ()
    client_requests: tuple[ItemSummary, ...] = ()
    decisions_needed: tuple[Decision, ...] = ()
