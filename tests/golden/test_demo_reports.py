"""Golden files: the demo's reports on the bundled Acme example, byte for byte.

The example is built to exercise every risk rule and every drift kind; the tests below
check that it still does, so the golden files keep covering the whole report.
Regenerate after an intended change with `CLIENTSYNC_UPDATE_GOLDEN=1 python -m pytest tests/golden`
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from clientsync.demo import DemoResult, run_demo
from clientsync.domain.drift import DriftKind
from clientsync.domain.risk import RiskRule
from clientsync.services import example_dir

EXPECTED = Path(__file__).parent / "expected"
UPDATE = os.environ.get("CLIENTSYNC_UPDATE_GOLDEN") == "1"
REPORTS = ("client-report.md", "client-report.json", "internal-report.md", "internal-report.json")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(example_dir(), out, progress=lambda _: None)


@pytest.mark.parametrize("name", REPORTS)
def test_report_matches_golden_file(demo: DemoResult, name: str) -> None:
    produced = next(p for p in demo.files if p.name == name).read_text(encoding="utf-8")
    golden = EXPECTED / name
    if UPDATE:
        golden.write_text(produced, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with CLIENTSYNC_UPDATE_GOLDEN=1"
    assert produced == golden.read_text(encoding="utf-8")


def test_the_demo_is_repeatable(demo: DemoResult, tmp_path: Path) -> None:
    again = run_demo(example_dir(), tmp_path, progress=lambda _: None)
    for first, second in zip(demo.files, again.files, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_example_exercises_every_risk_rule(demo: DemoResult) -> None:
    raised = {risk.rule for risk in demo.reports["internal"].risks}
    assert raised == set(RiskRule)


def test_example_exercises_every_drift_kind(demo: DemoResult) -> None:
    kinds = {event.kind for event in demo.reports["internal"].drift.events}
    assert kinds == set(DriftKind)


def test_client_report_holds_nothing_internal(demo: DemoResult) -> None:
    client = "".join(
        p.read_text(encoding="utf-8") for p in demo.files if p.name.startswith("client-")
    )
    internal = "".join(
        p.read_text(encoding="utf-8") for p in demo.files if p.name.startswith("internal-")
    )
    # The internal report shows the internal items, so their absence below means something.
    assert "Margin review" in internal
    for secret in ("Margin review", "Refactor CI", "ACME-40", "ACME-41", "NW-OPS-7"):
        assert secret not in client
    for person in ("Priya Shah", "Tom Okafor", "Sam Rivera", "Dana Whitfield"):
        assert person not in client


def test_client_json_is_valid_against_the_published_schema(demo: DemoResult) -> None:
    from clientsync.domain.report import Report

    data = json.loads(next(p for p in demo.files if p.name == "client-report.json").read_text())
    assert Report.model_validate(data) == demo.reports["client"]
    assert data["status"]["overall"]["rag"] in {"green", "amber", "red"}
    assert {"id", "name", "due", "rag", "reasons", "forecast", "done", "total"} <= set(
        data["status"]["milestones"][0]
    )
