from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.baseline import Baseline, BaselineMilestone
from clientsync.domain.model import ItemChange, ItemState, Snapshot
from clientsync.domain.retro import MilestoneRetro, Retrospective, build_retrospective
from clientsync.domain.risk import Risk, RiskRule, Severity

from .builders import AS_OF, TODAY, ago, days, forecast_with, item, milestone, predicted, snapshot


def baseline(due: dict[str, date | None], scope: dict[str, str]) -> Baseline:
    """Agreed milestone dates and item key -> milestone id."""
    return Baseline(
        id="b1",
        name="Kick-off",
        captured_at=ago(40),
        scope=dict.fromkeys(scope),
        item_milestones={key: (mid,) for key, mid in scope.items()},
        milestones={mid: BaselineMilestone(name=mid.upper(), due=d) for mid, d in due.items()},
    )


def seen(
    risk_id: str, milestone: str | None, first_seen: date, severity: Severity = Severity.MEDIUM
) -> Risk:
    rule = RiskRule(risk_id.split(":")[0])
    return Risk(
        id=risk_id,
        rule=rule,
        severity=severity,
        title=risk_id,
        detail=risk_id,
        milestone=milestone,
        action="act",
        first_seen=first_seen,
    )


def by_id(retro: Retrospective) -> dict[str, MilestoneRetro]:
    return {m.id: m for m in retro.milestones}


# --- a finished project -----------------------------------------------------------------
#
# Alpha on time; Epsilon (closed by its items) and Beta 4 days late; Gamma still open 5
# days past its agreed date; Delta dropped. Beta gained B-2 and B-3 and lost X-1, Gamma
# gained C-2.

AGREED = baseline(
    {"a": days(-20), "b": days(-10), "c": days(-5), "d": days(20), "e": days(-15)},
    {"A-1": "a", "A-2": "a", "B-1": "b", "X-1": "b", "E-1": "e", "C-1": "c"},
)
PROJECT = snapshot(
    [
        item("A-1", milestone="a", done_ago=22),
        item("A-2", milestone="a", done_ago=21),
        item("B-1", milestone="b", done_ago=8),
        item("B-2", milestone="b", done_ago=7),
        item("B-3", milestone="b", done_ago=6),
        item("X-1", milestone="b", state=ItemState.CANCELLED),
        item("E-1", milestone="e", done_ago=11),
        item("C-1", milestone="c", done_ago=1),
        item("C-2", milestone="c"),
    ],
    [
        milestone("b", days(-6), name="Beta", done=True, completed_at=ago(6)),
        milestone("a", days(-20), name="Alpha", done=True, completed_at=ago(20)),
        milestone("c", days(3), name="Gamma"),
        milestone("e", days(-15), name="Epsilon"),
    ],
)
REGISTERS = [
    (days(0), [seen("forecast-slip:c", "c", days(-7), Severity.HIGH)]),
    (
        days(-7),
        [
            seen("blocked:B-1", "b", days(-14), Severity.HIGH),
            seen("blocked:B-2", "b", days(-14)),
            seen("forecast-slip:c", "c", days(-7)),
            seen("overdue:Z-1", None, days(-14)),
        ],
    ),
    (
        days(-14),
        [
            seen("blocked:B-1", "b", days(-14)),
            seen("stale:A-2", "a", days(-25), Severity.LOW),
            seen("overdue:Z-1", None, days(-14)),
        ],
    ),
]
FORECASTS = [
    forecast_with(predicted("b", p85=days(-8)), as_of=days(-15)),
    forecast_with(predicted("e", p85=days(-11)), as_of=days(-5)),  # after E finished
    forecast_with(predicted("a", p85=days(-22)), predicted("b", p85=days(-3)), as_of=days(-30)),
]
HISTORY = [
    ItemChange(key="B-1", field="due", before="2026-11-10", after="2026-11-14", at=ago(20)),
    ItemChange(key="B-1", field="state", before="todo", after="done", at=ago(8)),
    ItemChange(key="C-1", field="due", before=None, after="2026-11-20", at=ago(12)),
]


def finished_project() -> Retrospective:
    return build_retrospective(
        PROJECT,
        as_of=AS_OF,
        baseline=AGREED,
        history=HISTORY,
        registers=REGISTERS,
        forecasts=FORECASTS,
    )


def test_milestones_come_in_due_order_with_the_dropped_one() -> None:
    retro = finished_project()
    assert retro.as_of == TODAY
    assert [m.id for m in retro.milestones] == ["a", "e", "b", "c", "d"]
    dropped = by_id(retro)["d"]
    assert dropped.removed
    assert dropped.name == "D"
    assert dropped.baseline_due == days(20)
    assert dropped.final_due is None
    assert dropped.slip_days is None


