"""The plan's pure rules: cadence periods, on-change, sections, escalation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.config.audience import AudienceConfig, EscalationConfig, Section, Weekday
from clientsync.domain.report import Report
from clientsync.domain.status import Rag
from clientsync.publish import changed_since, current_period, escalates, select_sections
from clientsync.services import ReportRequest, make_report

from .workspace import Workspace

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def audience(**fields: Any) -> AudienceConfig:
    data: dict[str, Any] = {"name": "a", "channel": {"type": "file", "path": "x.md"}}
    data.update(fields)
    return AudienceConfig.model_validate(data)


def test_weekly_period_starts_on_its_weekday_and_holds_for_a_week() -> None:
    wed = audience(cadence="weekly", weekday="wed")
    monday = date(2026, 11, 23)
    period = current_period(wed, monday)
    assert period is not None
    assert period.due == date(2026, 11, 18)  # the last Wednesday: a missed send still goes
    assert period.next_due == date(2026, 11, 25)
    assert period.key == "weekly-2026-11-18"
    assert current_period(wed, date(2026, 11, 25)).key == "weekly-2026-11-25"  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None)
@given(day=DAYS, weekday=st.sampled_from(list(Weekday)))
def test_weekly_and_biweekly_periods_are_well_formed(day: date, weekday: Weekday) -> None:
    for cadence, length in (("weekly", 7), ("biweekly", 14)):
        period = current_period(audience(cadence=cadence, weekday=weekday.value), day)
        assert period is not None and period.next_due is not None
        assert period.due <= day < period.next_due
        assert (period.next_due - period.due).days == length
        assert period.due.weekday() == weekday.number
        # Every day of the period names the same period: one send per period.
        inside = period.due + timedelta(days=(day - period.due).days // 2)
        again = current_period(audience(cadence=cadence, weekday=weekday.value), inside)
        assert again == period


@settings(max_examples=40, deadline=None)
@given(day=DAYS)
def test_monthly_period_is_the_calendar_month(day: date) -> None:
    period = current_period(audience(cadence="monthly"), day)
    assert period is not None and period.next_due is not None
    assert period.due == day.replace(day=1)
    assert period.key == f"monthly-{day:%Y-%m}"
    assert period.next_due.day == 1 and period.next_due > day
    assert (period.next_due - period.due).days in (28, 29, 30, 31)


def test_biweekly_skips_every_other_week() -> None:
    every_other = audience(cadence="biweekly", weekday="mon")
    keys = {
        current_period(every_other, date(2026, 11, 2) + timedelta(days=d)).key for d in range(28)
    }  # type: ignore[union-attr]
    assert len(keys) == 2


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Report]:
    ws = Workspace(tmp_path_factory.mktemp("plan"))
    try:
        now = ws.clock.now()
        client = make_report(
            ws.config, ws.store, ReportRequest(as_of=now, audience="sponsor"), save=False
        )
        internal = make_report(ws.config, ws.store, ReportRequest(as_of=now), save=False)
    finally:
        ws.close()
    return client, internal


def test_on_change_is_due_on_a_new_notice_or_a_rag_change(reports: tuple[Report, Report]) -> None:
    report, _ = reports
    on_change = audience(cadence="on-change")
    assert changed_since(report, None)  # never reported: due
    assert not changed_since(report, report)
    assert current_period(on_change, date(2026, 11, 23), report, report) is None
    no_notices = report.model_copy(
        update={"drift": report.drift.model_copy(update={"notices": ()})}
    )
    assert changed_since(report, no_notices)  # a new notice since
    assert not changed_since(no_notices, report)  # a notice gone is not news
    green = report.status.model_copy(
        update={"overall": report.status.overall.model_copy(update={"rag": Rag.GREEN})}
    )
    assert changed_since(report, report.model_copy(update={"status": green}))
    period = current_period(on_change, date(2026, 11, 23), report, no_notices)
    assert period is not None and period.key.startswith("change-2026-11-23-")


def test_sections_left_out_are_emptied_in_the_data(reports: tuple[Report, Report]) -> None:
    report, _ = reports
    assert report.risks and report.drift.notices and report.status.milestones
    slim = select_sections(report, (Section.OVERALL, Section.MILESTONES))
    assert slim.risks == () and slim.drift.notices == () and slim.drift.events == ()
    assert slim.status.milestones == report.status.milestones
    assert slim.status.done_since_last == () and slim.status.blocked == ()
    assert slim.status.overall == report.status.overall
    assert select_sections(report, tuple(Section)) == report


@pytest.mark.parametrize(
    ("rag", "reports_running", "current", "previous", "expected"),
    [
        (Rag.RED, 2, Rag.RED, [Rag.RED], True),
        (Rag.RED, 2, Rag.RED, [Rag.AMBER], False),
        (Rag.RED, 2, Rag.RED, [], False),  # the first red report: not yet
        (Rag.AMBER, 2, Rag.RED, [Rag.AMBER, Rag.GREEN], True),  # amber "or worse"
        (Rag.RED, 3, Rag.RED, [Rag.RED, Rag.GREEN], False),
        (Rag.RED, 1, Rag.RED, [], True),
        (Rag.RED, 2, Rag.AMBER, [Rag.RED], False),
    ],
)
def test_escalation_needs_the_whole_run(
    rag: Rag, reports_running: int, current: Rag, previous: list[Rag], expected: bool
) -> None:
    rule = EscalationConfig(rag=rag, reports=reports_running, to=("boss@client.example",))
    assert escalates(rule, current, previous) is expected
