"""The risk rules that read the drift against the baseline: scope creep and date slip.

They take the drift view besides the project, and run only when there is a baseline.
"""

from __future__ import annotations

from collections.abc import Iterator

from .drift import REASON_NEEDED, DriftKind, DriftView
from .risk_models import Risk, RiskRule, Severity
from .risk_rules import RuleContext, days_text, natural_sorted

DATE_SLIP_HIGH_DAYS = 14
"""A milestone moved this many days later than agreed is a high risk."""


def scope_creep(ctx: RuleContext, drift: DriftView) -> Iterator[Risk]:
    threshold = ctx.settings.scope_creep_percent
    for md in drift.milestones:
        m = ctx.milestones.get(md.milestone)
        growth = md.scope_change_percent_count
        # A delivered milestone's growth is history for the retrospective, not a risk.
        if m is None or m.done or growth <= 0 or growth < threshold:
            continue
        added = natural_sorted(
            e.subject
            for e in drift.events
            if e.kind is DriftKind.SCOPE_ADDED and e.milestone == m.id and e.subject in ctx.items
        )
        detail = (
            f"'{m.name}' grew {growth:.0f}% by item count since the baseline "
            f"({md.items_added} added, {md.items_removed} removed)"
        )
        if md.scope_change_percent_estimate is not None:
            detail += f"; {md.scope_change_percent_estimate:+.0f}% by estimate"
        yield ctx.risk(
            RiskRule.SCOPE_CREEP,
            m.id,
            Severity.HIGH if growth >= 2 * threshold else Severity.MEDIUM,
            title=f"Scope creep in '{m.name}'",
            detail=detail + ".",
            action="Raise a change request: agree the added work's cost and date, or descope",
            milestone=m.id,
            evidence=added,
        )


def date_slip(ctx: RuleContext, drift: DriftView) -> Iterator[Risk]:
    for md in drift.milestones:
        m = ctx.milestones.get(md.milestone)
        if m is None or m.done or md.slip_days < ctx.settings.date_slip_days:
            continue
        reasons = [
            e.reason
            for e in drift.events
            if e.kind is DriftKind.MILESTONE_MOVED and e.subject == m.id and e.reason
        ]
        yield ctx.risk(
            RiskRule.DATE_SLIP,
            m.id,
            Severity.HIGH if md.slip_days >= DATE_SLIP_HIGH_DAYS else Severity.MEDIUM,
            title=f"'{m.name}' moved later",
            detail=(
                f"'{m.name}' moved from {md.baseline_due} to {md.due}, "
                f"{days_text(md.slip_days)} later than agreed. "
                f"Reason: {'; '.join(dict.fromkeys(reasons)) or REASON_NEEDED}."
            ),
            action="Confirm the new date with the client in writing, with the reason",
            milestone=m.id,
            evidence=(m.id,),
            impact_days=md.slip_days,
        )
