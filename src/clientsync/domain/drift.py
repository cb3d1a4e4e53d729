"""Expectation drift: the baseline the client agreed to against the project now.

`compute_drift` lists what moved away from the agreement (scope, estimates, dates, budget)
with the reason when the tracker gives one, totals it per milestone, and groups it into
change notices that state the impact on the forecast and the options to hold the date.
The view's models live in `drift_models` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from .baseline import Baseline
from .drift_events import Plan, budget_burn, find_events, milestone_totals
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
    "ChangeNotice",
    "ChangeOption",
    "DriftEvent",
    "DriftKind",
    "DriftView",
    "MilestoneDrift",
    "compute_drift",
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
        notices=notices,
        budget=budget,
    )


def _settings_like(forecast: Forecast | None) -> ForecastSettings:
    """Settings that reproduce `forecast`, so the agreed-scope forecast is comparable."""
    if forecast is None:
        return ForecastSettings()
    return ForecastSettings(
        trials=forecast.trials, window_days=forecast.window_days, mode=forecast.mode
    )
