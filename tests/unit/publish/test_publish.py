"""publish_due(): exactly once across reruns and failures, pause and resume, escalation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from clientsync.domain.model import Project
from clientsync.errors import ConfigError, FatalTrackerError
from clientsync.publish import PAUSE_AFTER_FAILURES, formats
from clientsync.testing import FakeTracker

from .peers import smtp_peer, webhook_peer
from .workspace import Workspace, walk

WEBHOOK_AUDIENCE = """
[[audiences]]
name = "sponsor"
level = "client"
cadence = "weekly"
weekday = "mon"
channel = { type = "webhook", url_env = "HOOK_URL" }
"""


def test_a_rerun_in_the_same_period_sends_nothing(workspace: Workspace) -> None:
    first = workspace.publish()
    assert workspace.statuses(first) == [("sponsor", "sent")]
    record = workspace.store.publish_records("sponsor")[0]
    assert record.published and record.period == "weekly-2026-11-23"
    assert record.content_hash is not None and len(record.content_hash) == 64
    workspace.clock.advance(timedelta(days=2))  # Wednesday: the same weekly period
    again = workspace.publish()
    assert workspace.statuses(again) == [("sponsor", "already-sent")]
    assert len(list(walk(workspace.root / "out"))) == 1
    workspace.clock.advance(timedelta(days=5))  # next Monday: a new period
    assert workspace.statuses(workspace.publish()) == [("sponsor", "sent")]
    assert [p.name for p in walk(workspace.root / "out")] == [
        "sponsor-2026-11-23.md",
        "sponsor-2026-11-30.md",
    ]


def test_dry_run_sends_and_records_nothing(workspace: Workspace) -> None:
    result = workspace.publish(dry_run=True)
    assert workspace.statuses(result) == [("sponsor", "would-send")]
    assert "file out/{audience}-{date}.md" in result.outcomes[0].detail
    assert not (workspace.root / "out").exists()
    assert workspace.store.publish_records("sponsor") == ()
    assert workspace.statuses(workspace.publish()) == [("sponsor", "sent")]


def test_force_sends_again_but_identical_content_only_once(workspace: Workspace) -> None:
    workspace.publish()
    forced = workspace.publish(force=True)
    assert workspace.statuses(forced) == [("sponsor", "sent")]
    assert workspace.statuses(workspace.publish(force=True)) == [("sponsor", "already-sent")]
    assert len(workspace.store.publish_records("sponsor")) == 2


def test_a_failed_send_is_retried_next_run_and_never_marked_sent(tmp_path: Path) -> None:
    ws = Workspace(tmp_path, WEBHOOK_AUDIENCE)
    try:
        with webhook_peer() as hook:
            env = {"HOOK_URL": hook.url}
            hook.script.extend([(500, {})] * 5)  # the whole retry budget of one run
            failed = ws.publish(env=env)
            assert failed.failed and ws.statuses(failed) == [("sponsor", "failed")]
            assert "failure 1 of 5" in failed.outcomes[0].detail
            (record,) = ws.store.publish_records("sponsor")
            assert not record.published
            assert ws.store.publish_state("sponsor").failures == 1
            ws.clock.advance(timedelta(hours=1))
            retried = ws.publish(env=env)
            assert ws.statuses(retried) == [("sponsor", "sent")]
            assert ws.statuses(ws.publish(env=env)) == [("sponsor", "already-sent")]
        keys = {r.headers["Idempotency-Key"] for r in hook.received}
        assert keys == {record.key}  # every attempt under the one key
        assert sum(1 for r in hook.received) == 6  # 5 refused, 1 accepted, none after
        assert ws.store.publish_state("sponsor").failures == 0
    finally:
        ws.close()


def test_five_consecutive_failures_pause_the_audience_until_resumed(tmp_path: Path) -> None:
    ws = Workspace(
        tmp_path,
        """
[[audiences]]
name = "sponsor"
cadence = "weekly"
channel = { type = "file", path = "blocked/{date}.md" }
""",
    )
    try:
        (tmp_path / "blocked").write_text("a file where the directory should be")
        for attempt in range(1, PAUSE_AFTER_FAILURES):
            assert ws.statuses(ws.publish()) == [("sponsor", "failed")], attempt
        fifth = ws.publish()
        assert ws.statuses(fifth) == [("sponsor", "paused")]
        assert "paused after 5 consecutive failed sends" in fifth.outcomes[0].detail
        assert "clientsync publish --resume sponsor" in fifth.outcomes[0].detail
        (tmp_path / "blocked").unlink()  # the cause is fixed, but the pause holds
        still = ws.publish(force=True)
        assert ws.statuses(still) == [("sponsor", "paused")] and still.failed
        assert not (tmp_path / "blocked").exists()
        resumed = ws.publish(resume=["sponsor"])
        assert ws.statuses(resumed) == [("sponsor", "sent")]
        assert (tmp_path / "blocked" / "2026-11-23.md").is_file()
        assert not ws.store.publish_state("sponsor").paused
    finally:
        ws.close()


def test_a_success_resets_the_failure_run(tmp_path: Path) -> None:
    ws = Workspace(
        tmp_path,
        """
