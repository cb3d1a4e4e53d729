"""JUnit XML for CI dashboards and the Markdown job summary for GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.ci_output import (
    SUITE_NAME,
    append_step_summary,
    junit_xml,
    step_summary,
    write_junit,
)
from clientsync.domain.report import Report
from clientsync.domain.status import Rag
from clientsync.errors import ConfigError
from clientsync.gates import evaluate, parse_gate
from clientsync.render.markdown import render_markdown

from .builders import report, status

GATES = ("red", "amber", "risk:critical", "drift:slip-days=14")


def _red_report(reason: str = "P85 2026-12-18 is after the due date 2026-12-15") -> Report:
    return report((status("beta", Rag.RED, reasons=(reason,)),))


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == SUITE_NAME
    return {case.get("name", ""): case for case in suite.findall("testcase")}


def test_junit_has_one_case_per_gate_with_the_failure_reason() -> None:
    built = _red_report()
    results = evaluate(built, [parse_gate(g) for g in GATES])
    xml = junit_xml(built, results)
    assert xml.startswith("<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite is not None
    for element in (root, suite):
        assert element.get("tests") == "4"
        assert element.get("failures") == "2"
        assert element.get("skipped") == "1"
        assert element.get("errors") == "0"
    assert suite.get("timestamp") == built.as_of.isoformat()
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["project_id"] == "acme" and properties["overall"] == "red"

    cases = _cases(xml)
    assert list(cases) == list(GATES)
    red = cases["red"].find("failure")
    assert red is not None
    expected = "red: milestone 'Beta' is red: P85 2026-12-18 is after the due date 2026-12-15"
    assert red.get("message") == expected and red.text == expected
    assert cases["amber"].find("failure") is not None
    passed = cases["risk:critical"]
    assert passed.find("failure") is None and passed.find("skipped") is None
    assert passed.findtext("system-out") == "risk:critical: no risk is critical or worse"
    skipped = cases["drift:slip-days=14"].find("skipped")
    assert skipped is not None and "no baseline" in skipped.get("message", "")


def test_junit_without_gates_is_an_empty_suite() -> None:
    xml = junit_xml(_red_report(), ())
    assert _cases(xml) == {}
    assert ET.fromstring(xml).get("tests") == "0"


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_junit_escapes_whatever_text_the_tracker_holds(text: str) -> None:
    built = report((status("beta", Rag.RED, reasons=(text,)),), name=text)
    result = parse_gate("red").evaluate(built)
    cases = _cases(junit_xml(built, [result]))
    failure = cases["red"].find("failure")
    assert failure is not None
    allowed = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", result.reason)
    assert failure.get("message") == allowed


def test_markup_in_a_reason_is_escaped_not_interpreted() -> None:
    reason = 'ACME-1 "<b>&</b>" is blocked'
    xml = junit_xml(_red_report(reason), [parse_gate("red").evaluate(_red_report(reason))])
    assert "<b>" not in xml and "&lt;b&gt;&amp;&lt;/b&gt;" in xml
    assert _cases(xml)["red"].findtext("failure", "").endswith(reason)


def test_write_junit_creates_its_folder_and_says_what_it_cannot_write(tmp_path: Path) -> None:
    built = _red_report()
    results = evaluate(built, [parse_gate("red")])
    target = tmp_path / "reports" / "gates.xml"
    write_junit(target, built, results)
    assert _cases(target.read_text(encoding="utf-8"))["red"].find("failure") is not None
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot write"):
        write_junit(blocker / "gates.xml", built, results)


def test_step_summary_is_the_markdown_report_then_a_line_per_gate() -> None:
    built = _red_report("ACME-3 `waits` on *legal*")
    results = evaluate(built, [parse_gate(g) for g in GATES])
    text = step_summary(built, results)
    assert text.startswith(render_markdown(built).rstrip("\n") + "\n\n## Gates\n\n")
    gate_lines = text.split("## Gates\n\n", 1)[1].splitlines()
    assert gate_lines == [
        "- `red` ❌ tripped: milestone 'Beta' is red: ACME-3 \\`waits\\` on \\*legal\\*",
        "- `amber` ❌ tripped: milestone 'Beta' is red: ACME-3 \\`waits\\` on \\*legal\\*",
        "- `risk:critical` ✅ passed: no risk is critical or worse",
        "- `drift:slip-days=14` ⏭️ skipped: no baseline to measure drift against; "
        "capture one with \\`clientsync baseline capture\\`",
    ]


def test_step_summary_without_gates_is_the_report() -> None:
    built = _red_report()
    assert step_summary(built, ()) == render_markdown(built).rstrip("\n") + "\n"


def test_the_summary_is_appended_never_overwritten(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("## Tests\n\nall green\n", encoding="utf-8")
    built = _red_report()
    results = evaluate(built, [parse_gate("red")])
    append_step_summary(summary, built, results)
    append_step_summary(summary, built, results)
    text = summary.read_text(encoding="utf-8")
    once = step_summary(built, results)
    assert text == "## Tests\n\nall green\n" + "\n" + once + "\n" + once


def test_a_new_summary_file_starts_with_the_report(tmp_path: Path) -> None:
    summary = tmp_path / "new" / "summary.md"
    built = _red_report()
    append_step_summary(summary, built, ())
    assert summary.read_text(encoding="utf-8") == step_summary(built, ())
