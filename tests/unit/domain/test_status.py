from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.forecast import Forecast
from clientsync.domain.model import ItemState, Milestone, Snapshot, WorkItem
from clientsync.domain.risk import Risk, Severity
from clientsync.domain.settings import ForecastMode, StatusSettings
from clientsync.domain.status import MilestoneStatus, Rag, StatusView, compute_status

from .builders import (
    AS_OF,
    TODAY,
    ago,
    days,
    forecast_of,
    forecast_with,
    item,
    milestone,
    predicted,
    snapshot,
)
from .builders_status import drift_with, notice, risk


def status(
    snap: Snapshot,
    forecast: Forecast | None = None,
    *,
    as_of: datetime = AS_OF,
    **kwargs: Any,
) -> StatusView:
    return compute_status(
        snap,
        as_of=as_of,
        forecast=forecast if forecast is not None else forecast_with(),
        **kwargs,
    )


def only(view: StatusView) -> MilestoneStatus:
    (m,) = view.milestones
    return m


def keys(section: tuple[Any, ...]) -> list[str]:
    return [s.key for s in section]


DUE = days(18)  # 2026-12-15
ONE_OPEN = [item("P-1")]


# --- milestone RAG from the forecast ----------------------------------------------------


def test_likely_on_time_is_green_with_the_evidence() -> None:
    view = status(
        snapshot(ONE_OPEN, [milestone(due=DUE)]),
        forecast_with(predicted(chance=0.97, p85=days(4))),
    )
    m = only(view)
    assert m.rag is Rag.GREEN
    assert m.reasons == ("P(on time) 0.97", "P85 2026-12-01 before due 2026-12-15")
    assert m.forecast is not None
    assert m.forecast.probability_on_time == 0.97


def test_a_coin_toss_is_amber_and_says_the_p85_is_late() -> None:
    view = status(
        snapshot(ONE_OPEN, [milestone(due=DUE)]),
        forecast_with(predicted(chance=0.62, p85=days(21))),
    )
    m = only(view)
    assert m.rag is Rag.AMBER
    assert m.reasons == ("P(on time) 0.62", "P85 2026-12-18 is after the due date 2026-12-15")


@pytest.mark.parametrize(
    ("chance", "rag"),
    [
        (1.0, Rag.GREEN),
        (0.85, Rag.GREEN),
        (0.849, Rag.AMBER),
        (0.5, Rag.AMBER),
        (0.499, Rag.RED),
        (0.0, Rag.RED),
    ],
)
def test_probability_thresholds_are_inclusive(chance: float, rag: Rag) -> None:
    view = status(
        snapshot(ONE_OPEN, [milestone(due=DUE)]),
        forecast_with(predicted(chance=chance, p85=DUE)),
    )
    assert only(view).rag is rag
    assert f"P(on time) {chance:.2f}" in only(view).reasons


def test_thresholds_come_from_settings() -> None:
    snap = snapshot(ONE_OPEN, [milestone(due=DUE)])
    forecast = forecast_with(predicted(chance=0.7, p85=DUE))
    assert only(status(snap, forecast)).rag is Rag.AMBER
    lenient = StatusSettings(green_probability=0.6, amber_probability=0.3)
    assert only(status(snap, forecast, settings=lenient)).rag is Rag.GREEN
    strict = StatusSettings(green_probability=0.95, amber_probability=0.8)
    assert only(status(snap, forecast, settings=strict)).rag is Rag.RED


def test_p85_on_the_due_date_is_said_plainly() -> None:
    view = status(
        snapshot(ONE_OPEN, [milestone(due=DUE)]), forecast_with(predicted(chance=0.9, p85=DUE))
    )
    assert "P85 2026-12-15 is on the due date" in only(view).reasons


def test_a_forecast_past_the_horizon_is_judged_on_its_probability() -> None:
    far = predicted(chance=0.0, unknown="at the current throughput it takes over 730 days")
    view = status(snapshot(ONE_OPEN, [milestone(due=DUE)]), forecast_with(far))
    m = only(view)
    assert m.rag is Rag.RED
    assert m.reasons == (
        "P(on time) 0.00",
        "P85 is beyond the forecast horizon",
        "forecast: at the current throughput it takes over 730 days",
    )


