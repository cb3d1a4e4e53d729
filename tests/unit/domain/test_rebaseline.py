"""Folding one accepted change notice into the baseline: only its changes are agreed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.baseline import Baseline, ChangeAcknowledgement, capture_baseline
from clientsync.domain.drift import BudgetBurn, DriftEvent
from clientsync.domain.drift_models import DriftKind
from clientsync.domain.model import ItemState, Milestone, Snapshot, WorkItem
from clientsync.domain.rebaseline import (
    expected_budget_hours,
    fold_notice,
    notice_title,
    open_notices,
)

from .builders_drift import AS_OF, agree, days, drift, item, milestone, snapshot, snapshots_st

SIGNED = AS_OF + timedelta(hours=1)


def fold(
    baseline: Baseline, snap: Snapshot, notice: str, shown_budget: BudgetBurn | None = None
) -> Baseline:
    return fold_notice(
        baseline,
        snap,
        notice,
        id="b2",
        captured_at=SIGNED,
        agreed_by="Jordan",
        summary=f"{notice}: agreed",
        shown_budget=shown_budget,
    )


def shape(events: tuple[DriftEvent, ...]) -> list[tuple[object, ...]]:
    return [(e.kind, e.subject, e.milestone, e.before, e.after, e.title) for e in events]


def two_milestones_drifted() -> tuple[Baseline, Snapshot]:
    """m1 moved, with an item added, one removed, one re-estimated and one moved out to m2
    silently; m2 moved with an item added; one item added outside any milestone."""
    agreed = snapshot(
        [
            item("P-1", estimate=3),
            item("P-2", estimate=2),
            item("P-3", estimate=1),
            item("P-4", estimate=5),
            item("P-5", milestone="m2", estimate=8),
            item("P-6", milestone=None, estimate=1),
        ],
        [milestone("m1", days(10)), milestone("m2", days(20))],
    )
    now = snapshot(
        [
            item("P-1", estimate=3),
            item("P-2", estimate=2, state=ItemState.CANCELLED),
            item("P-3", estimate=4),
            item("P-4", milestone="m2", estimate=5),
            item("P-5", milestone="m2", estimate=8),
            item("P-6", milestone=None, estimate=1),
            item("P-10", estimate=2),
            item("P-11", milestone="m2", estimate=3),
            item("P-12", milestone=None, estimate=1),
        ],
        [milestone("m1", days(17), name="Launch"), milestone("m2", days(30))],
    )
    return agree(agreed, budget_hours=100, assumptions=("SSO by May",)), now


# --- open notices ---------------------------------------------------------------------


def test_open_notices_are_the_reports_notices_with_their_events() -> None:
    baseline, now = two_milestones_drifted()
    notices = open_notices(baseline, now)
    view = drift(baseline, now)
    assert list(notices) == [n.id for n in view.notices] == ["m1", "m2", "unplanned"]
    for notice in view.notices:
        assert [(e.kind, e.subject) for e in notices[notice.id]] == [
            (e.kind, e.subject) for e in notice.events
        ]
    assert notice_title(baseline, now, "m1") == "Launch"
    assert notice_title(baseline, now, "unplanned") == "Outside any milestone"
    assert notice_title(baseline, now, "budget") == "Budget"


@settings(max_examples=40, deadline=None)
@given(snapshots_st(), snapshots_st(), st.one_of(st.none(), st.floats(0, 200)))
def test_open_notices_group_events_as_the_drift_view_does(
    before: Snapshot, now: Snapshot, budget: float | None
) -> None:
    baseline = agree(before, budget_hours=budget)
    view = drift(baseline, now)
    notices = open_notices(baseline, now)
    assert list(notices) == [n.id for n in view.notices]
    for notice in view.notices:
        assert shape(notices[notice.id]) == shape(notice.events)


# --- each kind of notice ----------------------------------------------------------------


def test_a_milestone_notice_agrees_its_date_and_its_items_and_nothing_else() -> None:
    baseline, now = two_milestones_drifted()
    others = {k: v for k, v in open_notices(baseline, now).items() if k != "m1"}

    folded = fold(baseline, now, "m1")

    assert folded.milestones["m1"].due == days(17)
    assert folded.milestones["m1"].name == "Launch"
    assert folded.milestones["m2"] == baseline.milestones["m2"]
    # Added, removed and re-estimated; P-4's silent move to m2 is agreed under m2.
    assert folded.scope == {
        "P-1": 3.0,
        "P-3": 4.0,
        "P-4": 5.0,
        "P-5": 8.0,
        "P-6": 1.0,
        "P-10": 2.0,
    }
    assert folded.item_milestones == {
        **{k: v for k, v in baseline.item_milestones.items() if k != "P-2"},
        "P-4": ("m2",),
        "P-10": ("m1",),
    }
    assert "P-11" not in folded.scope and "P-12" not in folded.scope
    assert folded.budget_hours == 100
    assert open_notices(folded, now) == others


def test_a_removed_milestone_leaves_the_baseline() -> None:
    agreed = snapshot(
        [item("P-1", estimate=3), item("P-2", milestone="m2", estimate=1)],
        [milestone("m1", days(10)), milestone("m2", days(20))],
    )
    now = snapshot(
        [item("P-1", estimate=3), item("P-2", milestone=None, estimate=1)],
        [milestone("m1", days(10))],
    )
    baseline = agree(agreed)
    assert list(open_notices(baseline, now)) == ["m2"]

    folded = fold(baseline, now, "m2")

    assert list(folded.milestones) == ["m1"]
    assert folded.item_milestones == {"P-1": ("m1",)}  # P-2 is agreed outside any milestone
    assert folded.scope == baseline.scope
    assert open_notices(folded, now) == {}


def test_a_new_milestone_joins_the_baseline_with_its_items() -> None:
    agreed = snapshot([item("P-1", estimate=3)], [milestone("m1", days(10))])
    now = snapshot(
        [item("P-1", estimate=3), item("P-2", milestone="m9", estimate=5)],
        [milestone("m1", days(10)), milestone("m9", days(40), name="Add-on")],
    )
    baseline = agree(agreed)

    folded = fold(baseline, now, "m9")

    assert folded.milestones["m9"].model_dump() == {"name": "Add-on", "due": days(40)}
    assert folded.milestones["m1"] == baseline.milestones["m1"]
    assert folded.scope == {"P-1": 3.0, "P-2": 5.0}
    assert folded.item_milestones == {"P-1": ("m1",), "P-2": ("m9",)}
    assert open_notices(folded, now) == {}


def test_unplanned_work_joins_the_scope_alone() -> None:
    baseline, now = two_milestones_drifted()
    others = {k: v for k, v in open_notices(baseline, now).items() if k != "unplanned"}

    folded = fold(baseline, now, "unplanned")

    assert folded.scope == {**baseline.scope, "P-12": 1.0}
    assert folded.item_milestones == baseline.item_milestones  # P-12 is in no milestone
    assert folded.milestones == baseline.milestones
    assert open_notices(folded, now) == others


def test_an_item_re_estimated_under_one_milestone_and_moved_to_another_is_the_first_ones() -> None:
    agreed = snapshot(
        [item("P-1", estimate=3), item("P-2", milestone="m2", estimate=1)],
        [milestone("m1", days(10)), milestone("m2", days(20))],
    )
    now = snapshot(
        [item("P-1", milestone="m2", estimate=8), item("P-2", milestone="m2", estimate=2)],
        agreed.milestones,
    )
    baseline = agree(agreed)
    assert {k: [e.subject for e in v] for k, v in open_notices(baseline, now).items()} == {
        "m1": ["P-1"],
        "m2": ["P-2"],
    }

    m2 = fold(baseline, now, "m2")
    assert (m2.scope, m2.item_milestones["P-1"]) == ({"P-1": 3.0, "P-2": 2.0}, ("m1",))
    m1 = fold(baseline, now, "m1")
    assert (m1.scope, m1.item_milestones["P-1"]) == ({"P-1": 8.0, "P-2": 1.0}, ("m2",))


def test_the_budget_becomes_the_projection_the_notice_states() -> None:
    agreed = snapshot([item("P-1", estimate=1), item("P-2", estimate=3)])
    now = snapshot(
        [item("P-1", estimate=1, state=ItemState.DONE, spent_hours=50), item("P-2", estimate=3)]
    )
    baseline = agree(agreed, budget_hours=100)
    [notice] = drift(baseline, now).notices
    assert "the agreed scope needs about 200 hours against 100 budgeted" in notice.impact

    folded = fold(baseline, now, "budget")

    assert folded.budget_hours == 200
    assert (folded.scope, folded.item_milestones) == (baseline.scope, baseline.item_milestones)
    assert folded.milestones == baseline.milestones
    assert open_notices(folded, now) == {}


def test_a_budget_sign_off_agrees_the_figure_the_client_was_shown() -> None:
    agreed = snapshot([item("P-1", estimate=1), item("P-2", estimate=3)])
    now = snapshot(
        [item("P-1", estimate=1, state=ItemState.DONE, spent_hours=50), item("P-2", estimate=3)]
    )
    shown = BudgetBurn(budget_hours=100, spent_hours=45, burn_percent=45, progress_percent=30)
    folded = fold(agree(agreed, budget_hours=100), now, "budget", shown_budget=shown)
    assert folded.budget_hours == 150


def test_with_nothing_agreed_done_the_budget_stays_and_the_sign_off_marks_the_notice() -> None:
    agreed = snapshot([item("P-1", estimate=1)])
    now = snapshot([item("P-1", estimate=1, state=ItemState.IN_PROGRESS, spent_hours=120)])
    baseline = agree(agreed, budget_hours=100)

    folded = fold(baseline, now, "budget")

    assert folded.budget_hours == 100
    assert list(open_notices(folded, now)) == ["budget"]
    [notice] = drift(folded, now).notices
    assert (notice.acknowledged_by, notice.acknowledged_at) == ("Jordan", SIGNED)


def test_expected_budget_is_to_the_hour_and_never_below_what_is_spent() -> None:
    def burn(spent: float, progress: float) -> BudgetBurn:
        return BudgetBurn(
            budget_hours=100, spent_hours=spent, burn_percent=spent, progress_percent=progress
        )

    assert expected_budget_hours(burn(135.5, 46)) == 295  # 294.57 hours
    assert expected_budget_hours(burn(99.8, 100)) == 100
    assert expected_budget_hours(burn(99.3, 100)) == 99.3  # not 99: below what is spent
    assert expected_budget_hours(burn(120.4, 100)) == 120.4
    assert expected_budget_hours(burn(50, 0)) is None


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.01, 1000, allow_nan=False),
    st.floats(0.1, 100, allow_nan=False).map(lambda p: round(p, 1)),
)
def test_expected_budget_is_the_figure_in_the_notice(spent: float, progress: float) -> None:
    burn = BudgetBurn(
        budget_hours=1, spent_hours=round(spent, 2), burn_percent=1, progress_percent=progress
    )
    expected = expected_budget_hours(burn)
    assert expected is not None and expected >= burn.spent_hours
    impact = f"about {burn.spent_hours * 100 / progress:.0f} hours"
    figure = re.search(r"about (\d+) hours", impact)
    assert figure is not None
    assert expected in (float(figure.group(1)), burn.spent_hours)


# --- the new version ----------------------------------------------------------------------


def test_the_version_records_the_sign_off_and_carries_the_rest_forward() -> None:
    baseline, now = two_milestones_drifted()
    earlier = ChangeAcknowledgement(
        notice_id="m0",
        summary="Kick-off: agreed",
        acknowledged_by="Sam",
        acknowledged_at=AS_OF - timedelta(days=3),
    )
    baseline = baseline.model_copy(
        update={"acknowledgements": (earlier,), "constraints": ("Before Christmas",)}
    )

    folded = fold_notice(
        baseline,
        now,
        "m2",
        id="b7-20261127",
        captured_at=SIGNED,
        agreed_by="Jordan Lee",
        summary="Milestone m2: 1 item added",
        note="Call on 30 Nov",
    )

    assert (folded.id, folded.name, folded.captured_at) == (
        "b7-20261127",
        "Baseline 2026-11-27",
        SIGNED,
    )
    assert (folded.agreed_by, folded.agreed_at) == ("Jordan Lee", SIGNED)
    assert folded.note == "accepted change notice m2 (Milestone m2: 1 item added). Call on 30 Nov"
    assert (folded.assumptions, folded.constraints) == (("SSO by May",), ("Before Christmas",))
    assert folded.acknowledgements == (
        earlier,
        ChangeAcknowledgement(
            notice_id="m2",
            summary="Milestone m2: 1 item added",
            acknowledged_by="Jordan Lee",
            acknowledged_at=SIGNED,
            note="Call on 30 Nov",
        ),
    )
    assert folded.acknowledged_here("m2") == folded.acknowledgements[-1]
    assert fold(baseline, now, "m2").note == "accepted change notice m2 (m2: agreed)"


def test_a_notice_that_is_not_open_is_refused() -> None:
    baseline, now = two_milestones_drifted()
    with pytest.raises(ValueError, match=r"no change notice 'm9'.*open notices: m1, m2, unplanned"):
        fold(baseline, now, "m9")
    with pytest.raises(ValueError, match="open notices: none"):
        fold(agree(now), now, "m1")


# --- properties ---------------------------------------------------------------------------

KEYS = tuple(f"P-{n}" for n in range(1, 8))
MEMBERSHIPS: tuple[tuple[str, ...], ...] = ((), ("m1",), ("m2",), ("m3",), ("m2", "m1"))
ESTIMATES = st.one_of(st.none(), st.sampled_from((1.0, 2.0, 5.0)))


@st.composite
def plans(draw: st.DrawFn) -> tuple[Baseline, Snapshot]:
    """A baseline and the project now, sharing most items and milestones, each maybe changed."""

    def work(key: str, *, like: WorkItem | None = None) -> WorkItem:
        changed = like is None or draw(st.booleans())
        state = draw(st.sampled_from(ItemState)) if changed else ItemState.TODO
        done = state is ItemState.DONE
        return item(
            key,
            milestone=None,
            estimate=draw(ESTIMATES) if changed or like is None else like.estimate,
            state=state,
            completed_at=AS_OF - timedelta(days=2) if done else None,
            spent_hours=draw(st.sampled_from((None, 0.0, 3.0, 20.0))),
        ).model_copy(
            update={
                "milestones": draw(st.sampled_from(MEMBERSHIPS))
                if changed or like is None
                else like.milestones
            }
        )

    agreed_items, now_items = [], []
    for key in KEYS:
        before = work(key) if draw(st.booleans()) else None
        if before is not None and before.state is ItemState.DONE:
            before = before.model_copy(update={"state": ItemState.TODO, "completed_at": None})
        if before is not None:
            agreed_items.append(before)
        if draw(st.integers(0, 3)):
            now_items.append(work(key, like=before))
    agreed_milestones: list[Milestone] = []
    now_milestones: list[Milestone] = []
    for mid in ("m1", "m2", "m3"):
        due = draw(st.sampled_from((None, days(10), days(20))))
        if draw(st.integers(0, 3)):
            agreed_milestones.append(milestone(mid, due))
        if draw(st.integers(0, 3)):
            moved = draw(st.sampled_from((due, due, days(30))))
            now_milestones.append(milestone(mid, moved))
    budget = draw(st.sampled_from((None, 10.0, 40.0)))
    baseline = agree(snapshot(agreed_items, agreed_milestones), budget_hours=budget)
    return baseline, snapshot(now_items, now_milestones)


def accept_all(baseline: Baseline, now: Snapshot) -> Baseline:
    """Accept each open notice in the reports' order until none awaits sign-off."""
    for step in range(1, 20):
        pending = [
            n
            for n in open_notices(baseline, now)
            if baseline.acknowledged_here(n) is None or n != "budget"
        ]
        if not pending:
            return baseline
        baseline = fold_notice(
            baseline,
            now,
            pending[0],
            id=f"b{step + 1}",
            captured_at=AS_OF + timedelta(minutes=step),
            agreed_by="Client",
            summary=f"{pending[0]}: agreed",
        )
    raise AssertionError("accepting every notice did not settle")


