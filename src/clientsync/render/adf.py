"""A Report as a Jira Atlassian Document Format (ADF) document, for Jira comments.

Built from the report model, never by converting Markdown: tracker text only ever lands
in a text node's `text`, so Jira shows it as the literal words it is. ADF rejects empty
text nodes, so none is made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from clientsync.domain.report import Report
from clientsync.domain.risk import Risk

from . import sections
from .sections import ItemLine, ItemSection

Node = dict[str, Any]

_STRONG: Node = {"type": "strong"}
_EM: Node = {"type": "em"}


def render_adf(report: Report, *, next_update: date | None = None) -> Node:
    """The ADF document: `{"version": 1, "type": "doc", "content": [...]}`."""
    status = report.status
    content: list[Node] = [
        heading(2, sections.headline(report)),
        paragraph(text("Overall: "), text(sections.RAG_LABEL[status.overall.rag], _STRONG)),
    ]
    if status.overall.reasons:
        content.append(bullets([sections.flat(r)] for r in status.overall.reasons))
    covering = sections.covering(report)
    if covering:
        content.append(paragraph(text(covering, _EM)))
    content += [heading(3, "Milestones"), _milestones(report)]
    for section in sections.item_sections(report):
        content += _items(section)
    content += _risks(sections.visible_risks(report))
    content += _changes(report)
    decisions = sections.decision_lines(report)
    if decisions:
        content += [heading(3, "Decisions needed from you"), bullets([d] for d in decisions)]
    requests = sections.open_requests(report)
    if requests is not None:
        content += _items(requests)
    next_line = sections.next_update_line(next_update)
    if next_line:
        content += [heading(3, "Next update"), paragraph(text(next_line))]
    content += [{"type": "rule"}, paragraph(text(sections.footer(report), _EM))]
    return {"version": 1, "type": "doc", "content": content}


def render_adf_json(report: Report, *, next_update: date | None = None) -> str:
    document = render_adf(report, next_update=next_update)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def text(value: str, *marks: Node) -> list[Node]:
    """A text node, or none at all for empty text (ADF forbids empty text nodes)."""
    if not value:
        return []
    node: Node = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return [node]


def paragraph(*parts: list[Node]) -> Node:
    return {"type": "paragraph", "content": [node for part in parts for node in part]}


def heading(level: int, title: str) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": text(title or "—")}


def bullets(lines: Iterable[Sequence[str | Node]], *, ordered: bool = False) -> Node:
    """A list of one-paragraph items; each line is a string or a list of text nodes."""
    items = []
    for line in lines:
        nodes = [n for part in line for n in (text(part) if isinstance(part, str) else [part])]
        items.append({"type": "listItem", "content": [paragraph(nodes)]})
    return {"type": "orderedList" if ordered else "bulletList", "content": items}


def table(header: list[str], rows: list[list[list[Node]]]) -> Node:
    def row(cells: list[list[Node]], kind: str) -> Node:
        return {
            "type": "tableRow",
            "content": [{"type": kind, "content": [paragraph(c or text("—"))]} for c in cells],
        }

    return {
        "type": "table",
        "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
        "content": [
            row([text(h, _STRONG) for h in header], "tableHeader"),
            *(row(r, "tableCell") for r in rows),
        ],
    }


def _milestones(report: Report) -> Node:
    rows = sections.milestone_rows(report)
    if not rows:
        return paragraph(text("No milestones.", _EM))
    header = ["Milestone", "Due", "Status", "Done", "Forecast (P50 / P85)", "On time", "Why"]
    return table(
        header,
        [
            [
                text(r.name),
                text(r.due),
                text(sections.RAG_LABEL[r.rag], _STRONG),
                text(r.done),
                text(r.forecast),
                text(r.on_time),
                text(r.why),
            ]
            for r in rows
        ],
    )


def _items(section: ItemSection) -> list[Node]:
    return [heading(3, section.title), bullets(_item(line) for line in section.lines)]


def _item(line: ItemLine) -> list[Node]:
    if line.url:
        key = text(line.key, {"type": "link", "attrs": {"href": line.url}})
    else:
        key = text(line.key, _STRONG)
    return [*key, *text(f" {line.title}{line.detail}")]


def _risks(risks: tuple[Risk, ...]) -> list[Node]:
    if not risks:
        return [heading(3, "Risks"), paragraph(text("No risks raised.", _EM))]
    header = ["Severity", "Risk", "Milestone", "Trend", "What we do about it"]
    rows = [
        [
            text(risk.severity.value),
            [*text(sections.flat(risk.title), _STRONG), *text(f" — {sections.flat(risk.detail)}")],
            text(sections.flat(risk.milestone or "—")),
            text(risk.trend.value),
            text(sections.flat(risk.action)),
        ]
        for risk in risks
    ]
    return [heading(3, "Risks"), table(header, rows)]


def _changes(report: Report) -> list[Node]:
    against = sections.baseline_line(report)
    if against is None:
        return []
    content = [heading(3, "Changes to what we agreed"), paragraph(text(against, _EM))]
    if not report.drift.notices:
        content.append(paragraph(text(sections.NO_CHANGES)))
    for notice in report.drift.notices:
        content += [
            heading(4, sections.flat(notice.milestone_name)),
            paragraph(text(sections.sign_off(notice), _STRONG)),
        ]
        if notice.what:
            content.append(bullets([sections.flat(w)] for w in notice.what))
        content += [
            paragraph(text("Why: ", _STRONG), text(sections.flat(notice.why))),
            paragraph(text("Impact: ", _STRONG), text(sections.flat(notice.impact))),
        ]
        if notice.options:
            content += [
                paragraph(text("Options:", _STRONG)),
                bullets(([sections.flat(o.summary)] for o in notice.options), ordered=True),
            ]
    agreed = sections.agreed_lines(report)
    if agreed:
        content += [heading(4, sections.AGREED_CHANGES), bullets([line] for line in agreed)]
    return content
