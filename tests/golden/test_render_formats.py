"""Golden files: every format of the demo's client report on the bundled Acme example.

Regenerate after an intended change with
`CLIENTSYNC_UPDATE_GOLDEN=1 python -m pytest tests/golden/test_render_formats.py` and review
the diff (the HTML golden file is best reviewed by opening it in a browser).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from clientsync.demo import DemoResult, run_demo
from clientsync.domain.report import Report
from clientsync.render import render_adf_json, render_asana_status, render_html, render_text
from clientsync.services import example_dir

EXPECTED = Path(__file__).parent / "expected"
UPDATE = os.environ.get("CLIENTSYNC_UPDATE_GOLDEN") == "1"


def next_update(report: Report) -> date:
    return report.status.as_of + timedelta(days=7)


def _asana(report: Report) -> str:
    status_type, title, text = render_asana_status(report, next_update=next_update(report))
    return f"status_type: {status_type}\ntitle: {title}\n\n{text}"


FORMATS: dict[str, Callable[[Report], str]] = {
    "client-report.html": lambda r: render_html(r, next_update=next_update(r)),
    "client-report.adf.json": lambda r: render_adf_json(r, next_update=next_update(r)),
    "client-report.txt": lambda r: render_text(r, next_update=next_update(r)),
    "client-report.asana.txt": _asana,
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(example_dir(), out, progress=lambda _: None)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_format_matches_golden_file(demo: DemoResult, name: str) -> None:
    produced = FORMATS[name](demo.reports["client"])
    golden = EXPECTED / name
    if UPDATE:
        golden.write_text(produced, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with CLIENTSYNC_UPDATE_GOLDEN=1"
    assert produced == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_two_renders_are_byte_identical(demo: DemoResult, name: str) -> None:
    report = demo.reports["client"]
    assert FORMATS[name](report).encode() == FORMATS[name](report).encode()


def test_the_demo_writes_the_html_report(demo: DemoResult) -> None:
    written = next(p for p in demo.files if p.name == "client-report.html")
    assert written.read_text(encoding="utf-8") == render_html(demo.reports["client"])


def test_the_example_report_has_all_three_charts_and_every_section(demo: DemoResult) -> None:
    html = (EXPECTED / "client-report.html").read_text(encoding="utf-8")
    for chart in ("timeline", "burnup", "scope"):
        assert f'<figure class="chart" id="chart-{chart}">' in html
    assert html.count("<svg ") == 3
    for section in ("Milestones", "Risks", "Changes to what we agreed", "Next update"):
        assert f"<h2>{section}</h2>" in html
    assert html.count("Awaiting your sign-off") == len(demo.reports["client"].drift.notices)


def test_the_example_adf_is_a_jira_document() -> None:
    document = json.loads((EXPECTED / "client-report.adf.json").read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert document["type"] == "doc"


def test_the_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not on PATH: the browser test runs where .ci/run installs it")
    out = Path(__file__).parents[2] / ".ci" / "out"  # the CI artifact folder
    out.mkdir(parents=True, exist_ok=True)
    page = tmp_path / "client-report.html"
    shutil.copy(EXPECTED / "client-report.html", page)
    shot = out / "client-report.png"
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,3000",
            f"--screenshot={shot.resolve()}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert shot.exists() and shot.stat().st_size > 10_000
    console_errors = [
        line for line in result.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line
    ]
    assert not console_errors, console_errors
