"""A Report as plain text: the e-mail body, and the text of an Asana status update."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from clientsync.domain.report import Report
from clientsync.domain.status import Rag

from . import sections
from .sections import ItemSection

ASANA_STATUS_TYPE = {Rag.GREEN: "on_track", Rag.AMBER: "at_risk", Rag.RED: "off_track"}
ASANA_TEXT_LIMIT = 10_000
"""Asana publishes no limit for a status update's text; long updates are cut well short
of what its web app shows comfortably, at a line break, saying what was left out."""
ASANA_TITLE_LIMIT = 200


class AsanaStatus(NamedTuple):
    status_type: str
    title: str
    text: str


def render_text(report: Report, *, next_update: date | None = None) -> str:
    """The report as a plain-text e-mail body, in the order a client reads it."""
    title = sections.headline(report)
    return "\n".join([title, "=" * len(title), "", *_body(report, next_update)])


def render_asana_status(report: Report, *, next_update: date | None = None) -> AsanaStatus:
    """(status_type, title, text) for an Asana project status update.

    The RAG maps to Asana's status types: green on_track, amber at_risk, red off_track.
    """
    rag = report.status.overall.rag
    title = f"{sections.headline(report)}: {sections.RAG_LABEL[rag]}"
    if len(title) > ASANA_TITLE_LIMIT:
        title = title[: ASANA_TITLE_LIMIT - 1] + "…"
    text = _limited("\n".join(_body(report, next_update, compact=True)), ASANA_TEXT_LIMIT)
    return AsanaStatus(status_type=ASANA_STATUS_TYPE[rag], title=title, text=text)


def _body(report: Report, next_update: date | None, *, compact: bool = False) -> list[str]:
    """`compact` (Asana): no item links, one line a risk; the tracker is a click away."""
    status = report.status
    lines = [f"Overall: {sections.RAG_LABEL[status.overall.rag]}"]
    lines += [f"- {sections.flat(reason)}" for reason in status.overall.reasons]
    covering = sections.covering(report)
    if covering:
        lines += ["", covering]
    lines += _heading("Milestones")
    rows = sections.milestone_rows(report)
    if not rows:
        lines.append("No milestones.")
    for row in rows:
        lines.append(
            f"- {row.name}: {sections.RAG_LABEL[row.rag]}; due {row.due}; {row.done} done; "
            f"forecast (P50 / P85) {row.forecast}; on time {row.on_time}"
        )
        if row.why:
            lines.append(f"  Why: {row.why}")
    for section in sections.item_sections(report):
        lines += _items(section, links=not compact)
    lines += _risks(report, compact=compact)
    lines += _changes(report)
    decisions = sections.decision_lines(report)
    if decisions:
        lines += _heading("Decisions needed from you")
        lines += [f"- {d}" for d in decisions]
    requests = sections.open_requests(report)
    if requests is not None:
        lines += _items(requests, links=not compact)
    next_line = sections.next_update_line(next_update)
    if next_line:
        lines += _heading("Next update")
        lines.append(next_line)
    lines += ["", "--", sections.footer(report), ""]
    return lines


def _heading(title: str) -> list[str]:
    return ["", title, "-" * len(title)]


def _items(section: ItemSection, *, links: bool) -> list[str]:
    lines = _heading(section.title)
    for line in section.lines:
        link = f" <{line.url}>" if line.url and links else ""
        lines.append(f"- {line.key} {line.title}{line.detail}{link}")
    return lines


def _risks(report: Report, *, compact: bool) -> list[str]:
    lines = _heading("Risks")
    risks = sections.visible_risks(report)
    if not risks:
        return [*lines, "No risks raised."]
    for risk in risks:
        if compact:
            action = sections.flat(risk.action)
            lines.append(f"- [{risk.severity.value}] {sections.flat(risk.title)}: {action}")
            continue
        where = f"; milestone {sections.flat(risk.milestone)}" if risk.milestone else ""
        lines += [
            f"- [{risk.severity.value}] {sections.risk_summary(risk)}",
            f"  Trend: {risk.trend.value}{where}",
            f"  What we do about it: {sections.flat(risk.action)}",
        ]
    return lines


def _changes(report: Report) -> list[str]:
    against = sections.baseline_line(report)
    if against is None:
        return []
    lines = [*_heading("Changes to what we agreed"), against]
    if not report.drift.notices:
        lines += ["", sections.NO_CHANGES]
    for notice in report.drift.notices:
        lines += ["", f"{sections.flat(notice.milestone_name)} ({sections.sign_off(notice)})"]
        lines += [f"- {sections.flat(what)}" for what in notice.what]
        lines += [f"Why: {sections.flat(notice.why)}", f"Impact: {sections.flat(notice.impact)}"]
        if notice.options:
            lines.append("Options:")
            lines += [
                f"  {n}. {sections.flat(option.summary)}"
                for n, option in enumerate(notice.options, 1)
            ]
    agreed = sections.agreed_lines(report)
    if agreed:
        lines += ["", f"{sections.AGREED_CHANGES}:", *(f"- {line}" for line in agreed)]
    return lines


def _limited(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    size = 0
    for line in lines:
        # Room is kept for the closing note, whatever it says.
        if size + len(line) + 1 > limit - 80:
            break
        kept.append(line)
        size += len(line) + 1
    left_out = len(lines) - len(kept)
    return "\n".join([*kept, f"… {left_out} more lines left out; see the full report."])