@settings(max_examples=150, deadline=None)
@given(plans())
def test_accepting_every_notice_one_by_one_agrees_the_whole_current_plan(
    plan: tuple[Baseline, Snapshot],
) -> None:
    baseline, now = plan
    agreed = accept_all(baseline, now)
    full = capture_baseline(now, id="full", captured_at=AS_OF)
    assert agreed.scope == full.scope
    assert {m: b.due for m, b in agreed.milestones.items()} == {
        m: b.due for m, b in full.milestones.items()
    }
    # Only an overrun with no rate to project a budget from outlives its sign-off.
    left = open_notices(agreed, now)
    assert set(left) <= {"budget"}
    if left:
        assert agreed.acknowledged_here("budget") is not None


@settings(max_examples=150, deadline=None)
@given(plans())
def test_accepting_one_notice_leaves_everything_else_as_it_was(
    plan: tuple[Baseline, Snapshot],
) -> None:
    baseline, now = plan
    notices = open_notices(baseline, now)
    for notice, events in notices.items():
        folded = fold(baseline, now, notice)
        items = {e.subject for e in events if e.kind is not DriftKind.BUDGET_BURN}
        assert set(baseline.scope.keys() ^ folded.scope.keys()) <= items
        assert {
            k
            for k in baseline.scope.keys() & folded.scope.keys()
            if baseline.scope[k] != folded.scope[k]
        } <= items
        changed_memberships = {
            k
            for k in baseline.item_milestones.keys() | folded.item_milestones.keys()
            if baseline.item_milestones.get(k) != folded.item_milestones.get(k)
        }
        assert changed_memberships <= items | {
            k
            for k in changed_memberships
            if notice in baseline.item_milestones.get(k, ())
            or notice in folded.item_milestones.get(k, ())
        }
        assert {m: b for m, b in folded.milestones.items() if m != notice} == {
            m: b for m, b in baseline.milestones.items() if m != notice
        }
        if notice != "budget":
            assert folded.budget_hours == baseline.budget_hours
        after = open_notices(folded, now)
        assert notice not in after or (notice == "budget" and folded.acknowledged_here(notice))
        for other, other_events in notices.items():
            if other not in (notice, "budget"):
                assert shape(after[other]) == shape(other_events)
