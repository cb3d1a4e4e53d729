"""Builders for the risk register and retrospective tests: small, explicit projects."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from clientsync.domain.drift import DriftEvent, DriftKind, DriftView, MilestoneDrift
from clientsync.domain.forecast import Forecast
from clientsync.domain.model import Snapshot
from clientsync.domain.risk import Risk, assess_risks
from clientsync.domain.settings import RiskSettings

from .builders import (
    AS_OF,
    days,
    forecast_with,
)


def assess(
    snap: Snapshot,
    *,
    forecast: Forecast | None = None,
    drift: DriftView | None = None,
    previous: tuple[Risk, ...] = (),
    as_of: datetime = AS_OF,
    **thresholds: Any,
) -> dict[str, Risk]:
    """The register by risk id; `thresholds` override RiskSettings fields."""
    risks = assess_risks(
        snap,
        as_of=as_of,
        forecast=forecast if forecast is not None else forecast_with(),
        drift=drift,
        previous=previous,
        settings=RiskSettings(**thresholds),
    )
    return {r.id: r for r in risks}


def drift_for(
    mid: str = "m1",
    *,
    slip: int = 0,
    growth: float = 0.0,
    added: tuple[str, ...] = (),
    removed: int = 0,
    reason: str | None = None,
    baseline_due: date | None = None,
) -> DriftView:
    """A drift view of one milestone, as compute_drift would describe it."""
    events = [
        DriftEvent(kind=DriftKind.SCOPE_ADDED, subject=k, title=f"{k} added", milestone=mid)
        for k in added
    ]
    due = None
    if slip:
        baseline_due = baseline_due or days(10)
        due = baseline_due + timedelta(days=slip)
        events.append(
            DriftEvent(
                kind=DriftKind.MILESTONE_MOVED,
                subject=mid,
                title=f"{mid} moved",
                milestone=mid,
                before=baseline_due.isoformat(),
                after=due.isoformat(),
                days=slip,
                reason=reason,
            )
        )
    return DriftView(
        baseline_id="b1",
        events=tuple(events),
        milestones=(
            MilestoneDrift(
                milestone=mid,
                name=mid.upper(),
                baseline_due=baseline_due,
                due=due,
                slip_days=slip,
                items_added=len(added),
                items_removed=removed,
                scope_change_percent_count=growth,
            ),
        ),
    )
