"""The CI templates in examples/ci/: their structure, and their commands run on the example.

The commands run as the CI would run them (bash, in the directory holding clientsync.toml)
against a copy of the bundled offline example; only the `pip install` lines are skipped,
since the package is installed here.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from clientsync.cli import build_parser, main
from clientsync.config import load_config
from clientsync.domain.model import Snapshot
from clientsync.services import example_dir
from clientsync.testing import FixedClock

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "examples" / "ci"
GITHUB = TEMPLATES / "github-actions.yml"
GITLAB = TEMPLATES / "gitlab-ci.yml"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|EMAIL", re.IGNORECASE)
GITHUB_SECRET = re.compile(r"^\$\{\{ secrets\.([A-Z0-9_]+) \}\}$")


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _github_steps() -> list[dict[str, Any]]:
    (job,) = _load(GITHUB)["jobs"].values()
    steps = job["steps"]
    assert isinstance(steps, list)
    return steps


def _gitlab_job() -> dict[str, Any]:
    jobs = {k: v for k, v in _load(GITLAB).items() if isinstance(v, dict) and "script" in v}
    (job,) = jobs.values()
    return job


def _uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def _clientsync_commands(script: str) -> Iterator[argparse.Namespace]:
    for line in script.replace("\\\n", " ").splitlines():
        argv = shlex.split(line, comments=True)
        if argv and argv[0] == "clientsync":
            yield build_parser().parse_args(argv[1:])


def _report_args(scripts: list[str]) -> argparse.Namespace:
    reports = [a for s in scripts for a in _clientsync_commands(s) if a.command == "report"]
    (args,) = reports
    return args


def _store_dir() -> str:
    """The store folder of a config like the example's, relative to that config."""
    config = load_config(example_dir() / "clientsync.toml", env={})
    return config.store_path.parent.relative_to(config.base_dir).as_posix()


def _literal_secrets(node: Any, path: str = "") -> Iterator[str]:
    """Keys that look like secrets but hold a literal value, not a reference."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            literal = isinstance(value, str) and not (
                GITHUB_SECRET.match(value) or value.startswith("$")
            )
            if literal and SECRET_NAME.search(str(key)):
                yield where
            yield from _literal_secrets(value, where)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _literal_secrets(value, f"{path}[{index}]")


# --- structure: GitHub Actions ----------------------------------------------------------


def test_github_runs_on_a_schedule_and_by_hand_one_at_a_time() -> None:
    workflow = _load(GITHUB)
    triggers = workflow["on" if "on" in workflow else True]  # YAML 1.1 reads `on` as true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (schedule,) = triggers["schedule"]
    assert len(schedule["cron"].split()) == 5
    assert workflow["concurrency"]["group"]
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_github_steps_use_pinned_actions_in_a_working_order() -> None:
    steps = _github_steps()
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"actions/[a-z/-]+@v\d+", step["uses"]), step["uses"]
    order = [_uses(s) for s in steps]
    restore = order.index("actions/cache/restore")
    sync = next(i for i, s in enumerate(steps) if s.get("run") == "clientsync sync")
    report = next(i for i, s in enumerate(steps) if "clientsync report" in s.get("run", ""))
    save = order.index("actions/cache/save")
    upload = order.index("actions/upload-artifact")
    assert order[0] == "actions/checkout"
    assert restore < sync < report < save and report < upload


def test_github_caches_the_store_and_saves_it_even_when_a_gate_fails() -> None:
    steps = {_uses(s): s for s in _github_steps() if "uses" in s}
    restore, save = steps["actions/cache/restore"], steps["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"] == _store_dir()
    assert restore["with"]["key"] == save["with"]["key"]
    assert "github.run_id" in save["with"]["key"]  # a new entry each run: caches are immutable
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
    assert save["if"] == "always()"


def test_github_uploads_the_html_report_and_the_junit_file() -> None:
    steps = _github_steps()
    args = _report_args([s["run"] for s in steps if "run" in s])
    assert args.format == "html" and args.junit is not None and args.fail_on
    (upload,) = [s for s in steps if _uses(s) == "actions/upload-artifact"]
    assert upload["if"] == "always()"
    paths = upload["with"]["path"].split()
    assert str(args.out) in paths and str(args.junit) in paths


def test_github_secrets_come_from_repository_secrets() -> None:
    workflow = _load(GITHUB)
    assert not list(_literal_secrets(workflow))
    referenced = [
        GITHUB_SECRET.match(value)
        for step in _github_steps()
        for name, value in step.get("env", {}).items()
        if SECRET_NAME.search(name)
    ]
    assert referenced and all(referenced)
    for step in _github_steps():
        # Expressions inside a script are a shell-injection route; env is the safe way in.
        assert "${{" not in step.get("run", ""), step


# --- structure: GitLab CI ---------------------------------------------------------------


def test_gitlab_job_runs_on_a_schedule_one_at_a_time() -> None:
    job = _gitlab_job()
    conditions = [rule["if"] for rule in job["rules"]]
    assert '$CI_PIPELINE_SOURCE == "schedule"' in conditions
    assert job["resource_group"]


def test_gitlab_caches_the_store_even_when_a_gate_fails() -> None:
    caches = _gitlab_job()["cache"]
    (store,) = [c for c in caches if any(p.rstrip("/") == _store_dir() for p in c["paths"])]
    assert store["when"] == "always"
    assert store["key"]


def test_gitlab_keeps_the_report_and_feeds_junit_to_the_merge_request_view() -> None:
    job = _gitlab_job()
    args = _report_args(job["script"])
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["reports"]["junit"] == str(args.junit)
    kept = [p.rstrip("/") for p in artifacts["paths"]]
    for produced in (args.out, args.junit):
        assert any(produced == Path(p) or Path(p) in produced.parents for p in kept), produced


def test_gitlab_secrets_come_from_ci_cd_variables() -> None:
    assert not list(_literal_secrets(_load(GITLAB)))
    header = GITLAB.read_text(encoding="utf-8")
    assert "masked CI/CD variables" in header
    assert "JIRA_API_TOKEN" in header


# --- the commands, run on the example ---------------------------------------------------


@dataclass(frozen=True)
class Step:
    script: str
    env: dict[str, str]
    always: bool = False


def _github_run_steps() -> list[Step]:
    steps = []
    for step in _github_steps():
        if "run" not in step or "pip install" in step["run"]:
            continue
        env = {
            name: f"dummy-{match.group(1)}" if (match := GITHUB_SECRET.match(value)) else value
            for name, value in step.get("env", {}).items()
        }
        steps.append(Step(step["run"], env, always=step.get("if") == "always()"))
    return steps


def _gitlab_run_steps() -> list[Step]:
    job = _gitlab_job()
    # Masked CI/CD variables reach the job as plain environment variables.
    variables = {"JIRA_EMAIL": "pm@example.com", "JIRA_API_TOKEN": "dummy"}
    lines = [*job.get("before_script", []), *job["script"]]
    return [Step(line, variables) for line in lines if "pip install" not in line]


RUNNERS = {"github": _github_run_steps, "gitlab": _gitlab_run_steps}


def _point_at(workspace: Path, snapshot: str) -> None:
    config = workspace / "clientsync.toml"
    text = re.sub(
        r'^path = "snapshots/[^"]*"$',
        f'path = "snapshots/{snapshot}"',
        config.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    config.write_text(text, encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository holding the example's clientsync.toml and its tracker data."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(example_dir() / "clientsync.toml", repo / "clientsync.toml")
    shutil.copytree(example_dir() / "snapshots", repo / "snapshots")
    return repo


def _restore_store_with_a_baseline(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the cache holds after earlier runs: a sync at kick-off and the agreed baseline."""
    first = example_dir() / "snapshots" / "2026-10-26.json"
    clock = FixedClock(Snapshot.from_json(first.read_bytes()).taken_at)
    monkeypatch.chdir(repo)
    _point_at(repo, first.name)
    for argv in (["sync"], ["baseline", "capture", "--agreed-by", "Jordan Lee"]):
        err = io.StringIO()
        assert main(argv, env={}, clock=clock, stdout=io.StringIO(), stderr=err) == 0, err
    _point_at(repo, "2026-11-23.json")


