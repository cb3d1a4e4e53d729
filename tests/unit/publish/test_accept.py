"""Accepting a change notice: a new baseline version with only that notice's changes agreed,
the old one kept, the sign-off recorded and carried forward, every other notice still open,
and every report showing what the client has agreed."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from clientsync.domain.baseline import ChangeAcknowledgement
from clientsync.domain.drift import DriftKind
from clientsync.domain.model import ItemState, Milestone, Snapshot
from clientsync.domain.visibility import DetailLevel
from clientsync.errors import ConfigError
from clientsync.render import render_markdown, render_text
from clientsync.services import ReportRequest, accept_change_notice, make_report

from .workspace import CANARY, NOW, Workspace, snapshot


def test_accepting_the_only_notice_agrees_its_changes(workspace: Workspace) -> None:
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
    # Signing off m2 agreed nothing about m1: its new move still awaits sign-off.
    assert second.milestones["m1"] == first.milestones["m1"]
    after = make_report(workspace.config, workspace.store, ReportRequest(as_of=later), save=False)
    assert [(n.id, n.awaiting_sign_off) for n in after.drift.notices] == [("m1", True)]
    assert after.drift.acknowledgements == second.acknowledgements


def _later_week(now: datetime, **milestones: date) -> Snapshot:
    """Week 2 an hour before `now`, with the given milestone due dates (by id)."""
    week = snapshot(now - timedelta(hours=1), week=2)
    return week.model_copy(
        update={
            "milestones": tuple(
                Milestone(id=mid, name=mid.upper(), due=due) for mid, due in milestones.items()
            )
        }
    )


def test_accepting_one_notice_leaves_every_other_open(workspace: Workspace) -> None:
    now = workspace.clock.now()
    week = _later_week(now, m1=date(2026, 12, 18), m2=date(2027, 2, 1))
    unplanned = week.items[0].model_copy(
        update={"id": "50", "key": "P-50", "title": "Visible unplanned", "milestones": ()}
    )
    moved = week.items[2].model_copy(update={"milestones": ("m2",)})  # P-3, same estimate
    week = week.model_copy(update={"items": (*week.items[:2], moved, *week.items[3:], unplanned)})
    workspace.sync(week, now - timedelta(hours=1))
    old = workspace.store.baseline()
    assert old is not None
    before = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [n.id for n in before.drift.notices] == ["m1", "m2", "unplanned"]

    accepted = accept_change_notice(
        workspace.config, workspace.store, notice_id="m2", agreed_by="Sam", now=now
    )

    # Only m2 joined the baseline, and P-3, which moved into it; m1 and the scope are as agreed.
    assert accepted.milestones == {
        **old.milestones,
        "m2": accepted.milestones["m2"],
    }
    assert accepted.milestones["m2"].due == date(2027, 2, 1)
    assert accepted.scope == old.scope
    assert accepted.item_milestones == {**old.item_milestones, "P-3": ("m2",)}
    after = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [(n.id, n.awaiting_sign_off) for n in after.drift.notices] == [
        ("m1", True),
        ("unplanned", True),
    ]
    assert [n.what for n in after.drift.notices] == [n.what for n in before.drift.notices[::2]]
    assert [a.notice_id for a in after.drift.acknowledgements] == ["m2"]
    markdown = render_markdown(after)
    assert markdown.count("awaiting your sign-off") == 2
    assert "- M2: new milestone, due 2027-02-01 — agreed by Sam on 2026-11-23" in markdown

    # Accepting the rest one by one leaves the current plan agreed, and no drift.
    for notice in ("unplanned", "m1"):
        accepted = accept_change_notice(
            workspace.config, workspace.store, notice_id=notice, agreed_by="Sam", now=now
        )
    final = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert final.drift.notices == ()
    assert [a.notice_id for a in final.drift.acknowledgements] == ["m2", "unplanned", "m1"]
    assert "P-50" in accepted.scope and accepted.milestones["m1"].due == date(2026, 12, 18)


def _spend(workspace: Workspace, now: datetime, *, progress: bool) -> None:
    """Every item 10 hours spent; without progress, nothing agreed is done yet."""
    week = snapshot(now - timedelta(hours=1), week=2)
    items = []
    for item in week.items:
        update: dict[str, object] = {"spent_hours": 10.0}
        if not progress and item.state is ItemState.DONE:
            update.update(state=ItemState.IN_PROGRESS, completed_at=None)
        items.append(item.model_copy(update=update))
    workspace.sync(week.model_copy(update={"items": tuple(items)}), now - timedelta(hours=1))
    agreed = workspace.store.baseline()
    assert agreed is not None
    workspace.store.add_baseline(agreed.model_copy(update={"id": "b-budget", "budget_hours": 40}))


def test_accepting_the_budget_notice_agrees_the_projected_budget(workspace: Workspace) -> None:
    now = workspace.clock.now()
    _spend(workspace, now, progress=True)
    before = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [n.id for n in before.drift.notices] == ["m1", "budget"]
    budget = before.drift.notices[1]
    shown = re.search(r"needs about (\d+) hours against 40 budgeted", budget.impact)
    assert shown is not None, budget.impact

    accepted = accept_change_notice(
        workspace.config, workspace.store, notice_id="budget", agreed_by="Jordan", now=now
    )

    # The figure the client read, not the internal one (internal items spend hours too).
    assert accepted.budget_hours == float(shown.group(1))
    internal = make_report(
        workspace.config,
        workspace.store,
        ReportRequest(as_of=now, level=DetailLevel.INTERNAL),
        save=False,
    )
    assert internal.drift.budget is not None
    assert accepted.budget_hours != round(
        internal.drift.budget.spent_hours * 100 / internal.drift.budget.progress_percent
    )
    old = workspace.store.baselines()[-2]
    assert (accepted.scope, accepted.milestones) == (old.scope, old.milestones)
    report = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [(n.id, n.awaiting_sign_off) for n in report.drift.notices] == [("m1", True)]
    assert report.drift.acknowledgements[0].summary == "Budget: over budget"
    assert "- Budget: over budget — agreed by Jordan on 2026-11-23" in render_markdown(report)


def test_an_accepted_change_that_still_shows_says_who_agreed_it(workspace: Workspace) -> None:
    # With nothing agreed done there is no rate to project a budget from: the overrun
    # outlives the new baseline (the budget is carried over), and the notice stays, marked
    # as signed off and no longer awaiting sign-off.
    now = workspace.clock.now()
    _spend(workspace, now, progress=False)
    before = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [n.id for n in before.drift.notices] == ["m1", "budget"]
    assert "none of the agreed scope is done yet" in before.drift.notices[1].impact

    accepted = accept_change_notice(
        workspace.config, workspace.store, notice_id="budget", agreed_by="Jordan", now=now
    )

    assert accepted.budget_hours == 40
    report = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    m1, budget = report.drift.notices
    assert m1.id == "m1" and m1.awaiting_sign_off
    assert budget.id == "budget" and not budget.awaiting_sign_off
    assert (budget.acknowledged_by, budget.acknowledged_at) == ("Jordan", now)
    assert [n.id for n in report.drift.awaiting_sign_off] == ["m1"]
    assert report.drift.acknowledgements[0].summary == "Budget: over budget"
    markdown = render_markdown(report)
    assert "### Budget — agreed by Jordan on 2026-11-23" in markdown
    assert markdown.count("awaiting your sign-off") == 1
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
