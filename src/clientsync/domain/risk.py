"""The risk register: rules over the data, each naming its evidence and impact.

Every rule is a pure function of the snapshot, the forecast and (optionally) the drift,
judged on the project-local day of `as_of`. A risk's id is "<rule>:<subject>", so the
same problem keeps its id from one report to the next and its trend can be told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .drift import DriftView
from .forecast import Forecast, local_date
from .model import Snapshot
from .risk_drift_rules import date_slip, scope_creep
from .risk_models import Risk, RiskRule, Severity, Trend
from .risk_rules import RULES, RuleContext
from .settings import RiskSettings

__all__ = ["Risk", "RiskRule", "Severity", "Trend", "assess_risks"]


def assess_risks(
    snapshot: Snapshot,
    *,
    as_of: datetime,
    forecast: Forecast,
    drift: DriftView | None = None,
    previous: Sequence[Risk] = (),
    settings: RiskSettings | None = None,
) -> tuple[Risk, ...]:
    """The risk register, worst first (severity, then rule, then id).

    `previous` is the last report's register: a risk seen there keeps its `first_seen`
    and gets a trend against it. Without `drift` the baseline rules (scope creep, date
    slip) are not assessed.
    """
    today = local_date(as_of, snapshot)
    context = RuleContext(snapshot, today, forecast, settings or RiskSettings())
    found = [risk for rule in RULES for risk in rule(context)]
    if drift is not None:
        found += [*scope_creep(context, drift), *date_slip(context, drift)]
    earlier = {risk.id: risk for risk in previous}
    tracked = [_track(risk, earlier.get(risk.id)) for risk in found]
    return tuple(sorted(tracked, key=lambda r: (-r.severity.rank, r.rule.value, r.id)))


# --- trend ------------------------------------------------------------------------------


def _track(risk: Risk, before: Risk | None) -> Risk:
    if before is None:
        return risk
    return risk.model_copy(update={"first_seen": before.first_seen, "trend": _trend(risk, before)})


def _trend(now: Risk, before: Risk) -> Trend:
    change = now.severity.rank - before.severity.rank
    if change == 0:
        change = _impact_change(now, before)
    if change > 0:
        return Trend.WORSE
    if change < 0:
        return Trend.BETTER
    return Trend.ONGOING


def _impact_change(now: Risk, before: Risk) -> int:
    """+1 larger, -1 smaller, 0 the same: days first, then probability, then evidence."""
    days, was_days = now.impact_days, before.impact_days
    if days is not None and was_days is not None and days != was_days:
        return 1 if days > was_days else -1
    chance, was_chance = now.impact_probability, before.impact_probability
    if chance is not None and was_chance is not None and chance != was_chance:
        # A lower chance of being on time is a larger impact.
        return 1 if chance < was_chance else -1
    if len(now.evidence) != len(before.evidence):
        return 1 if len(now.evidence) > len(before.evidence) else -1
    return 0
