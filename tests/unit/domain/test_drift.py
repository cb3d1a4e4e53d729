from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.baseline import Baseline, ChangeAcknowledgement
from clientsync.domain.drift import (
    REASON_NEEDED,
    BudgetBurn,
    DriftKind,
    compute_drift,
    notice_summary,
)
from clientsync.domain.forecast import forecast_snapshot
from clientsync.domain.model import ItemState, Snapshot, WorkItem
from clientsync.domain.settings import ForecastMode

from .builders_drift import (
    AGREED_AT,
    AS_OF,
    FAST,
    ago,
    agree,
    change,
    days,
    drift,
    item,
    items_st,
    kinds,
    milestone,
    snapshot,
    snapshots_st,
    steady_team,
)

ADDED, REMOVED = DriftKind.SCOPE_ADDED, DriftKind.SCOPE_REMOVED
ESTIMATE, MOVED = DriftKind.ESTIMATE_CHANGED, DriftKind.MILESTONE_MOVED


# --- scope ------------------------------------------------------------------------------


def test_a_baseline_against_its_own_snapshot_has_no_drift() -> None:
    snap = snapshot(
        [item("P-1", estimate=3), item("P-2"), item("P-3", state=ItemState.CANCELLED)],
        [milestone("m1", days(10)), milestone("m2")],
    )
    view = drift(agree(snap), snap)
    assert view.events == ()
    assert view.notices == ()
    assert view.budget is None
    assert (view.baseline_id, view.agreed_by) == ("b1", "Client")
    assert [(m.milestone, m.baseline_due, m.due) for m in view.milestones] == [
        ("m1", days(10), days(10)),
        ("m2", None, None),
    ]


def test_new_work_is_scope_added_under_its_first_milestone() -> None:
    agreed = snapshot([item("P-1", estimate=3)], [milestone("m1", days(10)), milestone("m2")])
    new = item("P-12", estimate=5, title="Export to CSV").model_copy(
        update={"milestones": ("m2", "m1")}
    )
    dropped = item("P-13", state=ItemState.CANCELLED)
    view = drift(agree(agreed), snapshot([*agreed.items, new, dropped], agreed.milestones))
    [event] = view.events
    assert (event.kind, event.subject, event.milestone) == (ADDED, "P-12", "m2")
    assert (event.before, event.after) == (None, 5.0)
    assert event.title == "Added P-12 'Export to CSV' (5 points)"


def test_agreed_work_cancelled_or_deleted_is_scope_removed_under_its_agreed_milestone() -> None:
    agreed = snapshot(
        [item("P-1", estimate=3), item("P-2", estimate=1), item("P-3")],
        [milestone("m1", days(10)), milestone("m2", days(20))],
    )
    cancelled = item("P-1", milestone="m2", estimate=3, state=ItemState.CANCELLED)
    view = drift(agree(agreed), snapshot([cancelled], agreed.milestones))
    assert kinds(view) == [(REMOVED, "P-1"), (REMOVED, "P-2"), (REMOVED, "P-3")]
    first, second, third = view.events
    assert (first.milestone, first.before, first.after) == ("m1", 3.0, None)
    assert first.title == "Removed P-1 'Work P-1' (3 points, cancelled)"
    assert second.title == "Removed P-2 (1 point, no longer in the tracker)"
    assert third.title == "Removed P-3 (unestimated, no longer in the tracker)"


def test_an_estimate_change_counts_from_and_to_unestimated() -> None:
    agreed = snapshot([item("P-1", estimate=3), item("P-2"), item("P-3", estimate=5)])
    now = snapshot([item("P-1", estimate=8), item("P-2", estimate=2), item("P-3")])
    view = drift(agree(agreed), now)
    assert [(e.kind, e.subject, e.before, e.after) for e in view.events] == [
        (ESTIMATE, "P-1", 3.0, 8.0),
        (ESTIMATE, "P-2", None, 2.0),
        (ESTIMATE, "P-3", 5.0, None),
    ]
    assert [e.title for e in view.events] == [
        "Re-estimated P-1 'Work P-1' from 3 points to 8 points",
        "Re-estimated P-2 'Work P-2' from unestimated to 2 points",
        "Re-estimated P-3 'Work P-3' from 5 points to unestimated",
    ]