# --- milestone RAG: overdue, unknown, undated, completed --------------------------------


def test_an_open_milestone_past_its_due_date_is_red_whatever_the_forecast() -> None:
    snap = snapshot([item("P-1"), item("P-2"), item("P-3", done_ago=5)], [milestone(due=days(-3))])
    m = only(status(snap, forecast_with(predicted(chance=1.0, p85=TODAY))))
    assert m.rag is Rag.RED
    assert m.reasons == ("overdue: due 2026-11-24, 3 days ago, with 2 open items",)


def test_due_today_is_not_overdue() -> None:
    snap = snapshot(ONE_OPEN, [milestone(due=TODAY)])
    m = only(status(snap, forecast_with(predicted(chance=0.9, p85=TODAY))))
    assert m.rag is Rag.GREEN


def test_overdue_is_judged_on_the_project_local_day() -> None:
    # 23:30 UTC on the 26th is already the 27th in Berlin: a milestone due the 26th is late there.
    late_evening = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    forecast = forecast_with(predicted(chance=1.0, p85=days(-1)))
    ms = [milestone(due=days(-1))]
    utc_view = status(snapshot(ONE_OPEN, ms), forecast, as_of=late_evening)
    berlin_view = status(snapshot(ONE_OPEN, ms, tz="Europe/Berlin"), forecast, as_of=late_evening)
    assert only(utc_view).rag is Rag.GREEN
    assert only(berlin_view).rag is Rag.RED
    assert utc_view.as_of == days(-1)
    assert berlin_view.as_of == TODAY


def test_no_throughput_is_amber_never_green() -> None:
    snap = snapshot([item("P-1"), item("P-2")], [milestone(due=days(300))])
    m = only(status(snap, forecast_of(snap)))
    assert m.rag is Rag.AMBER
    assert m.reasons == ("forecast unknown: no items completed in the last 42 days",)


def test_a_milestone_missing_from_the_forecast_is_unknown() -> None:
    m = only(status(snapshot(ONE_OPEN, [milestone(due=DUE)]), forecast_with()))
    assert m.rag is Rag.AMBER
    assert m.reasons == ("forecast unknown: no forecast for this milestone",)
    assert m.forecast is None


def test_a_milestone_without_a_due_date_is_coloured_by_risks_only() -> None:
    snap = snapshot(ONE_OPEN, [milestone(due=None)])
    forecast = forecast_with(predicted(chance=None, p85=days(10)))
    m = only(status(snap, forecast))
    assert m.rag is Rag.GREEN
    assert m.reasons == ("no due date", "P85 2026-12-07")
    unknown = forecast_with(predicted(unknown="no items completed in the last 42 days"))
    assert only(status(snap, unknown)).reasons == ("no due date",)
    high = only(status(snap, forecast, risks=[risk(Severity.HIGH, title="P-1 is blocked")]))
    assert high.rag is Rag.AMBER
    assert high.reasons[0] == "P-1 is blocked"


def test_a_milestone_with_no_open_items_is_not_judged_by_the_forecast() -> None:
    snap = snapshot([item("P-1", state=ItemState.CANCELLED)], [milestone(due=DUE)])
    m = only(status(snap, forecast_with(predicted(unknown="no items completed"))))
    assert m.rag is Rag.GREEN
    assert m.reasons == ("no open items",)
    assert not m.completed


def test_a_milestone_marked_done_is_green_and_completed() -> None:
    done = milestone(due=DUE, done=True, completed_at=datetime(2026, 11, 20, 15, tzinfo=UTC))
    # Open work left behind and a critical risk do not reopen a delivered milestone.
    snap = snapshot([item("P-1", done_ago=10), item("P-2")], [done])
    m = only(status(snap, risks=[risk(Severity.CRITICAL)]))
    assert m.rag is Rag.GREEN
    assert m.completed
    assert m.reasons == ("completed on 2026-11-20",)


def test_all_items_done_or_cancelled_completes_a_milestone_on_the_last_completion() -> None:
    work = [
        item("P-1", done_ago=9),
        item("P-2", done_ago=4),
        item("P-3", state=ItemState.CANCELLED),
    ]
    m = only(status(snapshot(work, [milestone(due=DUE)])))
    assert m.completed
    assert m.rag is Rag.GREEN
    assert m.reasons == ("completed on 2026-11-23",)


