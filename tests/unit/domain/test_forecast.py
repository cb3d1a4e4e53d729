from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.forecast import derive_seed, forecast_snapshot
from clientsync.domain.model import ItemState, Milestone, Project, Snapshot, WorkItem
from clientsync.domain.settings import ForecastMode, ForecastSettings, ForecastUnit

AS_OF = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FAST = ForecastSettings(trials=400)


def item(
    n: int,
    *,
    state: ItemState = ItemState.TODO,
    done_days_ago: int | None = None,
    milestone: str = "m1",
    estimate: float | None = None,
) -> WorkItem:
    completed = AS_OF - timedelta(days=done_days_ago) if done_days_ago is not None else None
    return WorkItem(
        id=str(n),
        key=f"P-{n}",
        title=f"Item {n}",
        created=AS_OF - timedelta(days=90),
        updated=AS_OF - timedelta(days=1),
        state=ItemState.DONE if completed else state,
        completed_at=completed,
        milestones=(milestone,),
        estimate=estimate,
    )


def snapshot(
    items: list[WorkItem], milestones: list[Milestone] | None = None, tz: str = "UTC"
) -> Snapshot:
    return Snapshot(
        project=Project(id="acme", name="Acme", timezone=tz),
        taken_at=AS_OF,
        items=tuple(items),
        milestones=tuple(milestones or [Milestone(id="m1", name="M1", due=date(2026, 12, 31))]),
    )


def test_no_completions_is_unknown_not_a_made_up_date() -> None:
    result = forecast_snapshot(snapshot([item(1), item(2)]), as_of=AS_OF, settings=FAST)
    m1 = result.for_milestone("m1")
    assert m1 is not None
    assert m1.p50 is None
    assert m1.probability_on_time is None
    assert m1.unknown_reason == "no items completed in the last 42 days"


def test_steady_throughput_gives_exact_dates() -> None:
    # One completion every day for 42 days: every trial finishes 10 items in 10 days.
    done = [item(100 + d, done_days_ago=d) for d in range(1, 43)]
    open_items = [item(n) for n in range(10)]
    result = forecast_snapshot(snapshot(done + open_items), as_of=AS_OF, settings=FAST)
    m1 = result.for_milestone("m1")
    assert m1 is not None
    assert m1.remaining == 10
    # Day 0 is as_of's day, so the 10th item lands on day 9.
    assert m1.p50 == m1.p85 == m1.p95 == date(2026, 12, 6)
    assert m1.probability_on_time == 1.0
    assert result.throughput_per_day == 1.0


def test_sequential_mode_waits_for_earlier_milestones() -> None:
    done = [item(100 + d, done_days_ago=d) for d in range(1, 43)]
    milestones = [
        Milestone(id="a", name="A", due=date(2026, 12, 1)),
        Milestone(id="b", name="B", due=date(2026, 12, 3)),
    ]
    work = [item(n, milestone="a") for n in range(5)] + [
        item(n, milestone="b") for n in range(5, 7)
    ]
    seq = forecast_snapshot(snapshot(done + work, milestones), as_of=AS_OF, settings=FAST)
    par = forecast_snapshot(
        snapshot(done + work, milestones),
        as_of=AS_OF,
        settings=FAST.model_copy(update={"mode": ForecastMode.PARALLEL}),
    )
    seq_b, par_b = seq.for_milestone("b"), par.for_milestone("b")
    assert seq_b is not None
    assert par_b is not None
    assert seq_b.remaining_cumulative == 7
    assert par_b.remaining_cumulative == 2
    assert seq_b.p50 == date(2026, 12, 3)
    assert par_b.p50 == date(2026, 11, 28)
    assert seq.for_milestone("a").p95 == date(2026, 12, 1)  # type: ignore[union-attr]


def test_estimates_are_used_when_they_cover_the_scope() -> None:
    done = [item(100 + d, done_days_ago=d, estimate=2) for d in range(1, 43)]
    work = [item(n, estimate=4) for n in range(3)]
    result = forecast_snapshot(snapshot(done + work), as_of=AS_OF, settings=FAST)
    assert result.unit is ForecastUnit.ESTIMATE
    assert result.for_milestone("m1").remaining == 12  # type: ignore[union-attr]
    partial = forecast_snapshot(snapshot([*done, *work, item(9)]), as_of=AS_OF, settings=FAST)
    assert partial.unit is ForecastUnit.ITEMS