def test_an_unplanned_agreed_item_re_estimated_into_a_milestone_counts_there() -> None:
    agreed = snapshot([item("P-1", milestone=None)])
    [event] = drift(agree(agreed), snapshot([item("P-1", estimate=3)])).events
    assert (event.kind, event.milestone, event.before, event.after) == (ESTIMATE, "m1", None, 3.0)
    [m1] = drift(agree(agreed), snapshot([item("P-1", estimate=3)])).milestones
    assert (m1.scope_change_percent_count, m1.scope_change_percent_estimate) == (0.0, None)


# --- milestones -------------------------------------------------------------------------


def test_a_moved_milestone_says_by_how_many_days_and_which_way() -> None:
    agreed = snapshot([], [milestone("m1", days(10)), milestone("m2", days(20)), milestone("m3")])
    now = snapshot(
        [], [milestone("m1", days(17)), milestone("m2", days(18)), milestone("m3", days(30))]
    )
    view = drift(agree(agreed), now)
    assert [(e.subject, e.days, e.before, e.after) for e in view.events] == [
        ("m1", 7, days(10).isoformat(), days(17).isoformat()),
        ("m2", -2, days(20).isoformat(), days(18).isoformat()),
        ("m3", None, None, days(30).isoformat()),
    ]
    assert {e.kind for e in view.events} == {MOVED}
    assert [m.slip_days for m in view.milestones] == [7, -2, 0]
    assert view.notices[0].what == ("Due date moved from 2026-12-07 to 2026-12-14 (+7 days)",)
    assert view.notices[1].what == ("Due date moved from 2026-12-17 to 2026-12-15 (-2 days)",)
    assert view.notices[2].what == ("Due date set to 2026-12-27 (none was agreed)",)
    assert view.events[0].title == (
        "'Milestone m1': Due date moved from 2026-12-07 to 2026-12-14 (+7 days)"
    )


def test_milestones_only_on_one_side_are_added_or_removed() -> None:
    agreed = snapshot([], [milestone("m1", days(10)), milestone("old", days(40), name="Handover")])
    now = snapshot([], [milestone("m1", days(10)), milestone("new", name="Analytics")])
    view = drift(agree(agreed), now)
    assert kinds(view) == [
        (DriftKind.MILESTONE_REMOVED, "old"),
        (DriftKind.MILESTONE_ADDED, "new"),
    ]
    removed, added = view.events
    assert removed.title == f"Milestone 'Handover' removed (was due {days(40)})"
    assert (removed.before, removed.after) == (days(40).isoformat(), None)
    assert added.title == "New milestone 'Analytics' (no due date)"
    assert [m.milestone for m in view.milestones] == ["m1", "old", "new"]
    assert [(n.due_before, n.due_after) for n in view.notices] == [(days(40), None), (None, None)]


def test_events_run_in_milestone_due_order_then_kind_then_subject() -> None:
    dues = [milestone("late", days(20)), milestone("early", days(5))]
    agreed = snapshot([item("P-1", milestone="late")], dues)
    now = snapshot(
        [
            item("P-1", milestone="late", estimate=3),
            item("P-12", milestone="late"),
            item("P-2", milestone="late"),
            item("P-3", milestone="early"),
            item("P-4", milestone=None),
        ],
        [milestone("late", days(21)), milestone("early", days(5))],
    )
    assert kinds(drift(agree(agreed), now)) == [
        (ADDED, "P-3"),
        (ADDED, "P-2"),
        (ADDED, "P-12"),
        (ESTIMATE, "P-1"),
        (MOVED, "late"),
        (ADDED, "P-4"),
    ]


# --- totals -----------------------------------------------------------------------------


def test_scope_change_is_net_growth_against_the_agreed_count_and_estimate() -> None:
    agreed = snapshot(
        [
            item("P-1", estimate=2),
            item("P-2", estimate=2),
            item("P-3", estimate=4),
            item("P-4", estimate=2),
        ]
    )
    now = snapshot(
        [
            item("P-1", estimate=3),
            item("P-2", estimate=2),
            item("P-3", estimate=4),
            item("P-4", estimate=2, state=ItemState.CANCELLED),
            item("P-5", estimate=3),
            item("P-6", estimate=5),
        ]
    )
    [m1] = drift(agree(agreed), now).milestones
    assert (m1.items_added, m1.items_removed) == (2, 1)
    assert m1.scope_change_percent_count == 25.0  # (2 - 1) / 4
    assert m1.scope_change_percent_estimate == 70.0  # (3 + 5 - 2 + (3 - 2)) / 10