def test_a_late_delivery_stays_green_but_says_how_late() -> None:
    snap = snapshot([item("P-1", done_ago=2)], [milestone(due=days(-5))])
    m = only(status(snap))
    assert m.rag is Rag.GREEN
    assert m.reasons == ("completed on 2026-11-25", "completed 3 days late")


def test_the_completion_day_is_project_local() -> None:
    # 23:30 UTC on the 24th is the 25th in Berlin.
    work = [item("P-1", completed_at=datetime(2026, 11, 24, 23, 30, tzinfo=UTC), done_ago=3)]
    m = only(status(snapshot(work, [milestone(due=days(-3))], tz="Europe/Berlin")))
    assert m.reasons == ("completed on 2026-11-25", "completed 1 day late")


def test_done_without_any_date_still_has_a_reason() -> None:
    m = only(status(snapshot([], [milestone(due=DUE, done=True)])))
    assert m.rag is Rag.GREEN
    assert m.reasons == ("completed",)


# --- milestone RAG: risks and notes -----------------------------------------------------


def test_a_high_risk_caps_a_milestone_at_amber_with_its_title() -> None:
    snap = snapshot(ONE_OPEN, [milestone(due=DUE)])
    forecast = forecast_with(predicted(chance=0.97, p85=days(4)))
    m = only(status(snap, forecast, risks=[risk(Severity.HIGH, title="P-1 is blocked")]))
    assert m.rag is Rag.AMBER
    assert m.reasons[0] == "P-1 is blocked"
    assert "P(on time) 0.97" in m.reasons


def test_a_high_risk_does_not_lift_a_red_milestone() -> None:
    snap = snapshot(ONE_OPEN, [milestone(due=DUE)])
    forecast = forecast_with(predicted(chance=0.2, p85=days(40)))
    m = only(status(snap, forecast, risks=[risk(Severity.HIGH, title="P-1 is blocked")]))
    assert m.rag is Rag.RED
    assert m.reasons == (
        "P(on time) 0.20",
        "P85 2027-01-06 is after the due date 2026-12-15",
        "P-1 is blocked",
    )


def test_a_critical_risk_makes_a_milestone_red() -> None:
    snap = snapshot(ONE_OPEN, [milestone(due=DUE)])
    forecast = forecast_with(predicted(chance=0.97, p85=days(4)))
    m = only(status(snap, forecast, risks=[risk(Severity.CRITICAL, title="'M1' is overdue")]))
    assert m.rag is Rag.RED
    assert m.reasons[0] == "'M1' is overdue"


def test_low_and_medium_risks_and_other_milestones_risks_leave_it_alone() -> None:
    snap = snapshot(ONE_OPEN, [milestone("m1", due=DUE), milestone("m2", due=days(40))])
    forecast = forecast_with(
        predicted("m1", chance=0.97, p85=days(4)), predicted("m2", chance=0.97, p85=days(4))
    )
    risks = [
        risk(Severity.LOW, subject="P-1"),
        risk(Severity.MEDIUM, subject="P-2"),
        risk(Severity.CRITICAL, "m2", subject="P-3"),
    ]
    view = status(snap, forecast, risks=risks)
    assert [m.rag for m in view.milestones] == [Rag.GREEN, Rag.RED]


def test_blocked_items_are_counted_in_the_reasons() -> None:
    work = [item("P-1", blocked=True), item("P-2", blocked=True), item("P-3")]
    one = [item("P-1", blocked=True), item("P-2")]
    forecast = forecast_with(predicted(chance=0.97, p85=days(4)))
    m = only(status(snapshot(work, [milestone(due=DUE)]), forecast))
    assert m.rag is Rag.GREEN
    assert m.reasons[-1] == "2 blocked items"
    assert only(status(snapshot(one, [milestone(due=DUE)]), forecast)).reasons[-1] == (
        "1 blocked item"
    )


# --- counts and order -------------------------------------------------------------------


