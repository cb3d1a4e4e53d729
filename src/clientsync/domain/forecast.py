"""Monte Carlo completion forecast from daily throughput.

Each trial replays the team's recent days: it draws days (with replacement) from the
trailing window and adds their completions until the remaining work is done. Draws are
indices into the window, so a seed fixes which days are drawn whatever their values: more
throughput or less remaining work can then only move a trial's finish earlier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from math import ceil

import numpy as np
import numpy.typing as npt
from pydantic import Field

from .base import DomainModel
from .model import OPEN_STATES, ItemState, Milestone, Project, Snapshot
from .settings import ForecastMode, ForecastSettings, ForecastUnit

_SCALE = 1000
"""Estimates are simulated as integers in thousandths, so sums compare exactly."""
_CHUNK_DAYS = 64
PERCENTILES = (0.50, 0.85, 0.95)


class MilestoneForecast(DomainModel):
    milestone_id: str
    remaining: float = Field(description="Open work of this milestone, in the forecast unit.")
    remaining_cumulative: float = Field(
        description="Work that must be done before it completes (sequential: with earlier ones)."
    )
    p50: date | None = None
    p85: date | None = None
    p95: date | None = None
    probability_on_time: float | None = Field(
        None, ge=0, le=1, description="Share of trials done by the due date; null without one."
    )
    unknown_reason: str | None = Field(None, description="Why there is no forecast.")

    @property
    def known(self) -> bool:
        return self.unknown_reason is None


class Forecast(DomainModel):
    as_of: date = Field(description="The project-local day the simulation starts on.")
    unit: ForecastUnit
    mode: ForecastMode
    trials: int
    window_days: int
    seed: int
    completions_in_window: int
    throughput_per_day: float = Field(description="Mean daily throughput over the window.")
    milestones: tuple[MilestoneForecast, ...] = ()

    def for_milestone(self, milestone_id: str) -> MilestoneForecast | None:
        return next((m for m in self.milestones if m.milestone_id == milestone_id), None)


def derive_seed(project_id: str, as_of: date) -> int:
    """Reruns on the same project and day agree; a new day draws afresh."""
    digest = hashlib.sha256(f"{project_id}|{as_of.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def local_date(moment: datetime, snapshot: Snapshot) -> date:
    return moment.astimezone(snapshot.project.zone).date()


def milestone_order(milestones: Iterable[Milestone]) -> list[Milestone]:
    """Due-date order, undated last, ties by id: the order work is assumed to be done in."""
    return sorted(milestones, key=lambda m: (m.due is None, m.due or date.max, m.id))


WorkRecord = tuple[ItemState, float | None, tuple[str, ...], datetime | None]
"""(state, estimate, milestones, completed_at): what the forecast reads of an item.

