"""Builders for the status view tests: small, explicit projects on a fixed day."""

from __future__ import annotations

from datetime import datetime

from clientsync.domain.drift import ChangeNotice, DriftEvent, DriftKind, DriftView
from clientsync.domain.risk import Risk, RiskRule, Severity

from .builders import (
    TODAY,
)


def risk(
    severity: Severity, milestone: str | None = "m1", *, subject: str = "P-1", title: str = ""
) -> Risk:
    return Risk(
        id=f"blocked:{subject}",
        rule=RiskRule.BLOCKED,
        severity=severity,
        title=title or f"{subject} is blocked",
        detail="Blocked for a while.",
        milestone=milestone,
        evidence=(subject,),
        action="Chase it",
        first_seen=TODAY,
    )


def notice(
    milestone_id: str | None, name: str, *what: str, at: datetime | None = None
) -> ChangeNotice:
    events: tuple[DriftEvent, ...] = ()
    if at is not None:
        events = (
            DriftEvent(
                kind=DriftKind.MILESTONE_MOVED,
                subject=milestone_id or "budget",
                title=what[0],
                milestone=milestone_id,
                at=at,
            ),
        )
    return ChangeNotice(
        id=milestone_id or name.lower(),
        milestone=milestone_id,
        milestone_name=name,
        what=what,
        why="reason needed",
        reason_needed=True,
        impact="Two weeks later.",
        events=events,
    )


def drift_with(*notices: ChangeNotice) -> DriftView:
    return DriftView(baseline_id="b1", notices=notices)
