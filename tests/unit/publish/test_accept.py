"""Accepting a change notice: a new baseline version, the old one kept."""

from __future__ import annotations

import pytest

from clientsync.errors import ConfigError
from clientsync.services import ReportRequest, accept_change_notice, make_report

from .workspace import Workspace


def test_accepting_a_notice_makes_the_current_plan_the_baseline(workspace: Workspace) -> None:
    now = workspace.clock.now()
    before = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert [n.milestone for n in before.drift.notices] == ["m1"]
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
    assert accepted.note is not None
    assert accepted.note.startswith("accepted change notice m1 (Launch): ")
    assert accepted.note.endswith("agreed on the Monday call")
    assert accepted.milestones["m1"].due is not None
    assert accepted.milestones["m1"].due.isoformat() == "2026-12-18"
    assert old.milestones["m1"].due is not None
    assert old.milestones["m1"].due.isoformat() == "2026-12-04"  # kept as it was
    after = make_report(workspace.config, workspace.store, ReportRequest(as_of=now), save=False)
    assert after.drift.notices == ()
    assert after.drift.baseline_id == accepted.id


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