def test_counts_exclude_cancelled_items_and_unestimated_work_weighs_nothing() -> None:
    work = [
        item("P-1", done_ago=3, estimate=3),
        item("P-2", done_ago=2),
        item("P-3", estimate=5),
        item("P-4"),
        item("P-5", state=ItemState.CANCELLED, estimate=8),
        item("P-6", milestone="other", done_ago=1, estimate=13),
    ]
    m = only(status(snapshot(work, [milestone(due=DUE)])))
    assert (m.done, m.total) == (2, 4)
    assert (m.done_estimate, m.total_estimate) == (3.0, 8.0)


def test_milestones_come_in_due_date_order_undated_last() -> None:
    ms = [milestone("c", due=None), milestone("b", due=days(20)), milestone("a", due=days(40))]
    view = status(snapshot([], ms))
    assert [m.id for m in view.milestones] == ["b", "a", "c"]


# --- overall ----------------------------------------------------------------------------


def test_overall_is_the_worst_milestone_and_names_it() -> None:
    ms = [
        milestone("a", due=days(10), name="Alpha"),
        milestone("b", due=days(20), name="Beta"),
        milestone("c", due=days(30), name="Gamma"),
    ]
    work = [item("P-1", milestone="a"), item("P-2", milestone="b"), item("P-3", milestone="c")]
    forecast = forecast_with(
        predicted("a", chance=0.97, p85=days(4)),
        predicted("b", chance=0.30, p85=days(25)),
        predicted("c", chance=0.60, p85=days(28)),
    )
    overall = status(snapshot(work, ms), forecast).overall
    assert overall.rag is Rag.RED
    assert overall.reasons == (
        "Milestone 'Beta' is red: P(on time) 0.30; P85 2026-12-22 is after the due date 2026-12-17",
    )


def test_overall_green_still_says_why() -> None:
    ms = [milestone("a", due=days(10)), milestone("b", due=days(20))]
    work = [item("P-1", milestone="a"), item("P-2", milestone="b")]
    forecast = forecast_with(
        predicted("a", chance=0.97, p85=days(4)), predicted("b", chance=0.9, p85=days(15))
    )
    overall = status(snapshot(work, ms), forecast).overall
    assert overall.rag is Rag.GREEN
    assert overall.reasons == ("all 2 milestones are green",)
    single = status(snapshot([], [milestone(due=DUE, done=True)])).overall
    assert single.reasons == ("the milestone is green",)


@pytest.mark.parametrize(
    ("severity", "rag"),
    [(Severity.LOW, Rag.GREEN), (Severity.HIGH, Rag.AMBER), (Severity.CRITICAL, Rag.RED)],
)
def test_project_wide_risks_colour_the_overall_status(severity: Severity, rag: Rag) -> None:
    snap = snapshot(ONE_OPEN, [milestone(due=DUE)])
    forecast = forecast_with(predicted(chance=0.97, p85=days(4)))
    view = status(snap, forecast, risks=[risk(severity, None, title="Budget is nearly spent")])
    assert view.overall.rag is rag
    assert only(view).rag is Rag.GREEN
    if rag is not Rag.GREEN:
        assert view.overall.reasons == ("Budget is nearly spent",)


def test_a_risk_on_an_unknown_milestone_counts_project_wide() -> None:
    view = status(snapshot([], []), risks=[risk(Severity.HIGH, "gone", title="Gone is late")])
    assert view.overall.rag is Rag.AMBER
    assert view.overall.reasons == ("Gone is late",)


def test_without_milestones_overall_comes_from_risks() -> None:
    quiet = status(snapshot(ONE_OPEN, []))
    assert quiet.overall.rag is Rag.GREEN
    assert quiet.overall.reasons == ("no milestones and no high risks",)
    loud = status(snapshot(ONE_OPEN, []), risks=[risk(Severity.CRITICAL, None, title="Help")])
    assert loud.overall.rag is Rag.RED
    assert loud.overall.reasons == ("Help",)


def test_overall_lists_every_driver_at_the_worst_level() -> None:
    ms = [milestone("a", due=days(-2), name="Alpha"), milestone("b", due=days(20), name="Beta")]
    work = [item("P-1", milestone="a"), item("P-2", milestone="b")]
    forecast = forecast_with(predicted("b", chance=0.6, p85=days(25)))
    risks = [risk(Severity.CRITICAL, None, title="Client unreachable"), risk(Severity.HIGH, None)]
    overall = status(snapshot(work, ms), forecast, risks=risks).overall
    assert overall.rag is Rag.RED
    assert overall.reasons == (
        "Milestone 'Alpha' is red: overdue: due 2026-11-25, 2 days ago, with 1 open item",
        "Client unreachable",
    )


