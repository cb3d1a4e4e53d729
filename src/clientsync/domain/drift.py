"""Expectation drift: the baseline the client agreed to against the project now.

`compute_drift` lists what moved away from the agreement (scope, estimates, dates, budget)
with the reason when the tracker gives one, totals it per milestone, and groups it into
change notices that state the impact on the forecast and the options to hold the date.
A notice the client signed off when this baseline was made, and that still shows (a budget
overrun outlives a new baseline), says who agreed it; the view carries the baseline's
record of every sign-off, for the reports' "changes you have agreed". The view's models
live in `drift_models` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .baseline import Baseline, ChangeAcknowledgement
from .drift_events import Plan, budget_burn, find_events, milestone_totals, moved_text
from .drift_models import (
    REASON_NEEDED,
    BudgetBurn,
    ChangeNotice,
    ChangeOption,
    DriftEvent,
    DriftKind,
    DriftView,
    MilestoneDrift,
)
from .drift_notices import change_notices
from .forecast import Forecast, forecast_snapshot
from .model import ItemChange, Snapshot
from .settings import ForecastSettings

__all__ = [
    "REASON_NEEDED",
    "BudgetBurn",
    "ChangeAcknowledgement",
    "ChangeNotice",
    "ChangeOption",
    "DriftEvent",
    "DriftKind",
    "DriftView",
    "MilestoneDrift",
    "compute_drift",
    "notice_summary",
]


def compute_drift(
    baseline: Baseline,
    snapshot: Snapshot,
    *,
    as_of: datetime,
    forecast: Forecast | None = None,
    history: Sequence[ItemChange] = (),
    settings: ForecastSettings | None = None,
) -> DriftView:
    """The project now against what the client agreed to in `baseline`.

    `forecast` is the current forecast (computed with `settings` when not given); the
    forecast of the agreed scope reuses its seed, so before and after draw the same days.
    Only `history` recorded since the baseline was captured explains a change.
    """
    plan = Plan(baseline, snapshot)
    budget = budget_burn(baseline, snapshot)
    events = find_events(plan, history, budget)
    notices: tuple[ChangeNotice, ...] = ()
    if events:
        settings = settings or _settings_like(forecast)
        notices = change_notices(
            events,
            plan,
            as_of=as_of,
            forecast=forecast or forecast_snapshot(snapshot, as_of=as_of, settings=settings),
            settings=settings,
            budget=budget,
        )
    return DriftView(
        baseline_id=baseline.id,
        baseline_name=baseline.name,
        agreed_by=baseline.agreed_by,
        agreed_at=baseline.agreed_at,
        events=tuple(events),
        milestones=tuple(milestone_totals(plan, events)),
        notices=tuple(_signed_off(notice, baseline) for notice in notices),
        budget=budget,
        acknowledgements=baseline.acknowledgements,
    )


def notice_summary(notice: ChangeNotice) -> str:
    """The notice in one line, for the record of sign-offs: what moved, and how much.

    It names no item, only counts and dates, so it stays one short line however many
    items changed (the notice itself lists them).
    """
    parts: list[str] = []
    counts = dict.fromkeys(DriftKind, 0)
    for event in notice.events:
        counts[event.kind] += 1
        if event.kind is DriftKind.MILESTONE_MOVED:
            moved = moved_text(notice.due_before, notice.due_after, event.days)
            parts.append(moved[0].lower() + moved[1:])
        elif event.kind is DriftKind.MILESTONE_ADDED:
            due = notice.due_after
            parts.append(f"new milestone, due {due}" if due else "new milestone, no due date")
        elif event.kind is DriftKind.MILESTONE_REMOVED:
            parts.append("milestone removed")
        elif event.kind is DriftKind.BUDGET_BURN:
            spent, budget = event.after, event.before
            numbers = isinstance(spent, int | float) and isinstance(budget, int | float)
            over = numbers and spent > budget
            parts.append("over budget" if over else "spending ahead of progress")
    for kind, verb in _COUNTED:
        if counts[kind]:
            parts.append(f"{counts[kind]} item{'' if counts[kind] == 1 else 's'} {verb}")
    return f"{notice.milestone_name}: {'; '.join(parts) or 'changed'}"


_COUNTED = (
    (DriftKind.SCOPE_ADDED, "added"),
    (DriftKind.SCOPE_REMOVED, "removed"),
    (DriftKind.ESTIMATE_CHANGED, "re-estimated"),
)


_OUTLIVES_A_BASELINE = frozenset({DriftKind.BUDGET_BURN})
"""Drift a new baseline does not reset: the budget is carried over, and so is the burn."""


def _signed_off(notice: ChangeNotice, baseline: Baseline) -> ChangeNotice:
    """The notice, saying who agreed it if its sign-off made this baseline.

    Accepting a notice agrees only its changes, so it leaves the report; only a budget
    overrun with nothing agreed done yet (no projection to fold in) can still be the
    change that was agreed.
    """
    if any(e.kind not in _OUTLIVES_A_BASELINE for e in notice.events):
        return notice
    ack = baseline.acknowledged_here(notice.id)
    if ack is None:
        return notice
    return notice.model_copy(
        update={"acknowledged_by": ack.acknowledged_by, "acknowledged_at": ack.acknowledged_at}
    )


def _settings_like(forecast: Forecast | None) -> ForecastSettings:
    """Settings that reproduce `forecast`, so the agreed-scope forecast is comparable."""
    if forecast is None:
        return ForecastSettings()
    return ForecastSettings(
        trials=forecast.trials, window_days=forecast.window_days, mode=forecast.mode
    )