def test_planned_against_actual_dates() -> None:
    ms = by_id(finished_project())
    assert (ms["a"].baseline_due, ms["a"].completed_on, ms["a"].slip_days) == (
        days(-20),
        days(-20),
        0,
    )
    assert (ms["b"].baseline_due, ms["b"].final_due, ms["b"].completed_on) == (
        days(-10),
        days(-6),
        days(-6),
    )
    assert ms["b"].slip_days == 4
    # Not marked done, but every item is closed: done when its last item was.
    assert ms["e"].completed_on == days(-11)
    assert ms["e"].slip_days == 4
    # Open and past its agreed date: slipped by the days since.
    assert ms["c"].completed_on is None
    assert ms["c"].slip_days == 5


def test_scope_against_the_baseline() -> None:
    retro = finished_project()
    ms = by_id(retro)
    assert (ms["b"].items_added, ms["b"].items_removed, ms["b"].scope_change_percent) == (
        2,
        1,
        50.0,
    )
    assert (ms["c"].items_added, ms["c"].items_removed, ms["c"].scope_change_percent) == (
        1,
        0,
        100.0,
    )
    assert (ms["a"].items_added, ms["a"].items_removed, ms["a"].scope_change_percent) == (
        0,
        0,
        0.0,
    )
    # 6 agreed items; B-2, B-3, C-2 added, X-1 cancelled: net +2 of 6.
    assert (retro.items_added, retro.items_removed, retro.scope_change_percent) == (3, 1, 33.3)
    assert retro.baseline_id == "b1"


def test_risk_spans_per_milestone() -> None:
    ms = by_id(finished_project())
    b_spans = {s.id: s for s in ms["b"].risks}
    assert list(b_spans) == ["blocked:B-1", "blocked:B-2"]
    b1 = b_spans["blocked:B-1"]
    assert (b1.first_seen, b1.last_seen, b1.days) == (days(-14), days(-7), 7)
    assert b1.severity == "high"  # the worst it reached
    assert b1.rule == "blocked"
    assert b1.came_true  # Beta finished after its agreed date
    # first_seen comes from the risk itself, before the earliest register that holds it.
    (stale,) = ms["a"].risks
    assert (stale.first_seen, stale.last_seen, stale.days) == (days(-25), days(-14), 11)
    assert not stale.came_true  # Alpha was on time
    (slip,) = ms["c"].risks
    assert slip.came_true  # Gamma is open past its agreed date
    assert slip.severity == "high"
    assert ms["e"].risks == ()


def test_forecast_error_uses_the_earliest_forecast_before_completion() -> None:
    ms = by_id(finished_project())
    assert ms["b"].forecast_error_days == 3  # P85 three days after it finished
    assert ms["a"].forecast_error_days == -2  # finished two days after P85
    assert ms["e"].forecast_error_days is None  # only forecast came after it finished
    assert ms["c"].forecast_error_days is None  # not finished


def test_date_changes_count_due_changes_only() -> None:
    assert finished_project().date_changes == 2


def test_findings_read_from_the_figures() -> None:
    assert finished_project().findings == (
        "2 of 3 milestones finished late, by 4 days on average",
        "'Gamma' is still open, 5 days past its agreed date",
        "Scope grew 33% after the baseline (3 added, 1 removed), mostly in 'Beta'",
        "'Alpha' finished 2 days after the forecast's P85",
        "The forecast's P85 held for 'Beta': it finished 3 days before it",
        "The 'stale' risk lasted 11 days",
        "'blocked' risks lasted 7 days on average",
        "The 'forecast-slip' risk lasted 7 days",
        "3 of 4 risks raised on milestones came true",
        "Due dates were changed 2 times",
    )


# --- edges ------------------------------------------------------------------------------


def test_without_a_baseline_dates_are_judged_against_the_due_date() -> None:
    snap = snapshot(
        [item("P-1", done_ago=3)],
        [milestone(due=days(-5), name="Alpha", done=True, completed_at=ago(3))],
    )
    retro = build_retrospective(snap, as_of=AS_OF)
    (alpha,) = retro.milestones
    assert alpha.slip_days is None
    assert (alpha.items_added, alpha.items_removed) == (0, 0)
    assert retro.scope_change_percent is None
    assert retro.findings == ("1 of 1 milestone finished late, by 2 days",)


def test_on_time_findings_and_untouched_scope() -> None:
    snap = snapshot(
        [item("P-1", done_ago=9)],
        [milestone(due=days(-5), name="Alpha", done=True, completed_at=ago(9))],
    )
    agreed = baseline({"m1": days(-5)}, {"P-1": "m1"})
    retro = build_retrospective(snap, as_of=AS_OF, baseline=agreed)
    assert retro.milestones[0].slip_days == -4  # finished early
    assert retro.findings == ("'Alpha' met its agreed date", "Scope held to the baseline")