# --- sections ---------------------------------------------------------------------------


def test_done_since_last_covers_since_exclusive_to_as_of_inclusive() -> None:
    since = ago(5)
    work = [
        item("P-1", done_ago=5),  # exactly at `since`: reported last time
        item("P-2", done_ago=4.9),
        item("P-10", done_ago=1),
        item("P-3", done_ago=1),
        item("P-4", done_ago=0),  # exactly at as_of
        item("P-5", completed_at=AS_OF + timedelta(hours=1), state=ItemState.DONE),
        item("P-6", state=ItemState.CANCELLED, completed_at=ago(1)),
        item("P-7", state=ItemState.IN_PROGRESS),
    ]
    view = status(snapshot(work), since=since)
    assert keys(view.done_since_last) == ["P-2", "P-3", "P-10", "P-4"]
    assert all(s.age_days is None for s in view.done_since_last)
    assert view.done_since_last[0].completed_at == ago(4.9)
    assert view.since == days(-5)
    assert view.as_of == TODAY


def test_done_since_last_defaults_to_the_last_period() -> None:
    work = [item("P-1", done_ago=8), item("P-2", done_ago=6.5), item("P-3", done_ago=2)]
    view = status(snapshot(work))
    assert keys(view.done_since_last) == ["P-2", "P-3"]
    assert view.since is None
    short = status(snapshot(work), settings=StatusSettings(period_days=3))
    assert keys(short.done_since_last) == ["P-3"]


def test_since_is_the_project_local_day() -> None:
    view = status(
        snapshot([], tz="Europe/Berlin"), since=datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    )
    assert view.since == days(-6)


def test_in_progress_excludes_blocked_and_is_in_human_key_order() -> None:
    work = [
        item("P-10", state=ItemState.IN_PROGRESS),
        item("P-2", state=ItemState.IN_PROGRESS, status="In Review"),
        item("P-3", state=ItemState.IN_PROGRESS, blocked=True),
        item("P-4"),
        item("P-5", done_ago=1),
    ]
    view = status(snapshot(work))
    assert keys(view.in_progress) == ["P-2", "P-10"]
    first = view.in_progress[0]
    assert (first.title, first.status, first.state) == (
        "Work P-2",
        "In Review",
        ItemState.IN_PROGRESS,
    )
    assert first.milestones == ("m1",)


def test_blocked_items_carry_the_reason_and_days_since_update() -> None:
    work = [
        item("P-1", blocked=True, blocked_reason="Waiting for API keys", updated_ago=4),
        item("P-2", blocked=True, state=ItemState.IN_PROGRESS, updated_ago=0.1),
        item("P-3", blocked=True, done_ago=1),
    ]
    view = status(snapshot(work))
    assert keys(view.blocked) == ["P-1", "P-2"]
    assert (view.blocked[0].note, view.blocked[0].age_days) == ("Waiting for API keys", 4)
    assert (view.blocked[1].note, view.blocked[1].age_days) == (None, 0)


def test_overdue_items_by_due_date_with_days_overdue() -> None:
    work = [
        item("P-1", due=days(-1)),
        item("P-2", due=days(-10)),
        item("P-3", due=days(-1), state=ItemState.IN_PROGRESS),
        item("P-4", due=TODAY),
        item("P-5", due=days(-3), done_ago=1),
        item("P-6", due=days(-3), state=ItemState.CANCELLED),
    ]
    view = status(snapshot(work))
    assert keys(view.overdue) == ["P-2", "P-1", "P-3"]
    assert [s.age_days for s in view.overdue] == [10, 1, 1]
    assert view.overdue[0].due == days(-10)


def test_coming_up_is_open_work_due_within_the_period() -> None:
    work = [
        item("P-1", due=days(7)),
        item("P-2", due=TODAY),
        item("P-3", due=days(8)),
        item("P-4", due=days(-1)),
        item("P-5", due=days(2), done_ago=1),
        item("P-6"),
    ]
    assert keys(status(snapshot(work)).coming_up) == ["P-2", "P-1"]
    longer = status(snapshot(work), settings=StatusSettings(period_days=14))
    assert keys(longer.coming_up) == ["P-2", "P-1", "P-3"]


