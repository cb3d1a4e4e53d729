"""`clientsync plan`, `publish` and `baseline accept` on the bundled example."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from clientsync.cli import main

from .test_cli import NOW, cli, point_at, workspace  # noqa: F401  (the fixture)

SPONSOR_REPORT = Path("reports/acme-sponsor.md")


@pytest.fixture
def synced(workspace: Path) -> Path:  # noqa: F811
    """The example synced at its first week with a baseline, then at its last week."""
    point_at(workspace, "2026-10-26.json")
    first = NOW - timedelta(days=28)
    assert cli("sync", now=first).code == 0
    assert cli("baseline", "capture", "--agreed-by", "Jordan Lee", now=first).code == 0
    point_at(workspace, "2026-11-23.json")
    assert cli("sync").code == 0
    return workspace


def test_plan_shows_due_dates_channels_and_what_is_withheld(synced: Path) -> None:
    run = cli("plan")
    assert run.code == 0, run.err
    sponsor, team = run.out.split("\n\n")
    assert sponsor.startswith("acme-sponsor (client, weekly on mon)")
    assert "next due: 2026-11-23 (due now)" in sponsor
    assert "receives: md via file reports/acme-sponsor.md" in sponsor
    assert re.search(r"\d+ internal item\(s\) hidden", sponsor)
    assert "fields blanked: assignee, extra (client level)" in sponsor
    assert team.startswith("northwind-team (internal, on-change)")
    assert "nothing withheld" in team
    assert not list(synced.glob("reports/*"))  # planning sends nothing


def test_plan_before_any_sync_still_shows_the_plan(workspace: Path) -> None:  # noqa: F811
    run = cli("plan")
    assert run.code == 0, run.err
    assert "withheld: unknown until the first `clientsync sync`" in run.out


def test_publish_dry_run_then_publish_then_rerun(synced: Path) -> None:
    dry = cli("publish", "--dry-run")
    assert dry.code == 0, dry.err
    assert "acme-sponsor: would-send [weekly-2026-11-23]" in dry.out
    assert "dry run: nothing was sent" in dry.err
    assert not (synced / "reports").exists()

    sent = cli("publish")
    assert sent.code == 0, sent.err
    assert "acme-sponsor: sent [weekly-2026-11-23]" in sent.out
    assert "northwind-team: sent" in sent.out
    report = (synced / SPONSOR_REPORT).read_text(encoding="utf-8")
    assert report.startswith("# Acme customer portal")

    again = cli("publish", now=NOW + timedelta(hours=3))
    assert again.code == 0
    assert "acme-sponsor: already-sent [weekly-2026-11-23]" in again.out
    assert "northwind-team: not-due" in again.out
    plan = cli("plan", now=NOW + timedelta(hours=3))
    assert "next due: 2026-11-30: period weekly-2026-11-23 already sent" in plan.out


def test_publish_one_audience(synced: Path) -> None:
    run = cli("publish", "--audience", "northwind-team")
    assert run.code == 0 and "acme-sponsor" not in run.out
    assert not (synced / SPONSOR_REPORT).exists()


def test_unknown_audience_is_a_usage_error(synced: Path) -> None:
    run = cli("publish", "--audience", "acme-sponser")
    assert run.code == 2
    assert "did you mean 'acme-sponsor'" in run.err


def test_bad_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["publish", "--later"])
    assert exit_info.value.code == 2


def test_a_channel_missing_its_secret_is_a_config_error_and_sends_nothing(synced: Path) -> None:
    config = synced / "clientsync.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[audiences]]\nname = "chat"\nchannel = { type = "webhook", url_env = "CHAT_URL" }\n',
        encoding="utf-8",
    )
    run = cli("publish")
    assert run.code == 2
    assert "CHAT_URL is not set" in run.err
    assert not (synced / "reports").exists()  # nothing went before the check


def test_delivery_failure_exits_3_then_pauses_then_resumes(synced: Path) -> None:
    (synced / "reports").write_text("a file where the reports directory should be")
    for attempt in range(1, 5):
        run = cli("publish", "--audience", "acme-sponsor", now=NOW + timedelta(hours=attempt))
        assert run.code == 3, run.err
        assert f"failure {attempt} of 5" in run.out
        assert "retried on the next run" in run.err
    paused = cli("publish", "--audience", "acme-sponsor", now=NOW + timedelta(hours=5))
    assert paused.code == 3
    assert "acme-sponsor: paused" in paused.out
    assert "clientsync publish --resume acme-sponsor" in paused.out
    assert "PAUSED" in cli("plan").out

    (synced / "reports").unlink()
    still = cli("publish", "--audience", "acme-sponsor", now=NOW + timedelta(hours=6))
    assert still.code == 3 and "paused" in still.out
    resumed = cli("publish", "--resume", "acme-sponsor", "--audience", "acme-sponsor")
    assert resumed.code == 0, resumed.out
    assert "resumed acme-sponsor" in resumed.err
    assert "acme-sponsor: sent" in resumed.out
    assert (synced / SPONSOR_REPORT).is_file()


def test_baseline_accept_records_sign_off_as_a_new_baseline(synced: Path) -> None:
    unknown = cli("baseline", "accept", "--notice", "nope", "--by", "Jordan Lee")
    assert unknown.code == 2
    listed = re.search(r"open notices: (.+)$", unknown.err.strip())
    assert listed is not None, unknown.err
    notice = listed.group(1).split(", ")[0]

    run = cli(
        "baseline", "accept", "--notice", notice, "--by", "Jordan Lee", "--note", "call 23 Nov"
    )
    assert run.code == 0, run.err
    new_id = run.out.strip()
    assert f"Jordan Lee accepted change notice {notice}" in run.err
    baselines = cli("baseline", "list").out.strip().splitlines()
    assert len(baselines) == 2 and baselines[-1].startswith(new_id)
    shown = cli("baseline", "show", new_id).out
    assert f"accepted change notice {notice}" in shown and "call 23 Nov" in shown


def test_baseline_accept_needs_its_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["baseline", "accept", "--notice", "m1"])
    assert exit_info.value.code == 2
    assert "--by" in capsys.readouterr().err