A plain tuple, not a model: what-if plans build one per item, cheaply."""


def forecast_snapshot(
    snapshot: Snapshot,
    *,
    as_of: datetime,
    settings: ForecastSettings | None = None,
    seed: int | None = None,
) -> Forecast:
    records = ((i.state, i.estimate, i.milestones, i.completed_at) for i in snapshot.items)
    return forecast_records(
        snapshot.project, snapshot.milestones, records, as_of=as_of, settings=settings, seed=seed
    )


def forecast_records(
    project: Project,
    milestones: Iterable[Milestone],
    records: Iterable[WorkRecord],
    *,
    as_of: datetime,
    settings: ForecastSettings | None = None,
    seed: int | None = None,
) -> Forecast:
    """The forecast of a plan given as records: what-if plans need no copied items."""
    settings = settings or ForecastSettings()
    zone = project.zone
    today = as_of.astimezone(zone).date()
    seed = derive_seed(project.id, today) if seed is None else seed
    milestones = list(milestones)
    open_milestones = milestone_order(m for m in milestones if not m.done)
    work = _gather(records, zone, open_milestones, today, settings.window_days)
    unit = settings.unit
    if unit is ForecastUnit.AUTO:
        unit = ForecastUnit.ESTIMATE if work.fully_estimated else ForecastUnit.ITEMS
    size = _Sizer(None if unit is ForecastUnit.ITEMS else work.mean_estimate)

    daily = np.zeros(settings.window_days, dtype=np.int64)
    for day, estimate in work.completions:
        daily[day] += size(estimate)
    remaining = [0] * len(open_milestones)
    for slot, estimate in work.open_work:
        remaining[slot] += size(estimate)
    if settings.mode is ForecastMode.SEQUENTIAL:
        thresholds = np.cumsum(np.array(remaining, dtype=np.int64))
    else:
        thresholds = np.array(remaining, dtype=np.int64)

    finish = _simulate(daily, thresholds, settings, seed) if daily.sum() > 0 else None
    last_done = {mid: moment.astimezone(zone).date() for mid, moment in work.last_done.items()}
    results = [
        _milestone_result(
            m, remaining[i], int(thresholds[i]), finish, i, today, last_done.get(m.id), settings
        )
        for i, m in enumerate(open_milestones)
    ]
    results += [_done_result(m, zone, last_done.get(m.id)) for m in milestones if m.done]
    return Forecast(
        as_of=today,
        unit=unit,
        mode=settings.mode,
        trials=settings.trials,
        window_days=settings.window_days,
        seed=seed,
        completions_in_window=len(work.completions),
        throughput_per_day=float(daily.mean()) / _SCALE,
        milestones=tuple(results),
    )


@dataclass(frozen=True)
class _Work:
    """What the simulation needs from the items, gathered in one pass."""

    open_work: list[tuple[int, float | None]]
    """(milestone slot, estimate) of each open item in an open milestone."""
    completions: list[tuple[int, float | None]]
    """(day in the window, estimate) of each item completed in the window."""
    fully_estimated: bool
    """Every open item, and every item done in the window or today, has an estimate."""
    mean_estimate: float
    last_done: dict[str, datetime]
    """Per milestone id, the latest completion of any of its items."""


def _gather(
    records: Iterable[WorkRecord],
    zone: tzinfo,
    ordered: list[Milestone],
    today: date,
    window: int,
) -> _Work:
    window_start = today - timedelta(days=window)
    # The window's first instant: completions before it are skipped without converting
    # each one to the project's zone. In UTC, as every stored moment is: comparing two
    # datetimes of one tzinfo skips the zone's offset lookups.
    window_opens = datetime.combine(window_start, time(), zone).astimezone(UTC)
    position = {m.id: i for i, m in enumerate(ordered)}
    open_work: list[tuple[int, float | None]] = []
    completions: list[tuple[int, float | None]] = []
    last_done: dict[str, datetime] = {}
    relevant = 0
    unestimated = 0
    known_total = 0.0
    known_count = 0
    for state, estimate, milestones, completed_at in records:
        if estimate is not None:
            known_total += estimate
            known_count += 1
        if state in OPEN_STATES:
            relevant += 1
            unestimated += estimate is None
            # An item in several milestones is work for the earliest of them only.
            slots = [position[m] for m in milestones if m in position]
            if slots:
                open_work.append((min(slots), estimate))
            continue
        if completed_at is None:
            continue
        for mid in milestones:
            latest = last_done.get(mid)
            if latest is None or completed_at > latest:
                last_done[mid] = completed_at
        if state is ItemState.DONE and completed_at >= window_opens:
            day = completed_at.astimezone(zone).date()
            if window_start <= day <= today:
                relevant += 1
                unestimated += estimate is None
                if day < today:
                    completions.append(((day - window_start).days, estimate))
    return _Work(
        open_work=open_work,
        completions=completions,
        fully_estimated=relevant > 0 and unestimated == 0,
        # Forced estimate mode: an unestimated item counts as an average one.
        mean_estimate=known_total / known_count if known_count else 1.0,
        last_done=last_done,
    )


class _Sizer:
    """An item's size in integer simulation units."""

    def __init__(self, estimate_fallback: float | None) -> None:
        self._fallback = estimate_fallback

    def __call__(self, estimate: float | None) -> int:
        if self._fallback is None:
            return _SCALE
        return round((estimate if estimate is not None else self._fallback) * _SCALE)


