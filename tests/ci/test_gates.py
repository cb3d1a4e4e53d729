"""`--fail-on` gates: parsing with usage errors, and each gate's verdict and one-line reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.forecast import MilestoneForecast
from clientsync.domain.report import Report
from clientsync.domain.risk_models import Severity
from clientsync.domain.status import Rag
from clientsync.errors import ConfigError
from clientsync.gates import (
    NAMED_GATES,
    Gate,
    GateError,
    Outcome,
    evaluate,
    parse_gate,
)

from .builders import TODAY, drift, milestone_added, report, risk, status


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


# --- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMED_GATES)
def test_named_gates_parse_to_themselves(name: str) -> None:
    gate = parse_gate(name)
    assert gate == Gate(name)
    assert str(gate) == name


@pytest.mark.parametrize(
    ("text", "expected", "written"),
    [
        ("drift:slip-days=14", Gate("drift:slip-days", 14), "drift:slip-days=14"),
        ("drift:slip-days=0", Gate("drift:slip-days", 0), "drift:slip-days=0"),
        ("drift:scope-pct=10", Gate("drift:scope-pct", 10), "drift:scope-pct=10"),
        ("drift:scope-pct=12.5", Gate("drift:scope-pct", 12.5), "drift:scope-pct=12.5"),
        (" Drift:Scope-Pct = 7 ", Gate("drift:scope-pct", 7), "drift:scope-pct=7"),
        ("RED", Gate("red"), "red"),
    ],
)
def test_threshold_gates_parse_and_print_as_written(
    text: str, expected: Gate, written: str
) -> None:
    gate = parse_gate(text)
    assert gate == expected
    assert str(gate) == written


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "purple",
            "unknown gate 'purple'; use red, amber, risk:high, risk:critical, "
            "drift:slip-days=N or drift:scope-pct=N",
        ),
        ("risk:medium", "unknown gate 'risk:medium'"),
        (
            "drift:slip-days",
            "gate drift:slip-days needs a threshold in days, e.g. drift:slip-days=14",
        ),
        ("drift:scope-pct=", "drift:scope-pct=: the threshold must be a number of percent"),
        ("drift:slip-days=1.5", "must be a whole number of days"),
        ("drift:slip-days=-3", "must be a whole number of days, 0 or more"),
        ("drift:scope-pct=1e3", "must be a number of percent"),
        ("red=1", "gate red takes no threshold"),
    ],
)
def test_bad_gates_are_usage_errors_that_say_the_fix(text: str, message: str) -> None:
    with pytest.raises(GateError) as raised:
        parse_gate(text)
    assert message in str(raised.value)
    assert isinstance(raised.value, ConfigError) and raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("name", "threshold"),
    [
        ("nope", None),
        ("red", 1.0),
        ("drift:slip-days", None),
        ("drift:slip-days", 2.5),
        ("drift:scope-pct", -1.0),
        ("drift:scope-pct", float("inf")),
    ],
)
def test_gates_built_directly_are_checked_too(name: str, threshold: float | None) -> None:
    with pytest.raises(GateError):
        Gate(name, threshold)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.sampled_from(NAMED_GATES).map(Gate),
        st.integers(0, 10_000).map(lambda n: Gate("drift:slip-days", float(n))),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(
            lambda x: Gate("drift:scope-pct", x)
        ),
    )
)
def test_a_gate_as_written_parses_back_to_itself(gate: Gate) -> None:
    assert parse_gate(str(gate)) == gate


def test_evaluate_judges_each_distinct_gate_once_in_order() -> None:
    gates = [parse_gate(g) for g in ("amber", "red", "amber", "risk:high")]
    results = evaluate(report((status("m1", Rag.AMBER),)), gates)
    assert [str(r.gate) for r in results] == ["amber", "red", "risk:high"]
    assert [r.outcome for r in results] == [Outcome.TRIPPED, Outcome.PASSED, Outcome.PASSED]


# --- red and amber ----------------------------------------------------------------------


def test_rag_gates_on_a_green_report_pass_and_say_so() -> None:
    green = report((status("m1"),))
    for name in ("red", "amber"):
        result = parse_gate(name).evaluate(green)
        assert result.outcome is Outcome.PASSED
        assert result.reason == f"{name}: overall is green"


def test_red_reason_names_the_red_milestone_and_why() -> None:
    red = report(
        (
            status("alpha", Rag.AMBER, reasons=("P(on time) 0.60",)),
            status(
                "beta",
                Rag.RED,
                reasons=("P(on time) 0.10", "P85 2026-12-18 is after the due date 2026-12-15"),
            ),
            status("gamma", Rag.RED, reasons=("overdue",)),
        )
    )
    result = parse_gate("red").evaluate(red)
    assert result.tripped
    assert result.reason == (
        "red: milestone 'Beta' is red: P(on time) 0.10; "
        "P85 2026-12-18 is after the due date 2026-12-15 (and 1 more milestone)"
    )
    amber = parse_gate("amber").evaluate(red)
    assert amber.tripped
    assert amber.reason.startswith("amber: milestone 'Beta' is red")
    assert amber.reason.endswith("(and 2 more milestones)")


def test_amber_trips_on_amber_and_red_does_not() -> None:
    amber = report((status("m1", Rag.AMBER, reasons=("forecast unknown",)),))
    assert parse_gate("amber").evaluate(amber).reason == (
        "amber: milestone 'M1' is amber: forecast unknown"
    )
    assert not parse_gate("red").evaluate(amber).tripped


def test_a_project_wide_risk_that_turns_it_red_is_the_reason() -> None:
    red = report((status("m1"),), overall=Rag.RED, overall_reasons=("Budget overspent by 40%",))
    assert parse_gate("red").evaluate(red).reason == (
        "red: overall is red: Budget overspent by 40%"
    )


def test_a_reason_is_one_line_whatever_the_tracker_names_hold() -> None:
    red = report((status("m1", Rag.RED, reasons=("blocked by\nthe client\r\n",)),))
    reason = parse_gate("red").evaluate(red).reason
    assert "\n" not in reason and "\r" not in reason
    assert reason == "red: milestone 'M1' is red: blocked by the client"


# --- risks ------------------------------------------------------------------------------


def test_risk_gates_count_risks_at_or_above_the_severity() -> None:
    risky = report(
        risks=(
            risk(Severity.MEDIUM),
            risk(Severity.HIGH, "ACME-16 is blocked"),
            risk(Severity.HIGH, "ACME-21 is overdue"),
        )
    )
    high = parse_gate("risk:high").evaluate(risky)
    assert high.tripped
    assert high.reason == "risk:high: high risk: ACME-16 is blocked (and 1 more risk)"
    critical = parse_gate("risk:critical").evaluate(risky)
    assert not critical.tripped
    assert critical.reason == "risk:critical: no risk is critical or worse"


# --- drift: slip ------------------------------------------------------------------------


def test_drift_gates_without_a_baseline_are_skipped_not_passed() -> None:
    for text in ("drift:slip-days=0", "drift:scope-pct=0"):
        result = parse_gate(text).evaluate(report((status("m1"),)))
        assert result.outcome is Outcome.SKIPPED and not result.tripped
        assert "no baseline" in result.reason and "clientsync baseline capture" in result.reason


def test_slip_is_the_p85_forecast_against_the_agreed_date() -> None:
    slipped = report(
        (status("beta", Rag.RED, due=day(10), p85=day(24)),),
        drifts=(drift("beta", agreed=day(7), due=day(10)),),
    )
    over = parse_gate("drift:slip-days=16").evaluate(slipped)
    assert over.tripped
    assert over.reason == (
        f"drift:slip-days=16: milestone 'Beta' expected {day(24)} (P85 forecast), "
        f"17 days after the agreed {day(7)}"
    )
    exactly = parse_gate("drift:slip-days=17").evaluate(slipped)
    assert not exactly.tripped  # more than N days, not N
    assert exactly.reason.startswith("drift:slip-days=17: the latest is milestone 'Beta'")


def test_slip_uses_the_moved_due_date_when_the_forecast_is_earlier() -> None:
    moved = report(
        (status("beta", due=day(30), p85=day(20)),),
        drifts=(drift("beta", agreed=day(10), due=day(30)),),
    )
    result = parse_gate("drift:slip-days=14").evaluate(moved)
    assert result.tripped
    assert f"expected {day(30)} (due date), 20 days after the agreed {day(10)}" in result.reason


def test_an_open_milestone_past_its_agreed_date_is_expected_no_earlier_than_today() -> None:
    unknown = MilestoneForecast(
        milestone_id="mig", remaining=2, remaining_cumulative=2, unknown_reason="no throughput"
    )
    late = report(
        (status("mig", Rag.RED, due=day(-5), forecast=unknown),),
        drifts=(drift("mig", agreed=day(-5), due=day(-5)),),
    )
    result = parse_gate("drift:slip-days=4").evaluate(late)
    assert result.tripped
    assert f"expected {TODAY} (still open), 5 days after the agreed {day(-5)}" in result.reason


def test_a_forecast_past_the_horizon_trips_any_slip_threshold() -> None:
    endless = MilestoneForecast(
        milestone_id="beta",
        remaining=500,
        remaining_cumulative=500,
        p50=None,
        p85=None,
        probability_on_time=0.0,
        unknown_reason="at the current throughput it takes over 730 days",
    )
    stuck = report(
        (status("beta", Rag.RED, due=day(10), forecast=endless),),
        drifts=(drift("beta", agreed=day(10), due=day(10)),),
    )
    result = parse_gate("drift:slip-days=10000").evaluate(stuck)
    assert result.tripped
    assert "milestone 'Beta' is forecast past the horizon" in result.reason


def test_slip_leaves_out_delivered_removed_and_undated_milestones() -> None:
    quiet = report(
        (
            status("done", due=day(-20), p85=day(-1), completed=True),
            status("undated", p85=day(90)),
        ),
        drifts=(
            drift("done", agreed=day(-30), due=day(-20)),
            drift("removed", agreed=day(-30)),
            drift("undated"),
        ),
    )
    result = parse_gate("drift:slip-days=0").evaluate(quiet)
    assert result.outcome is Outcome.PASSED
    assert result.reason == "drift:slip-days=0: no open milestone has an agreed date"


# --- drift: scope -----------------------------------------------------------------------


def test_scope_growth_takes_the_larger_of_count_and_estimate() -> None:
    grown = report(
        (status("beta"), status("launch")),
        drifts=(
            drift("beta", added=4, removed=1, by_count=27.3, by_estimate=38.5),
            drift("launch", added=1, by_count=12.0),
        ),
    )
    result = parse_gate("drift:scope-pct=25").evaluate(grown)
    assert result.tripped
    assert result.reason == (
        "drift:scope-pct=25: milestone 'Beta' scope +38.5% by estimate since the baseline "
        "(4 added, 1 removed)"
    )
    assert (
        parse_gate("drift:scope-pct=10").evaluate(grown).reason.endswith("(and 1 more milestone)")
    )
    exactly = parse_gate("drift:scope-pct=38.5").evaluate(grown)
    assert not exactly.tripped
    assert exactly.reason == (
        "drift:scope-pct=38.5: the most is milestone 'Beta' scope +38.5% by estimate "
        "since the baseline (4 added, 1 removed)"
    )


def test_a_milestone_added_after_the_baseline_is_new_scope() -> None:
    added = report(
        (status("analytics", Rag.AMBER),),
        drifts=(drift("analytics", added=2, by_count=100.0),),
        events=(milestone_added("analytics"),),
    )
    assert parse_gate("drift:scope-pct=50").evaluate(added).reason == (
        "drift:scope-pct=50: milestone 'Analytics' was added after the baseline, with 2 items"
    )


def test_shrinking_and_delivered_scope_do_not_trip() -> None:
    calm = report(
        (status("done", completed=True), status("small")),
        drifts=(drift("done", added=9, by_count=90.0), drift("small", removed=2, by_count=-20.0)),
    )
    result = parse_gate("drift:scope-pct=0").evaluate(calm)
    assert not result.tripped
    assert "'Small' scope -20% by item count" in result.reason


# --- properties -------------------------------------------------------------------------

_rags = st.sampled_from(list(Rag))
_severities = st.sampled_from(list(Severity))


@settings(max_examples=60, deadline=None)
@given(st.lists(_rags, max_size=4), st.lists(_severities, max_size=4), _rags)
def test_level_gates_agree_with_report_breaches(
    rags: list[Rag], severities: list[Severity], project_rag: Rag
) -> None:
    milestones = tuple(status(f"m{i}", rag, reasons=("why",)) for i, rag in enumerate(rags))
    worst = max([project_rag, *rags], key=lambda r: r.rank)
    built = report(
        milestones, overall=worst, overall_reasons=("why",), risks=tuple(map(risk, severities))
    )
    for name in NAMED_GATES:
        result = parse_gate(name).evaluate(built)
        assert result.tripped == built.breaches(name), name
        assert result.reason.startswith(f"{name}: ") and "\n" not in result.reason


_offsets = st.integers(-60, 120)


@st.composite
def _drifted_reports(draw: st.DrawFn) -> Report:
    statuses, drifts = [], []
    for i in range(draw(st.integers(0, 4))):
        mid = f"m{i}"
        agreed = draw(st.none() | _offsets.map(day))
        due = draw(st.none() | _offsets.map(day))
        p85 = draw(st.none() | _offsets.map(day))
        statuses.append(status(mid, due=due, p85=p85, completed=draw(st.booleans())))
        by_count = draw(st.floats(-100, 300, allow_nan=False))
        by_estimate = draw(st.none() | st.floats(-100, 300, allow_nan=False))
        drifts.append(
            drift(mid, agreed=agreed, due=due, by_count=by_count, by_estimate=by_estimate)
        )
    return report(tuple(statuses), drifts=tuple(drifts))


@settings(max_examples=80, deadline=None)
@given(_drifted_reports(), st.integers(0, 200), st.integers(0, 200))
def test_a_drift_gate_that_trips_also_trips_at_any_lower_threshold(
    built: Report, low: int, high: int
) -> None:
    low, high = sorted((low, high))
    for name in ("drift:slip-days", "drift:scope-pct"):
        strict = Gate(name, float(low)).evaluate(built)
        lenient = Gate(name, float(high)).evaluate(built)
        assert strict.outcome is not Outcome.SKIPPED
        if lenient.tripped:
            assert strict.tripped, (name, low, high)
        assert "\n" not in strict.reason


@settings(max_examples=80, deadline=None)
@given(_drifted_reports())
def test_slip_days_trips_exactly_when_an_open_milestone_is_later_than_agreed(
    built: Report,
) -> None:
    status_by_id = {m.id: m for m in built.status.milestones}
    worst = None
    for d in built.drift.milestones:
        m = status_by_id[d.milestone]
        if m.completed or d.baseline_due is None:
            continue
        dates = [TODAY] + [x for x in (m.due, m.forecast.p85 if m.forecast else None) if x]
        slip = (max(dates) - d.baseline_due).days
        worst = slip if worst is None else max(worst, slip)
    result = Gate("drift:slip-days", 0).evaluate(built)
    assert result.tripped == (worst is not None and worst > 0)


# --- the bundled example ----------------------------------------------------------------


def test_the_example_trips_what_its_state_implies(example: Report) -> None:
    gates = [
        parse_gate(g)
        for g in (
            "red",
            "risk:critical",
            "drift:slip-days=14",
            "drift:slip-days=60",
            "drift:scope-pct=25",
            "drift:scope-pct=100",
        )
    ]
    results = {str(r.gate): r for r in evaluate(example, gates)}
    assert results["red"].reason.startswith(
        "red: milestone 'Content migration' is red: overdue: due 2026-11-20"
    )
    assert results["risk:critical"].reason == (
        "risk:critical: critical risk: 'Beta release' is likely to be late (and 2 more risks)"
    )
    assert results["drift:slip-days=14"].reason == (
        "drift:slip-days=14: milestone 'Public launch' expected 2027-02-12 (P85 forecast), "
        "56 days after the agreed 2026-12-18 (and 1 more milestone)"
    )
    assert not results["drift:slip-days=60"].tripped
    assert results["drift:scope-pct=25"].reason == (
        "drift:scope-pct=25: milestone 'Analytics add-on' was added after the baseline, "
        "with 2 items (and 1 more milestone)"
    )
    assert not results["drift:scope-pct=100"].tripped
