"""What CI dashboards read: gate results as JUnit XML, the report as a job summary.

JUnit: one `testsuite` named clientsync, one `testcase` per requested gate; a tripped gate
has a `failure` with its reason, a gate that could not be judged (a drift gate without a
baseline) is `skipped`. GitHub Actions and GitLab both show this format.

The job summary is the Markdown report plus one line per gate, appended to the file
GitHub Actions names in `GITHUB_STEP_SUMMARY` (earlier steps may have written there too).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from .domain.report import Report
from .errors import ConfigError
from .gates import GateResult, Outcome
from .render.markdown import md, render_markdown

SUITE_NAME = "clientsync"

# XML 1.0 cannot carry most control characters, even escaped; tracker text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_MARK = {Outcome.PASSED: "✅ passed", Outcome.TRIPPED: "❌ tripped", Outcome.SKIPPED: "⏭️ skipped"}


def junit_xml(report: Report, results: Sequence[GateResult]) -> str:
    """The gate results as a JUnit XML document (a `testsuites` root holding one suite)."""
    failures = sum(1 for r in results if r.outcome is Outcome.TRIPPED)
    skipped = sum(1 for r in results if r.outcome is Outcome.SKIPPED)
    counts = {
        "tests": str(len(results)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
        "time": "0",
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": SUITE_NAME, **counts, "timestamp": report.as_of.isoformat()},
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("project", report.project.name),
        ("project_id", report.project.id),
        ("as_of", report.as_of.isoformat()),
        ("level", report.level.value),
        ("overall", report.status.overall.rag.value),
        ("baseline", report.drift.baseline_id or ""),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": _xml_text(value)})
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": f"{SUITE_NAME}.gates", "name": str(result.gate), "time": "0"},
        )
        reason = _xml_text(result.reason)
        if result.outcome is Outcome.TRIPPED:
            failure = ET.SubElement(case, "failure", {"message": reason, "type": "gate tripped"})
            failure.text = reason
        elif result.outcome is Outcome.SKIPPED:
            ET.SubElement(case, "skipped", {"message": reason})
        else:
            ET.SubElement(case, "system-out").text = reason
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, report: Report, results: Sequence[GateResult]) -> None:
    _write(path, junit_xml(report, results), mode="w")


def step_summary(report: Report, results: Sequence[GateResult]) -> str:
    """The Markdown report, then a Gates section with one line per gate."""
    text = render_markdown(report).rstrip("\n") + "\n"
    if results:
        text += "\n## Gates\n\n"
        text += "".join(f"- `{r.gate}` {_MARK[r.outcome]}: {md(r.detail)}\n" for r in results)
    return text


def append_step_summary(path: Path, report: Report, results: Sequence[GateResult]) -> None:
    """Append (never overwrite): other steps of the job write to the same file."""
    separator = "\n" if path.exists() and path.stat().st_size else ""
    _write(path, separator + step_summary(report, results), mode="a")


def _write(path: Path, text: str, *, mode: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open(mode, encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror or error}") from None


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