def _simulate(
    daily: npt.NDArray[np.int64],
    thresholds: npt.NDArray[np.int64],
    settings: ForecastSettings,
    seed: int,
) -> npt.NDArray[np.int64]:
    """Finish day (0 = as_of's day) per trial and milestone; horizon_days when not reached."""
    trials, horizon = settings.trials, settings.horizon_days
    rng = np.random.default_rng(seed)
    finish = np.full((trials, len(thresholds)), horizon, dtype=np.int64)
    done_already = thresholds <= 0
    finish[:, done_already] = 0
    if len(thresholds) == 0 or done_already.all():
        return finish
    target = int(thresholds.max())
    totals = np.zeros(trials, dtype=np.int64)
    rows = np.arange(trials, dtype=np.int64)
    day = 0
    while day < horizon and (totals < target).any():
        span = min(_CHUNK_DAYS, horizon - day)
        draws = rng.integers(0, len(daily), size=(trials, span))
        running = totals[:, None] + np.cumsum(daily[draws], axis=1)
        # Rows are non-decreasing: lift row r by r * lift so the flattened array is sorted
        # and one searchsorted finds every (trial, milestone) crossing at once.
        lift = int(running[:, -1].max()) + target + 1
        flat = (running + rows[:, None] * lift).ravel()
        queries = thresholds[None, :] + (rows * lift)[:, None]
        at = np.searchsorted(flat, queries.ravel(), side="left").reshape(queries.shape)
        at -= (rows * span)[:, None]
        newly = (at < span) & (finish == horizon) & ~done_already[None, :]
        finish[newly] = (day + at)[newly]
        totals = running[:, -1]
        day += span
    return finish


def _milestone_result(
    milestone: Milestone,
    remaining: int,
    threshold: int,
    finish: npt.NDArray[np.int64] | None,
    column: int,
    today: date,
    last_done: date | None,
    settings: ForecastSettings,
) -> MilestoneForecast:
    base = {
        "milestone_id": milestone.id,
        "remaining": remaining / _SCALE,
        "remaining_cumulative": threshold / _SCALE,
    }
    if threshold <= 0:
        finished = last_done or today
        on_time = None if milestone.due is None else float(finished <= milestone.due)
        return MilestoneForecast(
            **base, p50=finished, p85=finished, p95=finished, probability_on_time=on_time
        )
    if finish is None:
        return MilestoneForecast(
            **base,
            unknown_reason=f"no items completed in the last {settings.window_days} days",
        )
    days = np.sort(finish[:, column])
    dates: list[date | None] = []
    for q in PERCENTILES:
        index = max(0, ceil(q * len(days)) - 1)
        reached = int(days[index])
        dates.append(None if reached >= settings.horizon_days else today + timedelta(reached))
    on_time = None
    if milestone.due is not None:
        allowed = (milestone.due - today).days
        on_time = float(np.mean(days <= allowed)) if allowed >= 0 else 0.0
    reason = None
    if dates[0] is None:
        reason = f"at the current throughput it takes over {settings.horizon_days} days"
    return MilestoneForecast(
        **base,
        p50=dates[0],
        p85=dates[1],
        p95=dates[2],
        probability_on_time=on_time,
        unknown_reason=reason,
    )


def _done_result(milestone: Milestone, zone: tzinfo, last_done: date | None) -> MilestoneForecast:
    finished = (
        milestone.completed_at.astimezone(zone).date()
        if milestone.completed_at is not None
        else last_done
    )
    on_time = None
    if milestone.due is not None and finished is not None:
        on_time = float(finished <= milestone.due)
    return MilestoneForecast(
        milestone_id=milestone.id,
        remaining=0.0,
        remaining_cumulative=0.0,
        p50=finished,
        p85=finished,
        p95=finished,
        probability_on_time=on_time,
    )
