"""Small, explicit projects on a fixed day, shared by the view tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from clientsync.domain.forecast import Forecast, MilestoneForecast, forecast_snapshot
from clientsync.domain.model import ItemState, Milestone, Project, Snapshot, WorkItem
from clientsync.domain.settings import ForecastMode, ForecastSettings, ForecastUnit

AS_OF = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
FAST = ForecastSettings(trials=500)


def days(n: int) -> date:
    """TODAY shifted by n days (negative: in the past)."""
    return TODAY + timedelta(days=n)


def ago(n: float) -> datetime:
    return AS_OF - timedelta(days=n)


def item(
    key: str = "P-1",
    *,
    milestone: str | None = "m1",
    state: ItemState = ItemState.TODO,
    updated_ago: float = 1,
    created_ago: float = 30,
    done_ago: float | None = None,
    **fields: Any,
) -> WorkItem:
    """An item in `milestone`; `done_ago` makes it done that many days before AS_OF."""
    if done_ago is not None:
        fields.setdefault("completed_at", ago(done_ago))
        state = ItemState.DONE
    return WorkItem(
        id=key.lower(),
        key=key,
        title=f"Work {key}",
        state=state,
        milestones=(milestone,) if milestone else (),
        created=ago(created_ago),
        updated=ago(updated_ago),
        **fields,
    )


def milestone(mid: str = "m1", due: date | None = None, **fields: Any) -> Milestone:
    return Milestone(id=mid, name=fields.pop("name", mid.upper()), due=due, **fields)


def snapshot(
    items: list[WorkItem], milestones: list[Milestone] | None = None, tz: str = "UTC"
) -> Snapshot:
    return Snapshot(
        project=Project(id="acme", name="Acme", timezone=tz),
        taken_at=AS_OF,
        items=tuple(items),
        milestones=tuple(milestones if milestones is not None else [milestone(due=days(30))]),
    )


def forecast_of(snap: Snapshot, mode: ForecastMode = ForecastMode.SEQUENTIAL) -> Forecast:
    return forecast_snapshot(snap, as_of=AS_OF, settings=FAST.model_copy(update={"mode": mode}))


def forecast_with(*milestones: MilestoneForecast, as_of: date = TODAY) -> Forecast:
    """A hand-made forecast, for exact probabilities and dates."""
    return Forecast(
        as_of=as_of,
        unit=ForecastUnit.ITEMS,
        mode=ForecastMode.SEQUENTIAL,
        trials=500,
        window_days=42,
        seed=1,
        completions_in_window=10,
        throughput_per_day=1.0,
        milestones=milestones,
    )


def predicted(
    mid: str = "m1",
    *,
    chance: float | None = None,
    p85: date | None = None,
    unknown: str | None = None,
) -> MilestoneForecast:
    return MilestoneForecast(
        milestone_id=mid,
        remaining=5,
        remaining_cumulative=5,
        p50=p85,
        p85=p85,
        p95=p85,
        probability_on_time=chance,
        unknown_reason=unknown,
    )
