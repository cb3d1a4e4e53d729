"""The bodies of a report e-mail: subject, plain text and HTML (sending is the channel's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clientsync.domain.report import Report

from . import sections
from .html import render_html
from .text import render_text


@dataclass(frozen=True)
class EmailBody:
    subject: str
    text: str
    html: str


def render_email(
    report: Report, *, next_update: date | None = None, charts: bool = True
) -> EmailBody:
    """Subject and both alternatives of a multipart/alternative report e-mail.

    The subject is a header line: tracker text in it is flattened to one line.
    """
    rag = sections.RAG_LABEL[report.status.overall.rag]
    return EmailBody(
        subject=f"{sections.headline(report)}: {rag}",
        text=render_text(report, next_update=next_update),
        html=render_html(report, next_update=next_update, charts=charts),
    )
