"""Golden files: every format of the demo's client report on the bundled Acme example, and
of the same report after the client signed off one change notice.

Regenerate after an intended change with
`CLIENTSYNC_UPDATE_GOLDEN=1 python -m pytest tests/golden/test_render_formats.py` and review
the diff (the HTML golden file is best reviewed by opening it in a browser).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from clientsync.config import load_config
from clientsync.demo import DemoResult, run_demo
from clientsync.domain.report import Report
from clientsync.domain.visibility import DetailLevel
from clientsync.render import (
    render_adf_json,
    render_asana_status,
    render_html,
    render_markdown,
    render_text,
)
from clientsync.services import ReportRequest, accept_change_notice, example_dir, make_report
from clientsync.store import Store

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


# The sign-off section on its own: the charts are covered by the files above.
ACCEPTED_FORMATS: dict[str, Callable[[Report], str]] = {
    "accepted-client-report.md": lambda r: render_markdown(r, next_update=next_update(r)),
    "accepted-client-report.html": lambda r: render_html(
        r, next_update=next_update(r), charts=False
    ),
    "accepted-client-report.adf.json": FORMATS["client-report.adf.json"],
    "accepted-client-report.txt": FORMATS["client-report.txt"],
    "accepted-client-report.asana.txt": _asana,
    "accepted-client-report.json": lambda r: r.to_json(),
}


_CHART = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def comparable(name: str, text: str) -> str:
    """The text as the golden comparison reads it. Chart SVGs are matplotlib's bytes, which
    change between its releases: each becomes one marker here (so a fresh install cannot turn
    CI red), while the chart tests and the browser test check the charts themselves."""
    return _CHART.sub("<svg><!-- chart --></svg>", text) if name.endswith(".html") else text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(example_dir(), out, progress=lambda _: None)


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The demo's client report after the client signed off the Beta release notice."""
    out = tmp_path_factory.mktemp("accepted")
    as_of = run_demo(example_dir(), out, progress=lambda _: None).reports["client"].as_of
    config = load_config(example_dir() / "clientsync.toml", env={})
    store_path = str((out / "state.db").resolve())
    config = config.model_copy(
        update={"store": config.store.model_copy(update={"path": store_path})}
    )
    with Store.open(out / "state.db") as store:
        accept_change_notice(
            config,
            store,
            notice_id="beta",
            agreed_by="Jordan Lee (Acme, product owner)",
            now=as_of,
            note="Agreed in the weekly call",
        )
        request = ReportRequest(as_of=as_of, level=DetailLevel.CLIENT)
        return make_report(config, store, request, save=False)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_format_matches_golden_file(demo: DemoResult, name: str) -> None:
    produced = FORMATS[name](demo.reports["client"])
    golden = EXPECTED / name
    if UPDATE:
        golden.write_text(produced, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with CLIENTSYNC_UPDATE_GOLDEN=1"
    assert comparable(name, produced) == comparable(name, golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(ACCEPTED_FORMATS))
def test_accepted_format_matches_golden_file(accepted: Report, name: str) -> None:
    produced = ACCEPTED_FORMATS[name](accepted)
    golden = EXPECTED / name
    if UPDATE:
        golden.write_text(produced, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run with CLIENTSYNC_UPDATE_GOLDEN=1"
    assert comparable(name, produced) == comparable(name, golden.read_text(encoding="utf-8"))


def test_the_accepted_report_shows_the_sign_off_and_what_still_awaits_it(
    demo: DemoResult, accepted: Report
) -> None:
    drift = accepted.drift
    # Signing off Beta release agrees nothing else: every other notice still awaits sign-off,
    # saying what it said before.
    others = [n for n in demo.reports["client"].drift.notices if n.id != "beta"]
    assert [n.id for n in others] == ["handover", "analytics", "unplanned", "budget"]
    assert [n.id for n in drift.notices] == [n.id for n in others]
    assert [n.id for n in drift.awaiting_sign_off] == [n.id for n in others]
    assert [n.what for n in drift.notices[:3]] == [n.what for n in others[:3]]
    (ack,) = drift.acknowledgements
    assert (ack.notice_id, ack.acknowledged_by) == ("beta", "Jordan Lee (Acme, product owner)")
    markdown = (EXPECTED / "accepted-client-report.md").read_text(encoding="utf-8")
    for notice in drift.notices:
        assert f"### {notice.milestone_name} — awaiting your sign-off" in markdown
    assert "### Beta release" not in markdown
    assert "### Changes you have agreed" in markdown
    assert ack.summary in markdown


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_two_renders_are_byte_identical(demo: DemoResult, name: str) -> None:
    report = demo.reports["client"]
    assert FORMATS[name](report).encode() == FORMATS[name](report).encode()


def test_charts_are_compared_as_markers_only() -> None:
    html = '<p>a</p><svg width="1">\n<path d="M 0 0"/></svg><p>b</p>'
    assert comparable("x.html", html) == "<p>a</p><svg><!-- chart --></svg><p>b</p>"
    assert comparable("x.txt", html) == html


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
