"""Change notices: the drift of one milestone (or of the budget) as the client reads it.

Each notice says what changed, why (or that a reason is needed), what it does to the
forecast, and, when the milestone is now forecast to miss its date, the options that
would hold it: descope, move the date, or raise throughput.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from .drift_events import Plan, amount, moved_text, natural_key, number
from .drift_models import (
    REASON_NEEDED,
    BudgetBurn,
    ChangeNotice,
    ChangeOption,
    DriftEvent,
    DriftKind,
)
from .forecast import (
    Forecast,
    MilestoneForecast,
    WorkRecord,
    forecast_records,
    milestone_order,
)
from .model import ItemState, Milestone, Snapshot, WorkItem
from .settings import ForecastSettings, ForecastUnit

ON_TIME_CONFIDENCE = 0.85
"""A milestone below this chance of making its date is forecast to miss it (as P85 says)."""
BUDGET_NAME = "Budget"
UNPLANNED_NAME = "Outside any milestone"
_EPSILON = 1e-9


def change_notices(
    events: Sequence[DriftEvent],
    plan: Plan,
    *,
    as_of: datetime,
    forecast: Forecast,
    settings: ForecastSettings,
    budget: BudgetBurn | None,
) -> tuple[ChangeNotice, ...]:
    """One notice per milestone with drift (in `events` order), then unplanned work, budget."""
    groups: dict[tuple[bool, str | None], list[DriftEvent]] = {}
    for event in events:
        groups.setdefault((event.kind is DriftKind.BUDGET_BURN, event.milestone), []).append(event)
    before = None
    if any(not is_budget and mid is not None for is_budget, mid in groups):
        before = agreed_forecast(plan, as_of=as_of, settings=settings, seed=forecast.seed)
    notices = []
    for (is_budget, mid), group in groups.items():
        if is_budget:
            assert budget is not None, "a budget event comes from a budget"
            notices.append(_budget_notice(group, budget))
        elif mid is None:
            notices.append(_notice(None, UNPLANNED_NAME, group, plan, _UNPLANNED_IMPACT))
        else:
            notices.append(_milestone_notice(mid, group, plan, before, forecast))
    return tuple(notices)


_UNPLANNED_IMPACT = "Not in any milestone, so no milestone's forecast counts it"


def agreed_forecast(
    plan: Plan, *, as_of: datetime, settings: ForecastSettings, seed: int
) -> Forecast:
    """The forecast of the agreed scope at today's progress: as if nothing had drifted.

    Open agreed items take their agreed estimates and milestones; agreed items since
    cancelled or deleted are open again; milestones take their agreed dates. Work added
    since counts only where done: that is the team's throughput, not scope.
    """
    baseline, snapshot = plan.baseline, plan.snapshot
    scope, agreed_in = baseline.scope, baseline.item_milestones
    records: list[WorkRecord] = []
    add = records.append  # bound once: this loop runs once per item of large projects
    done, cancelled, todo = ItemState.DONE, ItemState.CANCELLED, ItemState.TODO
    present: set[str] = set()
    for item in snapshot.items:
        key, state = item.key, item.state
        present.add(key)
        if key not in scope:
            if state is done:
                add((state, item.estimate, (), item.completed_at))
        elif state is done:
            add((state, item.estimate, item.milestones, item.completed_at))
        else:
            add((todo if state is cancelled else state, scope[key], agreed_in.get(key, ()), None))
    records += [
        (ItemState.TODO, estimate, agreed_in.get(key, ()), None)
        for key, estimate in scope.items()
        if key not in present
    ]
    milestones = [
        m.model_copy(update={"due": plan.agreed_due(m.id)})
        for m in snapshot.milestones
        if m.id in plan.agreed
    ]
    milestones += [
        Milestone(id=mid, name=agreed.name, due=agreed.due)
        for mid, agreed in sorted(plan.agreed.items())
        if mid not in plan.now
    ]
    return forecast_records(
        snapshot.project, milestones, records, as_of=as_of, settings=settings, seed=seed
    )


# --- notices ----------------------------------------------------------------------------


def _milestone_notice(
    mid: str,
    group: list[DriftEvent],
    plan: Plan,
    before: Forecast | None,
    after: Forecast,
) -> ChangeNotice:
    agreed = before.for_milestone(mid) if before is not None and mid in plan.agreed else None
    now = plan.now.get(mid)
    current = after.for_milestone(mid) if now is not None else None
    impact = _impact(agreed, current)
    if now is None:
        impact = f"No longer planned; {impact}"
    options: tuple[ChangeOption, ...] = ()
    if now is not None and current is not None:
        added = {e.subject for e in group if e.kind is DriftKind.SCOPE_ADDED}
        options = _options(now, current, after, plan.snapshot, added)
    return _notice(
        mid,
        plan.name(mid),
        group,
        plan,
        impact,
        due_before=plan.agreed_due(mid),
        due_after=plan.due(mid),
        forecast_before=agreed.p85 if agreed is not None else None,
        forecast_after=current.p85 if current is not None else None,
        probability_before=agreed.probability_on_time if agreed is not None else None,
        probability_after=current.probability_on_time if current is not None else None,
        options=options,
    )


def _budget_notice(group: list[DriftEvent], budget: BudgetBurn) -> ChangeNotice:
    impact = (
        f"{budget.burn_percent:.0f}% of the budget is spent for "
        f"{budget.progress_percent:.0f}% of the agreed scope"
    )
    projected = budget.projected_hours
    if projected is not None:
        impact += (
            f"; at this rate the agreed scope needs about {projected:.0f} hours "
            f"against {number(budget.budget_hours)} budgeted"
        )
    else:
        impact += "; none of the agreed scope is done yet"
    return _notice(None, BUDGET_NAME, group, None, impact)


def _notice(
    mid: str | None,
    name: str,
    group: list[DriftEvent],
    plan: Plan | None,
    impact: str,
    **fields: Any,
) -> ChangeNotice:
    reasons = tuple(dict.fromkeys(e.reason for e in group if e.reason))
    unexplained = tuple(dict.fromkeys(e.subject for e in group if not e.reason))
    if not unexplained:
        why = "; ".join(reasons)
    elif reasons:
        why = f"{REASON_NEEDED} for {', '.join(unexplained)}; given: {'; '.join(reasons)}"
    else:
        why = REASON_NEEDED
    return ChangeNotice(
        milestone=mid,
        milestone_name=name,
        what=tuple(_what(e, plan) for e in group),
        why=why,
        reason_needed=bool(unexplained),
        reasons=reasons,
        unexplained=unexplained,
        impact=impact,
        events=tuple(group),
        **fields,
    )


def _what(event: DriftEvent, plan: Plan | None) -> str:
    # Under the milestone's own heading its name is not repeated.
    if event.kind is DriftKind.MILESTONE_MOVED and plan is not None:
        mid = event.subject
        return moved_text(plan.agreed_due(mid), plan.due(mid), event.days)
    return event.title


def _impact(before: MilestoneForecast | None, after: MilestoneForecast | None) -> str:
    parts = []
    was = before.p85 if before is not None else None
    now = after.p85 if after is not None else None
    if was is not None and now is not None:
        parts.append(f"P85 stays at {now}" if was == now else f"P85 moves from {was} to {now}")
    elif now is not None:
        parts.append(f"P85 {now}")
    elif was is not None:
        parts.append(f"P85 was {was}")
    chance_was = before.probability_on_time if before is not None else None
    chance_now = after.probability_on_time if after is not None else None
    if chance_was is not None and chance_now is not None:
        parts.append(f"P(on time) {chance_was:.2f} -> {chance_now:.2f}")
    elif chance_now is not None:
        parts.append(f"P(on time) {chance_now:.2f}")
    elif chance_was is not None:
        parts.append(f"P(on time) was {chance_was:.2f}")
    if now is None and after is not None and after.unknown_reason:
        parts.append(f"no forecast: {after.unknown_reason}")
    text = "; ".join(parts) or "no forecast"
    return text[0].upper() + text[1:]


# --- options ----------------------------------------------------------------------------


def _options(
    milestone: Milestone,
    predicted: MilestoneForecast,
    forecast: Forecast,
    snapshot: Snapshot,
    added: set[str],
) -> tuple[ChangeOption, ...]:
    """What would hold the date, when the milestone is forecast to miss it."""
    due = milestone.due
    if due is None or milestone.done:
        return ()
    late = predicted.p85 is not None and predicted.p85 > due
    unlikely = (
        predicted.probability_on_time is not None
        and predicted.probability_on_time < ON_TIME_CONFIDENCE
    )
    if not (late or unlikely):
        return ()
    # The simulation works on as_of's day and on the due day itself.
    days_left = (due - forecast.as_of).days + 1
    rate = _confident_rate(predicted, forecast)
    unit = _unit_name(forecast.unit, snapshot)
    options = []
    if days_left > 0 and rate > 0:
        descope = _descope(milestone, predicted, rate * days_left, forecast, snapshot, added)
        if descope is not None:
            options.append(descope)
    if late:
        options.append(
            ChangeOption(
                kind="move-date",
                summary=f"Move the date to {predicted.p85} (85% confidence)",
                new_due=predicted.p85,
            )
        )
    if days_left > 0:
        extra = round(predicted.remaining_cumulative / days_left - rate, 2)
        if extra > 0:
            options.append(
                ChangeOption(
                    kind="add-throughput",
                    summary=f"Raise throughput by {number(extra)} {unit} per day to hold {due}",
                    amount=extra,
                )
            )
    return tuple(options)


def _confident_rate(predicted: MilestoneForecast, forecast: Forecast) -> float:
    """Daily throughput the team reaches with 85% confidence, as the P85 date implies.

    The mean would hold the date only about half the time; without a P85 date (past the
    horizon) the mean is all there is.
    """
    if predicted.p85 is not None and predicted.remaining_cumulative > 0:
        return predicted.remaining_cumulative / ((predicted.p85 - forecast.as_of).days + 1)
    return forecast.throughput_per_day


def _descope(
    milestone: Milestone,
    predicted: MilestoneForecast,
    capacity: float,
    forecast: Forecast,
    snapshot: Snapshot,
    added: set[str],
) -> ChangeOption | None:
    # Sequential forecasts finish earlier milestones first: they use capacity before this one.
    room = capacity - (predicted.remaining_cumulative - predicted.remaining)
    excess = predicted.remaining - room
    if room <= 0 or excess <= 0:
        return None
    size = _sizer(snapshot, forecast.unit)

    def priority(item: WorkItem) -> tuple[int, float, float, tuple[tuple[int, int, str], ...]]:
        # Newly added work goes first, newest first; then the biggest, then the newest.
        newest = -item.created.timestamp()
        if item.key in added:
            return (0, 0.0, newest, natural_key(item.key))
        return (1, -size(item), newest, natural_key(item.key))

    chosen: list[WorkItem] = []
    removed = 0.0
    for item in sorted(_open_work(snapshot, milestone.id), key=priority):
        if removed >= excess - _EPSILON:
            break
        chosen.append(item)
        removed += size(item)
    if removed < excess - _EPSILON:
        return None
    count = f"{len(chosen)} open item" + ("" if len(chosen) == 1 else "s")
    if forecast.unit is ForecastUnit.ITEMS:
        summary = f"Descope {count} to hold {milestone.due}"
    else:
        total = amount(removed, _unit_sample(snapshot))
        summary = f"Descope {count} totalling {total} to hold {milestone.due}"
    return ChangeOption(
        kind="descope",
        summary=summary,
        items=tuple(i.key for i in chosen),
        amount=round(removed, 2),
    )


def _open_work(snapshot: Snapshot, milestone_id: str) -> list[WorkItem]:
    """Open items the forecast counts for this milestone: each in its earliest open one."""
    ordered = milestone_order(m for m in snapshot.milestones if not m.done)
    position = {m.id: i for i, m in enumerate(ordered)}
    work = []
    for item in snapshot.items:
        slots = [position[m] for m in item.milestones if m in position]
        if item.is_open and slots and ordered[min(slots)].id == milestone_id:
            work.append(item)
    return work


def _sizer(snapshot: Snapshot, unit: ForecastUnit) -> Callable[[WorkItem], float]:
    """An item's size in the forecast's unit, as the forecast sizes it."""
    if unit is ForecastUnit.ITEMS:
        return lambda _: 1.0
    known = [i.estimate for i in snapshot.items if i.estimate is not None]
    fallback = sum(known) / len(known) if known else 1.0
    return lambda item: item.estimate if item.estimate is not None else fallback


def _unit_sample(snapshot: Snapshot) -> WorkItem | None:
    """An estimated item whose unit names them all, or None (points) when units are mixed."""
    estimated = [i for i in snapshot.items if i.estimate is not None]
    units = {i.estimate_unit for i in estimated}
    return estimated[0] if len(units) == 1 else None


def _unit_name(unit: ForecastUnit, snapshot: Snapshot) -> str:
    if unit is ForecastUnit.ITEMS:
        return "items"
    sample = _unit_sample(snapshot)
    return sample.estimate_unit.value if sample is not None else "points"