def test_client_requests_are_open_ones_oldest_first_with_their_age() -> None:
    work = [
        item("P-1", client_request=True, created_ago=3),
        item("P-2", client_request=True, created_ago=12, state=ItemState.IN_PROGRESS),
        item("P-3", client_request=True, created_ago=20, done_ago=1),
        item("P-4", created_ago=40),
    ]
    view = status(snapshot(work))
    assert keys(view.client_requests) == ["P-2", "P-1"]
    assert [s.age_days for s in view.client_requests] == [12, 3]


def test_each_change_notice_is_a_decision() -> None:
    drift = drift_with(
        notice("m1", "Beta", "Beta moved 14 days later", "P-9 added", at=ago(3)),
        notice(None, "Budget", "80% of the budget is spent"),
    )
    decisions = status(snapshot([]), drift=drift).decisions_needed
    assert [(d.kind, d.subject) for d in decisions] == [
        ("change-notice", "m1"),
        ("change-notice", "budget"),
    ]
    assert decisions[0].title == "Agree the change to 'Beta': Beta moved 14 days later; P-9 added"
    assert decisions[0].since == days(-3)
    assert decisions[1].since is None


def test_items_waiting_on_the_client_are_decisions() -> None:
    work = [
        item("P-10", status="Waiting for Client", updated_ago=2),
        item("P-2", labels=("Client-Review",)),
        item("P-3", status="In progress"),
        item("P-4", status="waiting on client", done_ago=1),
    ]
    decisions = status(snapshot(work), drift=drift_with()).decisions_needed
    assert [(d.kind, d.subject) for d in decisions] == [
        ("waiting-on-client", "P-2"),
        ("waiting-on-client", "P-10"),
    ]
    assert decisions[1].title == "P-10 'Work P-10' is waiting on you"
    assert decisions[1].since == days(-2)
    custom = StatusSettings(waiting_on_client_statuses=("in progress",))
    assert [d.subject for d in status(snapshot(work), settings=custom).decisions_needed] == [
        "P-2",
        "P-3",
    ]


def test_empty_snapshot_gives_empty_sections() -> None:
    view = status(snapshot([], []))
    assert view.milestones == ()
    assert view.done_since_last == view.in_progress == view.blocked == ()
    assert view.overdue == view.coming_up == view.client_requests == ()
    assert view.decisions_needed == ()


# --- properties -------------------------------------------------------------------------

MILESTONE_IDS = ("m1", "m2", "m3")


@st.composite
def projects(draw: st.DrawFn) -> Snapshot:
    ms = [
        Milestone(
            id=mid,
            name=mid.upper(),
            # Mostly dated: the forecast-driven rules are the interesting ones.
            due=days(draw(st.integers(-10, 90))) if draw(st.integers(0, 4)) else None,
            done=draw(st.integers(0, 3)) == 0,
        )
        for mid in MILESTONE_IDS[: draw(st.integers(0, 3))]
    ]
    work: list[WorkItem] = []
    for n in range(draw(st.integers(0, 16))):
        state = draw(st.sampled_from(ItemState))
        fields: dict[str, Any] = {
            "milestone": draw(st.sampled_from([None, *(m.id for m in ms for _ in range(3))])),
            "state": state,
            "blocked": draw(st.booleans()),
            "due": draw(st.none() | st.integers(-20, 30).map(days)),
            "estimate": draw(st.none() | st.sampled_from([0.5, 1.0, 3.0, 8.0])),
            "client_request": draw(st.booleans()),
            "updated_ago": draw(st.integers(0, 20)),
        }
        if state is ItemState.DONE:
            fields["done_ago"] = draw(st.integers(0, 41))
        work.append(item(f"P-{n}", **fields))
    return snapshot(work, ms)


def risks_for(data: st.DataObject, snap: Snapshot) -> list[Risk]:
    targets = [None, *(m.id for m in snap.milestones)]
    return [
        risk(
            data.draw(st.sampled_from(Severity)),
            data.draw(st.sampled_from(targets)),
            subject=f"R-{n}",
        )
        for n in range(data.draw(st.integers(0, 3)))
    ]