def test_a_milestone_with_nothing_agreed_grows_by_all_of_its_work() -> None:
    agreed = snapshot([item("P-1", estimate=1)], [milestone("m1", days(10)), milestone("m2")])
    now = snapshot(
        [item("P-1", estimate=1), item("P-9", milestone="m2", estimate=2)], agreed.milestones
    )
    m1, m2 = drift(agree(agreed), now).milestones
    assert (m1.scope_change_percent_count, m1.scope_change_percent_estimate) == (0.0, 0.0)
    assert (m2.scope_change_percent_count, m2.scope_change_percent_estimate) == (100.0, 100.0)


def test_scope_change_by_estimate_is_unknown_when_an_estimate_is_missing() -> None:
    agreed = snapshot([item("P-1", estimate=1), item("P-2", estimate=1)])
    now = snapshot([*agreed.items, item("P-3")])
    [m1] = drift(agree(agreed), now).milestones
    assert m1.scope_change_percent_count == 50.0
    assert m1.scope_change_percent_estimate is None


# --- budget -----------------------------------------------------------------------------


def test_budget_is_reported_without_an_event_while_spending_keeps_pace() -> None:
    agreed = snapshot([item("P-1", estimate=3), item("P-2", estimate=1)])
    now = snapshot(
        [
            item("P-1", estimate=3, state=ItemState.DONE, spent_hours=40),
            item("P-2", estimate=1, spent_hours=5),
        ]
    )
    view = drift(agree(agreed, budget_hours=100), now)
    assert view.budget == BudgetBurn(
        budget_hours=100, spent_hours=45, burn_percent=45.0, progress_percent=75.0
    )
    assert view.events == ()


def test_spending_more_than_ten_points_ahead_of_progress_is_a_budget_event() -> None:
    agreed = snapshot([item("P-1", estimate=1), item("P-2", estimate=3)])

    def now(spent: float) -> Snapshot:
        return snapshot(
            [
                item("P-1", estimate=1, state=ItemState.DONE, spent_hours=spent),
                item("P-2", estimate=3),
            ]
        )

    baseline = agree(agreed, budget_hours=100)
    assert drift(baseline, now(35)).events == ()  # 35% spent for 25% done: on the margin
    view = drift(baseline, now(50))
    [event] = view.events
    assert (event.kind, event.subject, event.milestone) == (DriftKind.BUDGET_BURN, "budget", None)
    assert (event.before, event.after) == (100.0, 50.0)
    assert event.title == ("Spent 50 of 100 budgeted hours (50%) with 25% of the agreed scope done")
    [notice] = view.notices
    assert (notice.milestone, notice.milestone_name) == (None, "Budget")
    assert notice.impact == (
        "50% of the budget is spent for 25% of the agreed scope; "
        "at this rate the agreed scope needs about 200 hours against 100 budgeted"
    )


def test_over_budget_is_an_event_even_when_progress_keeps_pace() -> None:
    agreed = snapshot([item("P-1", estimate=2)])
    now = snapshot([item("P-1", estimate=2, state=ItemState.DONE, spent_hours=110)])
    [event] = drift(agree(agreed, budget_hours=100), now).events
    assert event.title == (
        "Over budget: spent 110 of 100 budgeted hours (110%) with 100% of the agreed scope done"
    )


def test_progress_counts_items_when_an_agreed_item_is_unestimated() -> None:
    agreed = snapshot([item("P-1", estimate=9), item("P-2")])
    now = snapshot([item("P-1", estimate=9, state=ItemState.DONE), item("P-2")])
    budget = drift(agree(agreed, budget_hours=10), now).budget
    assert budget is not None
    assert budget.progress_percent == 50.0


# --- reasons ----------------------------------------------------------------------------