[[audiences]]
name = "sponsor"
cadence = "weekly"
channel = { type = "file", path = "blocked/{date}.md" }
""",
    )
    try:
        (tmp_path / "blocked").write_text("x")
        for _ in range(PAUSE_AFTER_FAILURES - 1):
            ws.publish()
        (tmp_path / "blocked").unlink()
        assert ws.statuses(ws.publish()) == [("sponsor", "sent")]
        assert ws.store.publish_state("sponsor").failures == 0
    finally:
        ws.close()


ESCALATING = """
[[audiences]]
name = "sponsor"
level = "client"
contacts = ["jordan@client.example"]
cadence = "weekly"
channel = {{ type = "email", host = "127.0.0.1", port = {port}, security = "none", \
from = "pm@agency.example" }}
escalation = {{ rag = "red", reports = 2, to = ["Director <director@client.example>"] }}
"""


def test_red_two_reports_running_also_goes_to_the_escalation_contacts(tmp_path: Path) -> None:
    with smtp_peer() as (port, box):
        ws = Workspace(tmp_path, ESCALATING.format(port=port))
        try:
            first = ws.publish()
            assert ws.statuses(first) == [("sponsor", "sent")]  # red once: no escalation yet
            ws.clock.advance(timedelta(days=7))
            second = ws.publish()
            assert ws.statuses(second) == [("sponsor", "sent"), ("sponsor!", "sent")]
            ws.clock.advance(timedelta(hours=2))
            assert ws.statuses(ws.publish()) == [("sponsor", "already-sent")]
        finally:
            ws.close()
    assert box.rcpt == [
        ["jordan@client.example"],
        ["jordan@client.example"],
        ["director@client.example"],
    ]
    escalation = box.messages()[2]
    assert escalation["Subject"].startswith("Escalation: Portal: status 2026-11-30 (red)")
    body = escalation.get_body(("plain",))
    assert body is not None
    assert "Escalation: Portal has been red for 2 reports running" in body.get_content()


def test_a_failed_escalation_is_retried_after_its_report_went(tmp_path: Path) -> None:
    # The report posts; the escalation after it fails (not retryable), then goes next run.
    tracker = FakeTracker(
        Project(id="portal", name="Portal"), script=[None, FatalTrackerError("403 on post")]
    )
    ws = Workspace(
        tmp_path,
        """
[[audiences]]
name = "sponsor"
cadence = "weekly"
channel = { type = "tracker", target = "PORTAL-1" }
escalation = { reports = 1, to = ["director@client.example"] }
""",
    )
    try:
        first = ws.publish(writer_for=lambda source: tracker)
        assert ws.statuses(first) == [("sponsor", "sent"), ("sponsor!", "failed")]
        assert first.failed and len(tracker.posted) == 1
        ws.clock.advance(timedelta(hours=1))
        second = ws.publish(writer_for=lambda source: tracker)
        assert ws.statuses(second) == [("sponsor", "already-sent"), ("sponsor!", "sent")]
        assert ws.statuses(ws.publish(writer_for=lambda source: tracker)) == [
            ("sponsor", "already-sent")
        ]
    finally:
        ws.close()
    assert [target for target, *_ in tracker.posted] == ["PORTAL-1", "PORTAL-1"]
    escalation_body = tracker.posted[1][1]
    assert escalation_body.startswith("To: director@client.example\n\nEscalation: Portal")
    assert tracker.posted[1][2].endswith(":escalation")


def test_on_change_audience_hears_only_of_changes(tmp_path: Path) -> None:
    ws = Workspace(
        tmp_path,
        """
[[audiences]]
name = "team"
level = "internal"
cadence = "on-change"
channel = { type = "file", path = "out/{audience}-{period}.md" }
""",
    )
    try:
        assert ws.statuses(ws.publish()) == [("team", "sent")]
        ws.clock.advance(timedelta(days=1))
        quiet = ws.publish()
        assert ws.statuses(quiet) == [("team", "not-due")] and not quiet.failed
        assert len(list(walk(tmp_path / "out"))) == 1
    finally:
        ws.close()


def test_only_the_named_audiences_are_published(tmp_path: Path) -> None:
    ws = Workspace(
        tmp_path,
        """
[[audiences]]
name = "sponsor"
channel = { type = "file", path = "out/{audience}.md" }

[[audiences]]
name = "exec"
level = "executive"
channel = { type = "file", path = "out/{audience}.md" }
""",
    )
    try:
        assert ws.statuses(ws.publish(audiences=["exec"])) == [("exec", "sent")]
        assert [p.name for p in walk(tmp_path / "out")] == ["exec.md"]
    finally:
        ws.close()


def test_a_missing_renderer_fails_the_run_before_anything_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(formats._RENDERERS, "html", ("clientsync.render.nowhere", "render_html"))
    ws = Workspace(
        tmp_path,
        """
[[audiences]]
name = "a-first"
channel = { type = "file", path = "out/{audience}.md" }

[[audiences]]
name = "b-html"
channel = { type = "file", path = "out/{audience}.html" }
""",
    )
    try:
        with pytest.raises(ConfigError, match="'html' renderer is not available"):
            ws.publish()
        assert not (tmp_path / "out").exists()
    finally:
        ws.close()


def test_resume_in_a_dry_run_previews_without_unpausing(tmp_path: Path) -> None:
    ws = Workspace(
        tmp_path,
        """
[[audiences]]
name = "sponsor"
channel = { type = "file", path = "blocked/{date}.md" }
""",
    )
    try:
        (tmp_path / "blocked").write_text("x")
        for _ in range(PAUSE_AFTER_FAILURES):
            ws.publish()
        assert ws.store.publish_state("sponsor").paused
        preview = ws.publish(dry_run=True, resume=["sponsor"])
        assert ws.statuses(preview) == [("sponsor", "would-send")]
        assert ws.store.publish_state("sponsor").paused
    finally:
        ws.close()