def test_day_boundaries_follow_the_project_time_zone() -> None:
    # 23:30 UTC on the 26th is already the 27th (as_of's day) in Berlin: outside the window.
    late = item(1, state=ItemState.DONE).model_copy(
        update={"completed_at": datetime(2026, 11, 26, 23, 30, tzinfo=UTC)}
    )
    utc = forecast_snapshot(snapshot([late, item(2)]), as_of=AS_OF, settings=FAST)
    berlin = forecast_snapshot(
        snapshot([late, item(2)], tz="Europe/Berlin"), as_of=AS_OF, settings=FAST
    )
    assert utc.completions_in_window == 1
    assert berlin.completions_in_window == 0


def test_seed_derives_from_project_and_day() -> None:
    assert derive_seed("acme", date(2026, 11, 27)) == derive_seed("acme", date(2026, 11, 27))
    assert derive_seed("acme", date(2026, 11, 27)) != derive_seed("acme", date(2026, 11, 28))


def test_horizon_gives_a_reason_instead_of_a_date() -> None:
    done = [item(1000, done_days_ago=3)]
    work = [item(n) for n in range(200)]
    result = forecast_snapshot(
        snapshot(done + work),
        as_of=AS_OF,
        settings=FAST.model_copy(update={"horizon_days": 60}),
    )
    m1 = result.for_milestone("m1")
    assert m1 is not None
    assert m1.p50 is None
    assert m1.unknown_reason == "at the current throughput it takes over 60 days"


# --- properties -------------------------------------------------------------------------


@st.composite
def projects(draw: st.DrawFn) -> Snapshot:
    n_milestones = draw(st.integers(1, 4))
    milestones = [
        Milestone(
            id=f"m{j}",
            name=f"M{j}",
            due=draw(st.none() | st.dates(date(2026, 11, 1), date(2027, 6, 1))),
        )
        for j in range(n_milestones)
    ]
    items = []
    for n in range(draw(st.integers(0, 40))):
        ms = f"m{draw(st.integers(0, n_milestones - 1))}"
        done_ago = draw(st.none() | st.integers(0, 60))
        items.append(
            item(
                n,
                done_days_ago=done_ago,
                milestone=ms,
                estimate=draw(st.none() | st.sampled_from([1.0, 2.0, 3.0, 5.0])),
            )
        )
    return snapshot(items, milestones)


@settings(max_examples=60, deadline=None)
@given(projects())
def test_percentiles_are_ordered(project: Snapshot) -> None:
    for m in forecast_snapshot(project, as_of=AS_OF, settings=FAST).milestones:
        if m.p50 is not None and m.p85 is not None and m.p95 is not None:
            assert m.p50 <= m.p85 <= m.p95
        if m.p85 is not None:
            assert m.p50 is not None


@settings(max_examples=30, deadline=None)
@given(projects())
def test_same_seed_same_forecast(project: Snapshot) -> None:
    first = forecast_snapshot(project, as_of=AS_OF, settings=FAST)
    again = forecast_snapshot(project, as_of=AS_OF, settings=FAST)
    assert first.model_dump_json() == again.model_dump_json()


@settings(max_examples=60, deadline=None)
@given(projects(), st.data())
def test_completing_an_item_never_lowers_a_milestones_probability(
    project: Snapshot, data: st.DataObject
) -> None:
    open_items = [i for i in project.items if i.is_open]
    if not open_items:
        return
    target = data.draw(st.sampled_from(open_items))
    completed_at = AS_OF - timedelta(hours=data.draw(st.integers(0, 24 * 30)))
    done = target.model_copy(update={"state": ItemState.DONE, "completed_at": completed_at})
    after_snapshot = project.model_copy(
        update={"items": tuple(done if i.id == target.id else i for i in project.items)}
    )
    before = forecast_snapshot(project, as_of=AS_OF, settings=FAST)
    after = forecast_snapshot(after_snapshot, as_of=AS_OF, settings=FAST)
    for was in before.milestones:
        now = after.for_milestone(was.milestone_id)
        assert now is not None
        if was.probability_on_time is not None and now.probability_on_time is not None:
            assert now.probability_on_time >= was.probability_on_time
