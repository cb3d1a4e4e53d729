"""A Report as one self-contained HTML page: inline CSS and SVG, no external requests.

Jinja2 autoescapes everything; the only markup let through unescaped is the charts' SVG,
which matplotlib writes (and escapes tracker text in) itself.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from clientsync.domain.report import Report

from . import sections
from .charts import CHARTS_UNAVAILABLE, Chart, render_charts


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("clientsync.render", "templates"),
        autoescape=True,  # every template, whatever its name: tracker text is never markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(report: Report, *, next_update: date | None = None, charts: bool = True) -> str:
    """The report as a page a client can open, forward and print.

    `charts=False` leaves the charts section out (for e-mail clients that drop SVG).
    """
    drawn: tuple[Chart, ...] | None = ()
    if charts:
        drawn = render_charts(report)
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        status=report.status,
        title=sections.headline(report),
        rag_label=sections.RAG_LABEL,
        covering=sections.covering(report),
        milestones=sections.milestone_rows(report),
        charts=[(c, Markup(c.svg)) for c in drawn] if drawn else [],  # matplotlib-written SVG
        charts_unavailable=CHARTS_UNAVAILABLE if drawn is None else None,
        item_sections=sections.item_sections(report),
        risks=sections.visible_risks(report),
        baseline_line=sections.baseline_line(report),
        notices=report.drift.notices,
        sign_off=sections.sign_off,
        no_changes=sections.NO_CHANGES,
        agreed_heading=sections.AGREED_CHANGES,
        agreed=sections.agreed_lines(report),
        decisions=sections.decision_lines(report),
        open_requests=sections.open_requests(report),
        next_update=sections.next_update_line(next_update),
        footer=sections.footer(report),
        flat=sections.flat,
    )
