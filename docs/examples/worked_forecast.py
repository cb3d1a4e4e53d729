"""The worked example of the forecast and RAG page: small enough to check by hand."""

from datetime import UTC, date, datetime, time

from clientsync import (
    ForecastSettings,
    ItemState,
    Milestone,
    Project,
    Snapshot,
    WorkItem,
    compute_status,
    forecast_snapshot,
)

as_of = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Monday 23 November, end of the day
created = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
# Seven items finished over the last 14 days: on 10, 11, 13, 16, 17, 19 and 20 November.
done = [
    WorkItem(
        id=f"done-{day}",
        key=f"P-{n}",
        title=f"Finished {n}",
        state=ItemState.DONE,
        milestones=("beta",),
        created=created,
        updated=created,
        completed_at=datetime.combine(date(2026, 11, day), time(15), UTC),
    )
    for n, day in enumerate((10, 11, 13, 16, 17, 19, 20), start=1)
]
# Six unestimated items still open in "Beta", due Friday 4 December.
open_items = [
    WorkItem(
        id=f"open-{n}",
        key=f"P-{n}",
        title=f"Open {n}",
        milestones=("beta",),
        created=created,
        updated=created,
    )
    for n in range(8, 14)
]
beta = Milestone(id="beta", name="Beta", due=date(2026, 12, 4))
snapshot = Snapshot(
    project=Project(id="worked", name="Worked example"),
    taken_at=as_of,
    items=(*done, *open_items),
    milestones=(beta,),
)

settings = ForecastSettings(window_days=14)  # the default is 42; 14 keeps the sums short
forecast = forecast_snapshot(snapshot, as_of=as_of, settings=settings, seed=7)
beta_forecast = forecast.milestones[0]
print(
    f"unit: {forecast.unit.value}, trials: {forecast.trials}, window: {forecast.window_days} days"
)
print(
    f"completions in window: {forecast.completions_in_window}, "
    f"mean throughput: {forecast.throughput_per_day} items/day"
)
print(f"remaining: {beta_forecast.remaining:g} items")
print(f"P50 {beta_forecast.p50}, P85 {beta_forecast.p85}, P95 {beta_forecast.p95}")
print(f"P(on time by {beta.due}): {beta_forecast.probability_on_time}")

status = compute_status(snapshot, as_of=as_of, forecast=forecast)
print(f"RAG: {status.milestones[0].rag.value}: {'; '.join(status.milestones[0].reasons)}")

# The same work with the date moved to Friday 11 December.
later = snapshot.model_copy(
    update={"milestones": (beta.model_copy(update={"due": date(2026, 12, 11)}),)}
)
moved = forecast_snapshot(later, as_of=as_of, settings=settings, seed=7)
moved_status = compute_status(later, as_of=as_of, forecast=moved)
print(
    f"due 2026-12-11: P(on time) {moved.milestones[0].probability_on_time}, "
    f"RAG {moved_status.milestones[0].rag.value}"
)
