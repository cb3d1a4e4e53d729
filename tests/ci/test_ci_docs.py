"""docs/running/ci.md cannot drift: it includes the templates by file, lists every gate, and
quotes gate reasons the bundled example really gives."""

from __future__ import annotations

import re
from pathlib import Path

from clientsync.domain.report import Report
from clientsync.gates import NAMED_GATES, THRESHOLD_GATES, evaluate, parse_gate

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "running" / "ci.md").read_text(encoding="utf-8")


def test_the_page_includes_each_template_by_file() -> None:
    included = re.findall(r'^--8<-- "([^"]+)"$', PAGE, re.MULTILINE)
    assert included == ["examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"]
    for path in included:
        assert (ROOT / path).is_file()
    assert "Planned" not in PAGE
    assert "(webhooks.md)" in PAGE


def test_the_gate_table_lists_every_gate() -> None:
    rows = re.findall(r"^\| `([a-z:-]+)(?:=N)?` \|", PAGE, re.MULTILINE)
    assert tuple(rows) == NAMED_GATES + THRESHOLD_GATES


def test_the_quoted_reasons_are_what_the_example_gives(example: Report) -> None:
    quoted = re.findall(r"^gate tripped: (.+)$", PAGE, re.MULTILINE)
    assert len(quoted) >= 2
    gates = [parse_gate(line.split(": ", 1)[0]) for line in quoted]
    assert [r.reason for r in evaluate(example, gates)] == quoted
    passing = re.search(r"`(drift:slip-days=60: the latest is [^`]*?) \.\.\.`", PAGE, re.DOTALL)
    assert passing is not None
    reading = parse_gate("drift:slip-days=60").evaluate(example).reason
    assert reading.startswith(" ".join(passing.group(1).split()))
