"""Accepting a change notice: a new baseline version, the old one kept, the sign-off recorded
and carried forward, and every report showing what the client has agreed."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from clientsync.domain.baseline import ChangeAcknowledgement
from clientsync.domain.drift import DriftKind
from clientsync.domain.model import Milestone
from clientsync.domain.visibility import DetailLevel
from clientsync.errors import ConfigError
from clientsync.render import render_markdown, render_text
from clientsync.services import ReportRequest, accept_change_notice, make_report

from .workspace import CANARY, NOW, Workspace, snapshot


def test_accepting_a_notice_makes_the_current_plan_the_baseline(workspace: Workspace) -> None:
    now = workspace.clock.now()
    before = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [n.milestone for n in before.drift.notices] == ["m1"]
    assert before.drift.notices[0].awaiting_sign_off
    old = workspace.store.baseline()
    assert old is not None

    accepted = accept_change_notice(
        workspace.config,
        workspace.store,
        notice_id="m1",
        agreed_by="Jordan Lee",
        now=now,
        note="agreed on the Monday call",
    )

    assert [b.id for b in workspace.store.baselines()] == [old.id, accepted.id]
    assert workspace.store.baseline() == accepted
    assert accepted.agreed_by == "Jordan Lee" and accepted.agreed_at == now
    assert accepted.note == (
        "accepted change notice m1 (Launch: due date moved from 2026-12-04 to 2026-12-18 "
        "(+14 days); 1 item added). agreed on the Monday call"
    )
    assert accepted.milestones["m1"].due is not None
    assert accepted.milestones["m1"].due.isoformat() == "2026-12-18"
    assert old.milestones["m1"].due is not None
    assert old.milestones["m1"].due.isoformat() == "2026-12-04"  # kept as it was
    assert old.acknowledgements == ()
    after = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert after.drift.notices == ()
    assert after.drift.baseline_id == accepted.id


def test_the_sign_off_is_recorded_as_the_client_saw_the_notice(workspace: Workspace) -> None:
    now = workspace.clock.now()
    internal = make_report(
        workspace.config,
        workspace.store,
        ReportRequest(as_of=now, level=DetailLevel.INTERNAL),
        save=False,
    )
    (notice,) = internal.drift.notices
    # Internally two items were added (one of them internal); the client saw one.
    assert [e.kind for e in notice.events].count(DriftKind.SCOPE_ADDED) == 2

    accepted = accept_change_notice(
        workspace.config,
        workspace.store,
        notice_id="m1",
        agreed_by="Jordan Lee",
        now=now,
        note="agreed on the Monday call",
    )

    assert accepted.acknowledgements == (
        ChangeAcknowledgement(
            notice_id="m1",
            summary="Launch: due date moved from 2026-12-04 to 2026-12-18 (+14 days); 1 item added",
            acknowledged_by="Jordan Lee",
            acknowledged_at=now,
            note="agreed on the Monday call",
        ),
    )
    assert CANARY not in accepted.model_dump_json()


def test_every_report_shows_the_agreed_change(workspace: Workspace) -> None:
    now = workspace.clock.now()
    accept_change_notice(
        workspace.config,
        workspace.store,
        notice_id="m1",
        agreed_by="Jordan Lee",
        now=now,
        note="agreed on the Monday call",
    )
    for level in DetailLevel:
        request = ReportRequest(as_of=now, level=level)
        report = make_report(workspace.config, workspace.store, request, save=False)
        (ack,) = report.drift.acknowledgements
        assert (ack.notice_id, ack.acknowledged_by) == ("m1", "Jordan Lee")
        line = (
            "Launch: due date moved from 2026-12-04 to 2026-12-18 (+14 days); 1 item added "
            "— agreed by Jordan Lee on 2026-11-23 (agreed on the Monday call)"
        )
        assert f"- {line}" in render_markdown(report)
        assert "### Changes you have agreed" in render_markdown(report)
        assert f"Changes you have agreed:\n- {line}" in render_text(report)
        assert "awaiting your sign-off" not in render_markdown(report)


def test_sign_offs_are_carried_forward_by_each_accept(workspace: Workspace) -> None:
    first_day = workspace.clock.now()
    first = accept_change_notice(
        workspace.config, workspace.store, notice_id="m1", agreed_by="Jordan Lee", now=first_day
    )
    # A week later the date moves again and a new milestone appears.
    later = first_day + timedelta(days=7)
    week3 = snapshot(later - timedelta(hours=1), week=2)
    week3 = week3.model_copy(
        update={
            "milestones": (
                Milestone(id="m1", name="Launch", due=date(2027, 1, 8)),
                Milestone(id="m2", name="Support", due=date(2027, 2, 1)),
            )
        }
    )
    workspace.sync(week3, later - timedelta(hours=1))
    pending = make_report(
        workspace.config, workspace.store, ReportRequest(as_of=later), save=False
    ).drift
    assert [n.id for n in pending.notices] == ["m1", "m2"]
    assert all(n.awaiting_sign_off for n in pending.notices)
    assert [a.notice_id for a in pending.acknowledgements] == ["m1"]  # the old sign-off stays

    second = accept_change_notice(
        workspace.config, workspace.store, notice_id="m2", agreed_by="Sam Client", now=later
    )

    assert second.acknowledgements[0] == first.acknowledgements[0]
    assert [(a.notice_id, a.acknowledged_by, a.summary) for a in second.acknowledgements] == [
        (
            "m1",
            "Jordan Lee",
            "Launch: due date moved from 2026-12-04 to 2026-12-18 (+14 days); 1 item added",
        ),
        ("m2", "Sam Client", "Support: new milestone, due 2027-02-01"),
    ]
    assert second.acknowledgements[1].note is None
    # Accepting m2 re-agreed the whole current plan, m1's new date included.
    after = make_report(workspace.config, workspace.store, ReportRequest(as_of=later), save=False)
    assert after.drift.notices == ()
    assert after.drift.acknowledgements == second.acknowledgements


def test_an_accepted_change_that_still_shows_says_who_agreed_it(workspace: Workspace) -> None:
    # A budget overrun outlives the new baseline (the budget is carried over): the notice
    # stays, marked as signed off, and is no longer awaiting sign-off.
    now = workspace.clock.now()
    spent = snapshot(now - timedelta(hours=1), week=2)
    spent = spent.model_copy(
        update={"items": tuple(i.model_copy(update={"spent_hours": 10.0}) for i in spent.items)}
    )
    workspace.sync(spent, now - timedelta(hours=1))
    agreed = workspace.store.baseline()
    assert agreed is not None
    workspace.store.add_baseline(agreed.model_copy(update={"id": "b-budget", "budget_hours": 40}))
    before = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [n.id for n in before.drift.notices] == ["m1", "budget"]

    accept_change_notice(
        workspace.config, workspace.store, notice_id="budget", agreed_by="Jordan", now=now
    )

    report = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    (budget,) = report.drift.notices
    assert budget.id == "budget" and not budget.awaiting_sign_off
    assert (budget.acknowledged_by, budget.acknowledged_at) == ("Jordan", now)
    assert report.drift.awaiting_sign_off == ()
    assert report.drift.acknowledgements[0].summary == "Budget: over budget"
    markdown = render_markdown(report)
    assert "### Budget — agreed by Jordan on 2026-11-23" in markdown
    assert "awaiting your sign-off" not in markdown
    assert "(Agreed by Jordan on 2026-11-23)" in render_text(report)


def test_a_notice_only_internal_work_explains_is_recorded_without_it(
    workspace: Workspace,
) -> None:
    now = workspace.clock.now()
    accept_change_notice(workspace.config, workspace.store, notice_id="m1", agreed_by="J", now=now)
    # Then only internal work is added: the client's report shows no notice at all.
    later = now + timedelta(days=1)
    week = snapshot(later - timedelta(hours=1), week=2)
    internal = week.items[-1].model_copy(
        update={"id": "94", "key": "P-94", "title": f"{CANARY}-more-internal"}
    )
    week = week.model_copy(update={"items": (*week.items, internal)})
    workspace.sync(week, later - timedelta(hours=1))
    client = make_report(workspace.config, workspace.store, ReportRequest(as_of=later), save=False)
    assert client.drift.notices == ()

    accepted = accept_change_notice(
        workspace.config, workspace.store, notice_id="m1", agreed_by="J", now=later
    )

    assert accepted.acknowledgements[-1].summary == "Launch: plan re-agreed"
    assert CANARY not in accepted.model_dump_json()


def test_a_baseline_stored_before_sign_offs_were_recorded_still_loads(
    workspace: Workspace,
) -> None:
    current = workspace.store.baseline()
    assert current is not None
    # The payload as written before the field existed.
    payload = current.model_copy(update={"id": "b-old"}).model_dump_json(
        exclude={"acknowledgements"}
    )
    assert "acknowledgements" not in payload
    raw = sqlite3.connect(workspace.config.store_path)
    with raw:
        raw.execute(
            "INSERT INTO baselines (id, captured_at, payload) VALUES (?, ?, ?)",
            ("b-old", "2026-11-16T09:00:01.000000+00:00", payload),
        )
    raw.close()
    old = workspace.store.baseline()
    assert old is not None and old.id == "b-old" and old.acknowledgements == ()
    assert [b.id for b in workspace.store.baselines()][-1] == "b-old"
    accepted = accept_change_notice(
        workspace.config, workspace.store, notice_id="m1", agreed_by="Jordan", now=NOW
    )
    assert [a.notice_id for a in accepted.acknowledgements] == ["m1"]


def test_an_unknown_notice_lists_the_open_ones(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match="no change notice 'm9'; open notices: m1"):
        accept_change_notice(
            workspace.config,
            workspace.store,
            notice_id="m9",
            agreed_by="Jordan",
            now=workspace.clock.now(),
        )
    assert len(workspace.store.baselines()) == 1


def test_a_sign_off_names_who_gave_it(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match="--by NAME must not be empty"):
        accept_change_notice(
            workspace.config, workspace.store, notice_id="m1", agreed_by=" ", now=NOW
        )
    assert len(workspace.store.baselines()) == 1
