"""The `clientsync` command: every command, its output streams and its exit code."""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clientsync import __version__
from clientsync.cli import main
from clientsync.services import example_dir
from clientsync.testing import FixedClock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Acme example with its last snapshot as the live 'tracker'."""
    source = example_dir()
    shutil.copy(source / "clientsync.toml", tmp_path / "clientsync.toml")
    shutil.copytree(source / "snapshots", tmp_path / "snapshots")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*argv: str, env: dict[str, str] | None = None, now: datetime = NOW) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), env=env or {}, clock=FixedClock(now), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def point_at(workspace: Path, snapshot: str) -> None:
    config = workspace / "clientsync.toml"
    text = re.sub(
        r'^path = "snapshots/[^"]*"$',
        f'path = "snapshots/{snapshot}"',
        config.read_text(encoding="utf-8"),
        flags=re.M,
    )
    config.write_text(text, encoding="utf-8")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"clientsync {__version__}"


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--format", "pdf"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_init_writes_a_loadable_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "clientsync.toml"
    first = cli("--config", str(target), "init")
    assert first.code == 0 and target.exists()
    assert "wrote" in first.err and first.out == ""
    again = cli("--config", str(target), "init")
    assert again.code == 2
    assert "already exists" in again.err and "--force" in again.err
    assert cli("--config", str(target), "init", "--force").code == 0


def test_connectors_lists_the_file_connector() -> None:
    run = cli("connectors")
    assert run.code == 0
    assert "file\tclientsync.connectors.file:FileConnector" in run.out


def test_missing_config_is_a_config_error(tmp_path: Path) -> None:
    run = cli("--config", str(tmp_path / "nope.toml"), "sync")
    assert run.code == 2
    assert "not found" in run.err and "clientsync init" in run.err
    assert "Traceback" not in run.err


def test_bad_config_names_file_key_and_fix(workspace: Path) -> None:
    (workspace / "clientsync.toml").write_text(
        '[project]\nname = "X"\n[forecast]\ntrails = 5\n', encoding="utf-8"
    )
    run = cli("sync")
    assert run.code == 2
    assert "clientsync.toml" in run.err and "forecast.trails" in run.err
    assert "trials" in run.err  # the suggestion


def test_secret_in_config_is_refused_without_echoing_it(workspace: Path) -> None:
    (workspace / "clientsync.toml").write_text(
        '[project]\nname = "X"\n[[sources]]\nconnector = "jira"\n'
        'api_token = "ATATT3xFfGF0-very-secret-value"\n',
        encoding="utf-8",
    )
    run = cli("sync")
    assert run.code == 2
    assert "environment variable" in run.err
    assert "very-secret-value" not in run.err + run.out


def test_sync_then_report_then_gates(workspace: Path) -> None:
    point_at(workspace, "2026-10-26.json")
    first = cli("sync", now=datetime(2026, 10, 26, 9, tzinfo=UTC))
    assert first.code == 0, first.err
    assert first.out.startswith("acme: full sync read 28")

    captured = cli(
        "baseline",
        "capture",
        "--agreed-by",
        "Jordan Lee",
        "--budget-hours",
        "240",
        now=datetime(2026, 10, 26, 10, tzinfo=UTC),
    )
    assert captured.code == 0, captured.err
    baseline_id = captured.out.strip()
    assert "agreed by Jordan Lee" in captured.err

    point_at(workspace, "2026-11-23.json")
    second = cli("sync")
    assert second.code == 0
    assert "incremental sync" in second.out

    listed = cli("baseline", "list")
    assert listed.out.startswith(baseline_id + "\t")
    shown = json.loads(cli("baseline", "show").out)
    assert shown["id"] == baseline_id and shown["budget_hours"] == 240
    missing = cli("baseline", "show", "nope")
    assert missing.code == 2 and baseline_id in missing.err

    md = cli("report", "--audience", "acme-sponsor")
    assert md.code == 0, md.err
    assert md.out.startswith("# Acme customer portal — status 2026-11-23")
    assert "Priya Shah" not in md.out

    as_json = json.loads(cli("report", "--format", "json", "--level", "client").out)
    assert as_json["level"] == "client"
    assert as_json["drift"]["baseline_id"] == baseline_id

    out_file = workspace / "out" / "r.md"
    written = cli("report", "--out", str(out_file))
    assert written.code == 0 and written.out == "" and out_file.exists()

    gated = cli("report", "--fail-on", "red")
    assert gated.code == 1
    assert "gate tripped: red: milestone 'Content migration' is red: overdue" in gated.err
    assert cli("report", "--fail-on", "risk:critical").code == 1

    # Drift gates, against the baseline captured above.
    slipped = cli("report", "--fail-on", "drift:slip-days=14", "--fail-on", "drift:scope-pct=500")
    assert slipped.code == 1
    tripped = [line for line in slipped.err.splitlines() if line.startswith("gate ")]
    assert tripped == [
        "gate tripped: drift:slip-days=14: milestone 'Public launch' expected 2027-02-12 "
        "(P85 forecast), 56 days after the agreed 2026-12-18 (and 1 more milestone)"
    ]
    lenient = cli("report", "--fail-on", "drift:slip-days=90", "--fail-on", "drift:scope-pct=500")
    assert lenient.code == 0, lenient.err
    assert "gate" not in lenient.err


def test_report_before_any_sync_is_a_sync_error(workspace: Path) -> None:
    run = cli("report")
    assert run.code == 3
    assert "run `clientsync sync` first" in run.err


def test_report_as_of_must_be_a_date_or_an_aware_time(workspace: Path) -> None:
    assert cli("sync").code == 0
    assert cli("report", "--as-of", "2026-11-23").code in (0, 1)
    naive = cli("report", "--as-of", "2026-11-23T09:00")
    assert naive.code == 2 and "no time zone" in naive.err
    garbage = cli("report", "--as-of", "next tuesday")
    assert garbage.code == 2


def test_unknown_audience_lists_the_known_ones(workspace: Path) -> None:
    assert cli("sync").code == 0
    run = cli("report", "--audience", "ceo")
    assert run.code == 2
    assert "acme-sponsor" in run.err


def test_tracker_error_exits_3(workspace: Path) -> None:
    point_at(workspace, "missing.json")
    run = cli("sync")
    assert run.code == 3
    assert "does not exist" in run.err


def test_lost_access_is_refused_then_allowed(workspace: Path) -> None:
    assert cli("sync").code == 0
    empty = workspace / "snapshots" / "empty.json"
    data = json.loads((workspace / "snapshots" / "2026-11-23.json").read_text())
    data["items"] = []
    empty.write_text(json.dumps(data), encoding="utf-8")
    point_at(workspace, "empty.json")
    refused = cli("sync", "--full")
    assert refused.code == 3
    assert "lost access" in refused.err and "--allow-empty" in refused.err
    assert cli("sync", "--full", "--allow-empty").code == 0


def test_malformed_item_is_skipped_with_a_named_warning(workspace: Path) -> None:
    data = json.loads((workspace / "snapshots" / "2026-11-23.json").read_text())
    data["items"][0]["due"] = "someday"
    (workspace / "snapshots" / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    point_at(workspace, "bad.json")
    run = cli("sync")
    assert run.code == 0
    assert "skipped 1 malformed" in run.out
    assert "ACME-1" in run.err and "'due'" in run.err


def test_schema_prints_json_schema() -> None:
    run = cli("schema", "report")
    schema = json.loads(run.out)
    assert run.code == 0
    assert schema["title"] == "Report"
    assert "status" in schema["properties"]


def test_demo_writes_reports_and_a_summary(tmp_path: Path) -> None:
    run = cli("demo", "--out", str(tmp_path / "demo"))
    assert run.code == 0, run.err
    assert "Acme customer portal: overall" in run.out
    assert (tmp_path / "demo" / "client-report.md").exists()
    assert (tmp_path / "demo" / "client-report.json").exists()
    assert "synced 2026-10-26.json" in run.err
    assert "What each audience would receive" in run.out
    assert "acme-sponsor (client, weekly on mon)" in run.out
    assert "2 internal item(s) hidden" in run.out


def test_verbose_shows_the_traceback_behind_the_one_line_error(workspace: Path) -> None:
    point_at(workspace, "missing.json")
    quiet = cli("sync")
    loud = cli("-v", "sync")
    assert quiet.code == loud.code == 3
    assert "Traceback" not in quiet.err
    assert "Traceback" in loud.err
    assert loud.err.rstrip().endswith(quiet.err.strip())


def test_done_since_last_counts_from_the_last_report_of_an_earlier_day(workspace: Path) -> None:
    assert cli("sync").code == 0
    first = json.loads(cli("report", "--format", "json", now=NOW - timedelta(days=3)).out)
    assert first["status"]["since"] is None  # no report before it
    today = json.loads(cli("report", "--format", "json").out)
    again = json.loads(cli("report", "--format", "json", now=NOW + timedelta(hours=2)).out)
    assert today["status"]["since"] == "2026-11-20"
    assert again["status"]["since"] == "2026-11-20"  # not the run two hours earlier


def test_report_defaults_to_the_clients_view(workspace: Path) -> None:
    assert cli("sync").code == 0
    default = json.loads(cli("report", "--format", "json").out)
    internal = json.loads(cli("report", "--format", "json", "--level", "internal").out)
    assert default["level"] == "client"
    assert internal["level"] == "internal"


def test_unknown_gate_is_a_usage_error_that_lists_the_gates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for value in ("purple", "drift:slip-days", "drift:scope-pct=lots"):
        with pytest.raises(SystemExit) as exit_info:
            main(["report", "--fail-on", value])
        assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown gate 'purple'; use red, amber, risk:high, risk:critical, " in err
    assert "drift:slip-days needs a threshold in days, e.g. drift:slip-days=14" in err
    assert "drift:scope-pct=lots: the threshold must be a number of percent" in err


def test_drift_gate_without_a_baseline_is_skipped_and_says_why(workspace: Path) -> None:
    assert cli("sync").code == 0
    run = cli("report", "--fail-on", "drift:slip-days=0")
    assert run.code == 0
    assert "gate skipped: drift:slip-days=0: no baseline to measure drift against" in run.err


def test_report_as_html_for_a_ci_artifact(workspace: Path) -> None:
    assert cli("sync").code == 0
    target = workspace / "reports" / "status.html"
    run = cli("report", "--format", "html", "--out", str(target))
    assert run.code == 0, run.err
    page = target.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "Acme customer portal" in page
    assert "<html" in cli("report", "--format", "html").out


def test_junit_and_step_summary_after_the_report(workspace: Path) -> None:
    assert cli("sync").code == 0
    summary = workspace / "summary.md"
    summary.write_text("## Earlier step\n", encoding="utf-8")
    junit = workspace / "reports" / "gates.xml"
    argv = ["report", "--out", "status.md", "--fail-on", "red", "--fail-on", "risk:critical"]
    argv += ["--junit", str(junit)]
    run = cli(*argv, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert run.code == 1
    assert f"wrote {junit}" in run.err
    cases = ET.parse(junit).getroot().iter("testcase")
    assert [(c.get("name"), c.find("failure") is not None) for c in cases] == [
        ("red", True),
        ("risk:critical", True),
    ]
    text = summary.read_text(encoding="utf-8")
    report = (workspace / "status.md").read_text(encoding="utf-8")
    assert text.startswith("## Earlier step\n\n" + report.rstrip("\n") + "\n\n## Gates\n")
    assert text.count("❌ tripped") == 2

    cli(*argv, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text(encoding="utf-8").count("## Gates") == 2  # appended again


def test_no_step_summary_without_the_variable(workspace: Path) -> None:
    assert cli("sync").code == 0
    run = cli("report", "--out", "status.md", "--fail-on", "amber")
    assert run.code == 1
    assert sorted(p.name for p in workspace.iterdir() if p.suffix == ".md") == ["status.md"]