def test_reason_and_moment_come_from_the_latest_matching_change() -> None:
    agreed = snapshot([item("P-1", estimate=3)], [milestone("m1", days(10))])
    now = snapshot([item("P-1", estimate=5), item("P-2")], [milestone("m1", days(14))])
    history = [
        change("P-1", "estimate", at=ago(6), reason="first guess was low"),
        change("P-1", "estimate", at=ago(2), reason="the API is paginated"),
        change("P-1", "assignee", at=ago(1), reason="holiday cover"),
        change("P-2", "created", at=ago(3), reason="asked for in the demo"),
        change("m1", "due", at=ago(4), reason="client holiday"),
    ]
    view = drift(agree(agreed), now, history)
    assert [(e.subject, e.reason, e.at) for e in view.events] == [
        ("P-2", "asked for in the demo", ago(3)),
        ("P-1", "the API is paginated", ago(2)),
        ("m1", "client holiday", ago(4)),
    ]
    [notice] = view.notices
    assert notice.why == "asked for in the demo; the API is paginated; client holiday"
    assert not notice.reason_needed


def test_history_from_before_the_baseline_explains_nothing() -> None:
    agreed = snapshot([item("P-1", estimate=3)])
    now = snapshot([item("P-1", estimate=5)])
    early = change("P-1", "estimate", at=AGREED_AT - timedelta(days=1), reason="old news")
    [event] = drift(agree(agreed), now, [early]).events
    assert (event.reason, event.at) == (None, None)


def test_an_item_can_carry_its_own_reason_and_history_overrides_it() -> None:
    agreed = snapshot([item("P-1")])
    now = snapshot(
        [
            item("P-1"),
            item("P-2", extra={"change_reason": "  Requested in the 11 Nov call "}),
            item("P-3", labels=("frontend", "Reason: legal requirement")),
            item("P-4", extra={"change_reason": "stale note"}),
        ]
    )
    history = [change("P-4", "milestones", reason="moved in from phase 2")]
    reasons = {e.subject: e.reason for e in drift(agree(agreed), now, history).events}
    assert reasons == {
        "P-2": "Requested in the 11 Nov call",
        "P-3": "legal requirement",
        "P-4": "moved in from phase 2",
    }


def test_the_latest_change_without_a_reason_leaves_the_change_unexplained() -> None:
    agreed = snapshot([item("P-1", estimate=3)])
    now = snapshot([item("P-1", estimate=8)])
    history = [
        change("P-1", "estimate", at=ago(4), reason="spike"),
        change("P-1", "estimate", at=ago(2)),
    ]
    [event] = drift(agree(agreed), now, history).events
    assert (event.reason, event.at) == (None, ago(2))


def test_a_change_without_a_reason_needs_one() -> None:
    agreed = snapshot([item("P-1")])
    [notice] = drift(agree(agreed), snapshot([item("P-1"), item("P-2")])).notices
    assert notice.why == REASON_NEEDED
    assert notice.reason_needed
    assert notice.unexplained == ("P-2",)
    assert notice.reasons == ()


def test_known_reasons_are_listed_beside_the_missing_ones() -> None:
    agreed = snapshot([item("P-1")])
    now = snapshot([item("P-1"), item("P-2", extra={"change_reason": "client asked"}), item("P-3")])
    [notice] = drift(agree(agreed), now).notices
    assert notice.reason_needed
    assert notice.why == f"{REASON_NEEDED} for P-3; given: client asked"
    assert notice.reasons == ("client asked",)


# --- notices and impact -----------------------------------------------------------------


def test_notices_come_per_milestone_then_unplanned_work_then_budget() -> None:
    agreed = snapshot(
        [item("P-1", estimate=1), item("P-5", estimate=1)],
        [milestone("m1", days(10)), milestone("m2", days(20))],
    )
    now = snapshot(
        [
            item("P-1", estimate=1, spent_hours=30),
            item("P-5", estimate=1),
            item("P-2", milestone="m2"),
            item("P-3"),
            item("P-4", milestone=None),
        ],
        agreed.milestones,
    )
    view = drift(agree(agreed, budget_hours=50), now)
    assert [(n.milestone, n.milestone_name) for n in view.notices] == [
        ("m1", "Milestone m1"),
        ("m2", "Milestone m2"),
        (None, "Outside any milestone"),
        (None, "Budget"),
    ]
    assert [n.what for n in view.notices[:3]] == [
        ("Added P-3 'Work P-3' (unestimated)",),
        ("Added P-2 'Work P-2' (unestimated)",),
        ("Added P-4 'Work P-4' (unestimated)",),
    ]
    assert [e.subject for n in view.notices for e in n.events] == [e.subject for e in view.events]


