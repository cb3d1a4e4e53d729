"""The agreed expectation a client signed up to: versioned, never edited in place."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from .base import DomainModel, UtcDatetime
from .model import Snapshot


class BaselineMilestone(DomainModel):
    name: str
    due: date | None = None


class Baseline(DomainModel):
    id: str = Field(min_length=1)
    name: str
    captured_at: UtcDatetime
    agreed_by: str | None = None
    agreed_at: UtcDatetime | None = None
    note: str | None = None
    scope: dict[str, float | None] = Field(
        default_factory=dict, description="Item key -> estimate (null when unestimated)."
    )
    item_milestones: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Item key -> milestone ids it was agreed under."
    )
    milestones: dict[str, BaselineMilestone] = Field(default_factory=dict)
    budget_hours: float | None = Field(None, ge=0)
    assumptions: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()


def capture_baseline(
    snapshot: Snapshot,
    *,
    id: str,
    captured_at: UtcDatetime,
    name: str | None = None,
    agreed_by: str | None = None,
    agreed_at: UtcDatetime | None = None,
    note: str | None = None,
    budget_hours: float | None = None,
    assumptions: tuple[str, ...] = (),
    constraints: tuple[str, ...] = (),
) -> Baseline:
    """The snapshot's open and done scope (cancelled items are not agreed work)."""
    from .model import ItemState

    in_scope = [i for i in snapshot.items if i.state is not ItemState.CANCELLED]
    return Baseline(
        id=id,
        name=name or f"Baseline {captured_at.date().isoformat()}",
        captured_at=captured_at,
        agreed_by=agreed_by,
        agreed_at=agreed_at,
        note=note,
        scope={i.key: i.estimate for i in in_scope},
        item_milestones={i.key: i.milestones for i in in_scope if i.milestones},
        milestones={m.id: BaselineMilestone(name=m.name, due=m.due) for m in snapshot.milestones},
        budget_hours=budget_hours,
        assumptions=assumptions,
        constraints=constraints,
    )