def test_an_open_milestone_not_yet_due_has_not_slipped() -> None:
    snap = snapshot([item("P-1")], [milestone(due=days(10))])
    agreed = baseline({"m1": days(8)}, {"P-1": "m1"})
    (m1,) = build_retrospective(snap, as_of=AS_OF, baseline=agreed).milestones
    assert m1.slip_days == 0


def test_completion_needs_every_item_closed() -> None:
    open_one = snapshot([item("P-1", done_ago=2), item("P-2")])
    assert build_retrospective(open_one, as_of=AS_OF).milestones[0].completed_on is None
    cancelled = snapshot([item("P-1", done_ago=2), item("P-2", state=ItemState.CANCELLED)])
    assert build_retrospective(cancelled, as_of=AS_OF).milestones[0].completed_on == days(-2)
    empty = snapshot([])
    assert build_retrospective(empty, as_of=AS_OF).milestones[0].completed_on is None


def test_completion_day_is_the_project_local_day() -> None:
    late_evening = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    done = milestone(due=days(-7), done=True, completed_at=late_evening)
    utc = build_retrospective(snapshot([], [done]), as_of=AS_OF)
    berlin = build_retrospective(snapshot([], [done], tz="Europe/Berlin"), as_of=AS_OF)
    assert utc.milestones[0].completed_on == date(2026, 11, 20)
    assert berlin.milestones[0].completed_on == date(2026, 11, 21)


def test_scope_that_shrank_names_where() -> None:
    snap = snapshot([item("P-1")], [milestone(due=days(10), name="Alpha")])
    agreed = baseline({"m1": days(10)}, {"P-1": "m1", "P-2": "m1", "P-3": "m1"})
    retro = build_retrospective(snap, as_of=AS_OF, baseline=agreed)
    assert retro.scope_change_percent == -66.7
    assert retro.findings == (
        "Scope shrank 67% after the baseline (0 added, 2 removed), mostly in 'Alpha'",
    )


def test_no_history_no_findings() -> None:
    retro = build_retrospective(snapshot([item("P-1")]), as_of=AS_OF)
    assert retro.findings == ()
    assert retro.date_changes == 0


# --- properties -------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_the_order_of_inputs_does_not_matter(data: st.DataObject) -> None:
    first = finished_project()
    again = build_retrospective(
        PROJECT.model_copy(update={"items": tuple(data.draw(st.permutations(PROJECT.items)))}),
        as_of=AS_OF,
        baseline=AGREED,
        history=data.draw(st.permutations(HISTORY)),
        registers=data.draw(st.permutations(REGISTERS)),
        forecasts=data.draw(st.permutations(FORECASTS)),
    )
    assert again.model_dump_json() == first.model_dump_json()


@st.composite
def projects_with_baselines(draw: st.DrawFn) -> tuple[Snapshot, Baseline]:
    ids = ["m0", "m1", "m2"]
    milestones = []
    for mid in ids:
        finished = draw(st.none() | st.integers(0, 30))
        milestones.append(
            milestone(
                mid,
                due=draw(st.none() | st.integers(-30, 30).map(days)),
                done=finished is not None,
                completed_at=ago(finished) if finished is not None else None,
            )
        )
    work = [
        item(
            f"P-{n}",
            milestone=draw(st.sampled_from(ids)),
            done_ago=draw(st.none() | st.integers(0, 30)),
            state=draw(st.sampled_from([ItemState.TODO, ItemState.CANCELLED])),
        )
        for n in range(draw(st.integers(0, 10)))
    ]
    agreed = baseline(
        {mid: draw(st.none() | st.integers(-30, 30).map(days)) for mid in [*ids, "gone"]},
        {f"P-{n}": draw(st.sampled_from(ids)) for n in range(draw(st.integers(0, 12)))},
    )
    return snapshot(work, milestones), agreed


@settings(max_examples=50, deadline=None)
@given(projects_with_baselines())
def test_figures_agree_with_each_other(project: tuple[Snapshot, Baseline]) -> None:
    snap, agreed = project
    register = [seen(f"overdue:P-{n}", f"m{n % 3}", days(-3)) for n in range(4)]
    retro = build_retrospective(snap, as_of=AS_OF, baseline=agreed, registers=[(TODAY, register)])
    assert by_id(retro)["gone"].removed
    planned = [m.final_due or m.baseline_due for m in retro.milestones]
    assert planned == sorted(planned, key=lambda d: (d is None, d or date.max))
    for m in retro.milestones:
        if m.removed or m.baseline_due is None:
            assert m.slip_days is None
        else:
            assert m.slip_days is not None
            if m.completed_on is None:
                assert m.slip_days >= 0
        change = m.items_added - m.items_removed
        assert (m.scope_change_percent > 0) == (change > 0)
        assert (m.scope_change_percent < 0) == (change < 0)
        for span in m.risks:
            if m.slip_days is not None:
                assert span.came_true == (m.slip_days > 0)
    assert sum(len(m.risks) for m in retro.milestones) == 4