def test_without_throughput_the_impact_says_why_there_is_no_forecast() -> None:
    agreed = snapshot([item("P-1")], [milestone("m1", days(10))])
    [notice] = drift(agree(agreed), snapshot([item("P-1"), item("P-2")], agreed.milestones)).notices
    assert notice.impact == "No forecast: no items completed in the last 42 days"
    assert (notice.forecast_after, notice.probability_after, notice.options) == (None, None, ())


def test_added_scope_shows_its_effect_on_the_forecast() -> None:
    # One item a day, every day: the 5 agreed items finish on day 4, 8 items on day 7.
    agreed = snapshot(
        [*steady_team(), *(item(f"P-{n}") for n in range(1, 6))], [milestone("m1", days(10))]
    )
    now = snapshot([*agreed.items, *(item(f"P-{n}") for n in range(6, 9))], agreed.milestones)
    [notice] = drift(agree(agreed), now).notices
    assert (notice.due_before, notice.due_after) == (days(10), days(10))
    assert (notice.forecast_before, notice.forecast_after) == (days(4), days(7))
    assert (notice.probability_before, notice.probability_after) == (1.0, 1.0)
    assert notice.impact == f"P85 moves from {days(4)} to {days(7)}; P(on time) 1.00 -> 1.00"
    assert notice.options == ()


def test_the_agreed_forecast_restores_removed_work() -> None:
    agreed = snapshot(
        [*steady_team(), *(item(f"P-{n}") for n in range(1, 7))], [milestone("m1", days(10))]
    )
    kept = [i for i in agreed.items if i.key not in ("P-5", "P-6")]
    now = snapshot([*kept, item("P-6", state=ItemState.CANCELLED)], agreed.milestones)
    [notice] = drift(agree(agreed), now).notices
    assert (notice.forecast_before, notice.forecast_after) == (days(5), days(3))


def test_a_milestone_forecast_to_miss_its_date_gets_three_options() -> None:
    agreed = snapshot(
        [*steady_team(), *(item(f"P-{n}") for n in range(1, 6))], [milestone("m1", days(6))]
    )
    added = [item(f"P-{n}", created_ago=11 - n) for n in range(6, 11)]  # P-10 is the newest
    now = snapshot([*agreed.items, *added], agreed.milestones)
    [notice] = drift(agree(agreed), now).notices
    assert notice.impact == f"P85 moves from {days(4)} to {days(9)}; P(on time) 1.00 -> 0.00"
    descope, move, faster = notice.options
    # 7 days to the due date at 1 a day: 3 of the 10 items must go, the newest added first.
    assert (descope.kind, descope.items, descope.amount) == ("descope", ("P-10", "P-9", "P-8"), 3)
    assert descope.summary == f"Descope 3 open items to hold {days(6)}"
    assert (move.kind, move.new_due) == ("move-date", days(9))
    assert move.summary == f"Move the date to {days(9)} (85% confidence)"
    assert (faster.kind, faster.amount) == ("add-throughput", 0.43)  # 10 / 7 - 1
    assert faster.summary == f"Raise throughput by 0.43 items per day to hold {days(6)}"


def test_descoping_takes_the_biggest_agreed_work_when_nothing_was_added() -> None:
    # Estimate mode, 1 point a day: 8 agreed points were due to land on day 7.
    agreed = snapshot(
        [
            *steady_team(estimate=1),
            item("P-1", estimate=1),
            item("P-2", estimate=5),
            item("P-3", estimate=2),
        ],
        [milestone("m1", days(5))],
    )
    now = snapshot([*agreed.items[:-1], item("P-3", estimate=3)], agreed.milestones)
    [notice] = drift(agree(agreed), now).notices
    assert (notice.forecast_before, notice.forecast_after) == (days(7), days(8))
    descope, move, faster = notice.options
    assert (descope.items, descope.amount) == (("P-2",), 5)
    assert descope.summary == f"Descope 1 open item totalling 5 points to hold {days(5)}"
    assert move.new_due == days(8)
    assert faster.summary == f"Raise throughput by 0.5 points per day to hold {days(5)}"