def rags(view: StatusView) -> dict[str, int]:
    return {m.id: m.rag.rank for m in view.milestones}


@settings(max_examples=50, deadline=None)
@given(projects(), st.data())
def test_same_inputs_give_byte_identical_output(snap: Snapshot, data: st.DataObject) -> None:
    risks = risks_for(data, snap)
    since = data.draw(st.none() | st.integers(1, 20).map(ago))
    first = compute_status(snap, as_of=AS_OF, forecast=forecast_of(snap), risks=risks, since=since)
    # Reversed inputs are the same project: the view must not depend on tracker order.
    shuffled = snap.model_copy(
        update={"items": snap.items[::-1], "milestones": snap.milestones[::-1]}
    )
    again = compute_status(
        shuffled, as_of=AS_OF, forecast=forecast_of(shuffled), risks=risks[::-1], since=since
    )
    assert first.model_dump_json() == again.model_dump_json()


@settings(max_examples=50, deadline=None)
@given(projects(), st.data())
def test_reasons_are_never_empty(snap: Snapshot, data: st.DataObject) -> None:
    view = compute_status(
        snap, as_of=AS_OF, forecast=forecast_of(snap), risks=risks_for(data, snap)
    )
    assert view.overall.reasons
    assert all(m.reasons for m in view.milestones)
    # Overall is never better than its worst milestone.
    assert all(view.overall.rag.rank >= m.rag.rank for m in view.milestones)


@settings(max_examples=50, deadline=None)
@given(projects(), st.data())
def test_completing_an_item_never_makes_a_milestone_worse(
    snap: Snapshot, data: st.DataObject
) -> None:
    open_items = [i for i in snap.items if i.is_open]
    if not open_items:
        return
    chosen = data.draw(st.sampled_from(open_items))
    done = chosen.model_copy(update={"state": ItemState.DONE, "completed_at": AS_OF})
    after = snap.model_copy(update={"items": tuple(done if i is chosen else i for i in snap.items)})
    before_view = compute_status(snap, as_of=AS_OF, forecast=forecast_of(snap))
    after_view = compute_status(after, as_of=AS_OF, forecast=forecast_of(after))
    old, new = rags(before_view), rags(after_view)
    assert all(new[m] <= old[m] for m in old)
    assert after_view.overall.rag.rank <= before_view.overall.rag.rank


@settings(max_examples=50, deadline=None)
@given(projects(), st.data(), st.integers(1, 60))
def test_moving_a_due_date_later_never_makes_a_milestone_worse(
    snap: Snapshot, data: st.DataObject, later: int
) -> None:
    dated = [m for m in snap.milestones if m.due is not None]
    if not dated:
        return
    chosen = data.draw(st.sampled_from(dated))
    assert chosen.due is not None
    moved = chosen.model_copy(update={"due": chosen.due + timedelta(days=later)})
    after = snap.model_copy(
        update={"milestones": tuple(moved if m is chosen else m for m in snap.milestones)}
    )
    # Parallel mode: in sequential mode a later date reorders the queue, which is a
    # different plan, not the same plan with more time.
    parallel = ForecastMode.PARALLEL
    before_view = compute_status(snap, as_of=AS_OF, forecast=forecast_of(snap, parallel))
    after_view = compute_status(after, as_of=AS_OF, forecast=forecast_of(after, parallel))
    assert rags(after_view)[chosen.id] <= rags(before_view)[chosen.id]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 30), st.integers(1, 20))
def test_moving_the_only_milestone_later_never_hurts_in_sequential_mode(
    done_count: int, later: int
) -> None:
    work = [item(f"D-{n}", done_ago=1 + n % 40) for n in range(done_count)]
    work += [item(f"P-{n}") for n in range(10)]
    snap = snapshot(work, [milestone(due=days(5))])
    moved = snapshot(work, [milestone(due=days(5 + later))])
    before = only(compute_status(snap, as_of=AS_OF, forecast=forecast_of(snap)))
    after = only(compute_status(moved, as_of=AS_OF, forecast=forecast_of(moved)))
    assert after.rag.rank <= before.rag.rank