@dataclass(frozen=True)
class Ran:
    codes: list[int]
    output: str


def _run(steps: list[Step], repo: Path, extra_env: dict[str, str]) -> Ran:
    """Each step in bash as the CI would: after a failure only `always` steps still run."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_"))}
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    base["MPLBACKEND"] = "Agg"
    codes, output, failed = [], [], False
    for step in steps:
        if failed and not step.always:
            continue
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.script],
            cwd=repo,
            env={**base, **extra_env, **step.env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        codes.append(done.returncode)
        output.append(f"$ {step.script}\n{done.stdout}{done.stderr}")
        failed = failed or done.returncode != 0
    return Ran(codes, "\n".join(output))


def _junit_outcomes(path: Path) -> dict[str, str]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "clientsync"
    outcomes = {}
    for case in suite.findall("testcase"):
        kind = next((c.tag for c in case if c.tag in ("failure", "skipped")), "passed")
        outcomes[case.get("name", "")] = kind
    return outcomes


@pytest.mark.parametrize("template", sorted(RUNNERS))
def test_first_run_syncs_reports_and_fails_on_the_red_example(
    template: str, workspace: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    steps = RUNNERS[template]()
    args = _report_args([s.script for s in steps])
    # Only GitHub Actions sets GITHUB_STEP_SUMMARY; the same command appends only there.
    on_github = template == "github"
    ran = _run(steps, workspace, {"GITHUB_STEP_SUMMARY": str(summary)} if on_github else {})

    # sync succeeds; the report is written, then the red gate fails the job with exit 1.
    assert ran.codes == [0, 1], ran.output
    assert "gate tripped: red: milestone" in ran.output
    assert "<html" in (workspace / args.out).read_text(encoding="utf-8")
    outcomes = _junit_outcomes(workspace / args.junit)
    assert list(outcomes) == [str(gate) for gate in args.fail_on]
    # Red; no baseline has been agreed yet, so the drift gates have nothing to measure.
    assert outcomes == {str(g): "failure" if g.name == "red" else "skipped" for g in args.fail_on}
    assert (workspace / ".clientsync" / "state.db").is_file()  # what the cache keeps
    text = summary.read_text(encoding="utf-8")
    if on_github:
        assert text.startswith("earlier step\n\n# Acme customer portal — status ")
        assert "\n## Gates\n\n- `red` ❌ tripped: milestone" in text
    else:
        assert text == "earlier step\n"


@pytest.mark.parametrize("template", sorted(RUNNERS))
def test_a_later_run_from_the_cached_store_judges_drift_against_the_baseline(
    template: str, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _restore_store_with_a_baseline(workspace, monkeypatch)
    steps = RUNNERS[template]()
    args = _report_args([s.script for s in steps])
    ran = _run(steps, workspace, {})

    assert ran.codes == [0, 1], ran.output
    assert "incremental sync" in ran.output  # continued from the cached cursor
    outcomes = _junit_outcomes(workspace / args.junit)
    # The example's Beta release slipped weeks past its agreed date and grew by a third,
    # and an unplanned Analytics add-on appeared: every gate in the template trips.
    assert set(outcomes.values()) == {"failure"}, outcomes
    assert "drift:slip-days=14: milestone" in ran.output
    assert "drift:scope-pct=25: milestone" in ran.output