def test_sequential_descoping_leaves_room_for_the_earlier_milestone() -> None:
    dues = [milestone("m1", days(4)), milestone("m2", days(6))]
    agreed = snapshot(
        [
            *steady_team(),
            *(item(f"P-{n}") for n in range(1, 4)),
            *(item(f"Q-{n}", milestone="m2") for n in range(1, 5)),
        ],
        dues,
    )
    now = snapshot([*agreed.items, item("Q-5", milestone="m2")], dues)
    notice = drift(agree(agreed), now).notices[0]
    assert notice.milestone == "m2"
    # 8 items by day 6 at 1 a day leaves room for 4 of m2's 5 once m1's 3 are done.
    assert notice.options[0].items == ("Q-5",)
    parallel = FAST.model_copy(update={"mode": ForecastMode.PARALLEL})
    assert drift(agree(agreed), now, settings=parallel).notices[0].options == ()


def test_no_options_without_a_due_date_or_once_delivered() -> None:
    for m1 in (milestone("m1"), milestone("m1", days(1), done=True)):
        agreed = snapshot([*steady_team(), *(item(f"P-{n}") for n in range(1, 6))], [m1])
        now = snapshot([*agreed.items, item("P-9")], [m1])
        [notice] = drift(agree(agreed), now).notices
        assert notice.options == ()


def test_a_given_forecast_gives_the_same_view_as_its_settings() -> None:
    agreed = snapshot(
        [*steady_team(), *(item(f"P-{n}") for n in range(1, 6))], [milestone("m1", days(6))]
    )
    now = snapshot([*agreed.items, item("P-9"), item("P-10")], agreed.milestones)
    current = forecast_snapshot(now, as_of=AS_OF, settings=FAST)
    given_forecast = compute_drift(agree(agreed), now, as_of=AS_OF, forecast=current)
    assert given_forecast == drift(agree(agreed), now)


# --- sign-offs --------------------------------------------------------------------------


def signed(
    notice_id: str, at: datetime, by: str = "Jordan", note: str | None = None
) -> ChangeAcknowledgement:
    return ChangeAcknowledgement(
        notice_id=notice_id,
        summary=f"{notice_id}: agreed",
        acknowledged_by=by,
        acknowledged_at=at,
        note=note,
    )


def test_the_summary_of_a_notice_is_one_line_of_dates_and_counts() -> None:
    agreed = snapshot(
        [item("P-1", estimate=3), item("P-2"), item("P-3")],
        [milestone("m1", days(10), name="Beta"), milestone("m2", days(40), name="Training")],
    )
    now = snapshot(
        [
            item("P-1", estimate=5),
            item("P-2", state=ItemState.CANCELLED),
            item("P-8", title="Secret-ish title"),
            item("P-9"),
        ],
        [milestone("m1", days(17), name="Beta"), milestone("m3", days(50), name="Add-on")],
    )
    view = drift(agree(agreed, budget_hours=10), now)
    summaries = {n.id: notice_summary(n) for n in view.notices}
    assert summaries == {
        "m1": "Beta: due date moved from 2026-12-07 to 2026-12-14 (+7 days); "
        "2 items added; 2 items removed; 1 item re-estimated",
        "m2": "Training: milestone removed",
        "m3": "Add-on: new milestone, due 2027-01-16",
    }
    # Counts and dates only: no item's key or title.
    assert all("P-" not in s and "Secret" not in s for s in summaries.values())


def test_the_summary_of_a_budget_notice_names_no_figure() -> None:
    agreed = snapshot([item("P-1", estimate=2), item("P-2", estimate=2)])
    ahead = snapshot([item("P-1", estimate=2, spent_hours=60), item("P-2", estimate=2)])
    over = snapshot([item("P-1", estimate=2, spent_hours=160), item("P-2", estimate=2)])
    [ahead_notice] = drift(agree(agreed, budget_hours=100), ahead).notices
    [over_notice] = drift(agree(agreed, budget_hours=100), over).notices
    assert notice_summary(ahead_notice) == "Budget: spending ahead of progress"
    assert notice_summary(over_notice) == "Budget: over budget"


def test_the_view_carries_every_sign_off_the_baseline_records() -> None:
    snap = snapshot([item("P-1")], [milestone("m1", days(10))])
    record = (signed("m1", ago(30), note="call"), signed("budget", ago(25)))
    view = drift(agree(snap, acknowledgements=record), snap)
    assert view.acknowledgements == record
    assert view.notices == ()


def test_scope_and_date_changes_always_await_sign_off() -> None:
    # The sign-off on m1 made this baseline; anything m1 shows now happened since.
    agreed = snapshot([item("P-1")], [milestone("m1", days(10))])
    now = snapshot([item("P-1"), item("P-2")], [milestone("m1", days(12))])
    baseline = agree(agreed, acknowledgements=(signed("m1", AGREED_AT),))
    [notice] = drift(baseline, now).notices
    assert notice.awaiting_sign_off
    assert (notice.acknowledged_by, notice.acknowledged_at) == (None, None)


def test_a_budget_overrun_signed_off_with_this_baseline_says_who_agreed_it() -> None:
    agreed = snapshot([item("P-1", estimate=2), item("P-2", estimate=2)])
    now = snapshot([item("P-1", estimate=2, spent_hours=160), item("P-2", estimate=2)])

    def budget_notice(baseline: Baseline) -> tuple[str | None, datetime | None]:
        [notice] = drift(baseline, now).notices
        return notice.acknowledged_by, notice.acknowledged_at

    with_sign_off = agree(agreed, budget_hours=100, acknowledgements=(signed("budget", AGREED_AT),))
    assert budget_notice(with_sign_off) == ("Jordan", AGREED_AT)
    assert drift(with_sign_off, now).awaiting_sign_off == ()
    # A sign-off from before this baseline was about an earlier state of the budget.
    earlier = agree(agreed, budget_hours=100, acknowledgements=(signed("budget", ago(40)),))
    assert budget_notice(earlier) == (None, None)
    # A sign-off on another notice says nothing about the budget.
    other = agree(agreed, budget_hours=100, acknowledgements=(signed("m1", AGREED_AT),))
    assert budget_notice(other) == (None, None)
    assert len(drift(other, now).awaiting_sign_off) == 1


def test_a_baseline_json_without_sign_offs_loads_with_none() -> None:
    snap = snapshot([item("P-1")])
    old = agree(snap).model_dump_json(exclude={"acknowledgements"})
    assert "acknowledgements" not in old
    assert Baseline.model_validate_json(old).acknowledgements == ()


# --- properties -------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(snapshots_st())
def test_any_snapshot_against_its_own_baseline_has_no_drift(snap: Snapshot) -> None:
    view = drift(agree(snap), snap)
    assert view.events == ()
    assert view.notices == ()
    assert all(
        (m.slip_days, m.items_added, m.items_removed, m.scope_change_percent_count) == (0, 0, 0, 0)
        for m in view.milestones
    )


@settings(max_examples=50, deadline=None)
@given(
    snapshots_st(),
    items_st(prefix="NEW", max_size=1).filter(
        lambda new: len(new) == 1 and new[0].state is not ItemState.CANCELLED
    ),
)
def test_one_added_item_is_exactly_one_scope_added_event(
    snap: Snapshot, new: list[WorkItem]
) -> None:
    [added] = new
    view = drift(agree(snap), snap.model_copy(update={"items": (*snap.items, added)}))
    assert kinds(view) == [(ADDED, added.key)]
    assert view.events[0].milestone == (added.milestones[0] if added.milestones else None)
    assert view.events[0].after == added.estimate
    assert [e.subject for n in view.notices for e in n.events] == [added.key]


@settings(max_examples=50, deadline=None)
@given(snapshots_st(), snapshots_st(), st.one_of(st.none(), st.floats(0, 200)))
def test_drift_is_deterministic_and_ignores_the_order_items_come_in(
    before: Snapshot, now: Snapshot, budget: float | None
) -> None:
    baseline = agree(before, budget_hours=budget)
    view = drift(baseline, now)
    shuffled = now.model_copy(update={"items": now.items[::-1], "milestones": now.milestones[::-1]})
    assert drift(baseline, shuffled) == view
    assert drift(baseline, now) == view


@settings(max_examples=50, deadline=None)
@given(snapshots_st(), snapshots_st(), st.one_of(st.none(), st.floats(0, 200)))
def test_a_summary_is_one_line_naming_its_notice_and_no_item(
    before: Snapshot, now: Snapshot, budget: float | None
) -> None:
    for notice in drift(agree(before, budget_hours=budget), now).notices:
        summary = notice_summary(notice)
        assert summary.startswith(f"{notice.milestone_name}: ")
        assert "\n" not in summary
        assert "P-" not in summary
