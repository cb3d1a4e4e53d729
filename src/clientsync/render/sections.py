"""What every renderer says, in the order a client reads it; each format only lays it out.

The wording follows the Markdown report, so a reader sees the same words in the e-mail,
the HTML page, the Jira comment and the Asana status update.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from clientsync.domain.drift import ChangeAcknowledgement, ChangeNotice
from clientsync.domain.report import Report
from clientsync.domain.risk import Risk
from clientsync.domain.status import MilestoneStatus, Rag
from clientsync.domain.status_sections import ItemSummary
from clientsync.domain.visibility import DetailLevel

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
RAG_LABEL = {Rag.GREEN: "Green", Rag.AMBER: "Amber", Rag.RED: "Red"}
AWAITING_SIGN_OFF = "Awaiting your sign-off"
"""A notice awaits sign-off until it is accepted, which makes it the new baseline."""
AGREED_CHANGES = "Changes you have agreed"
"""The heading over the record of sign-offs the baseline carries."""
NO_CHANGES = "No changes since the baseline."


@dataclass(frozen=True)
class ItemLine:
    key: str
    title: str
    url: str | None
    """Only an http(s) link to the tracker item; anything else is dropped."""
    detail: str
    """What follows the title: when it was done, why it is blocked, and so on."""


@dataclass(frozen=True)
class ItemSection:
    title: str
    lines: tuple[ItemLine, ...]


@dataclass(frozen=True)
class MilestoneRow:
    name: str
    due: str
    rag: Rag
    done: str
    forecast: str
    on_time: str
    why: str


def flat(text: object) -> str:
    """Tracker text on one line: whitespace runs become one space, control characters go."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


def detailed(report: Report) -> bool:
    """The executive level reads the headline, milestones, big risks, changes, decisions."""
    return report.level is not DetailLevel.EXECUTIVE


def visible_risks(report: Report) -> tuple[Risk, ...]:
    if detailed(report):
        return report.risks
    return tuple(r for r in report.risks if r.severity.rank >= 2)


def headline(report: Report) -> str:
    return f"{flat(report.project.name)} — status {report.status.as_of.isoformat()}"


def covering(report: Report) -> str | None:
    status = report.status
    if status.since is None:
        return None
    return f"Covering {status.since.isoformat()} to {status.as_of.isoformat()}."


def milestone_rows(report: Report) -> tuple[MilestoneRow, ...]:
    return tuple(_milestone_row(m) for m in report.status.milestones)


def _milestone_row(m: MilestoneStatus) -> MilestoneRow:
    forecast = "—"
    chance = "—"
    if m.completed:
        forecast = "completed"
    elif m.forecast is not None and m.forecast.p50 is not None:
        forecast = f"{fmt_date(m.forecast.p50)} / {fmt_date(m.forecast.p85)}"
    on_time = m.forecast.probability_on_time if m.forecast is not None else None
    if on_time is not None and not m.completed:
        chance = f"{on_time:.0%}"
    return MilestoneRow(
        name=flat(m.name),
        due=fmt_date(m.due),
        rag=m.rag,
        done=f"{m.done}/{m.total}",
        forecast=forecast,
        on_time=chance,
        why="; ".join(flat(r) for r in m.reasons),
    )


def item_sections(report: Report) -> tuple[ItemSection, ...]:
    """Done, in progress, blocked, overdue, coming up: empty sections left out."""
    if not detailed(report):
        return ()
    status = report.status
    sections = (
        _section("Done since the last report", status.done_since_last, _done),
        _section("In progress", status.in_progress, lambda _: ""),
        _section("Blocked", status.blocked, _blocked),
        _section("Overdue", status.overdue, _overdue),
        _section("Coming up", status.coming_up, _due),
    )
    return tuple(s for s in sections if s.lines)


def open_requests(report: Report) -> ItemSection | None:
    if not detailed(report) or not report.status.client_requests:
        return None
    return _section("Open requests", report.status.client_requests, _request)


def decision_lines(report: Report) -> tuple[str, ...]:
    return tuple(flat(d.title) + since(d.since) for d in report.status.decisions_needed)


def baseline_line(report: Report) -> str | None:
    drift = report.drift
    if drift.baseline_id is None:
        return None
    agreed = f", agreed by {flat(drift.agreed_by)}" if drift.agreed_by else ""
    when = f" on {drift.agreed_at.date().isoformat()}" if drift.agreed_at else ""
    return f"Against baseline {flat(drift.baseline_name or drift.baseline_id)}{agreed}{when}."


def sign_off(notice: ChangeNotice) -> str:
    """`Awaiting your sign-off`, or who agreed it and when (a change that still shows)."""
    if notice.acknowledged_by is None:
        return AWAITING_SIGN_OFF
    return "Agreed" + _agreed(notice.acknowledged_by, notice.acknowledged_at)


def agreed_lines(report: Report) -> tuple[str, ...]:
    """The client's sign-offs, oldest first: what was agreed, by whom, when, and any note."""
    return tuple(_agreed_line(ack) for ack in report.drift.acknowledgements)


def _agreed_line(ack: ChangeAcknowledgement) -> str:
    note = f" ({flat(ack.note)})" if ack.note and flat(ack.note) else ""
    return f"{flat(ack.summary)} — agreed{_agreed(ack.acknowledged_by, ack.acknowledged_at)}{note}"


def _agreed(by: str, at: datetime | None) -> str:
    when = f" on {at.date().isoformat()}" if at is not None else ""
    return f" by {flat(by)}{when}"


def next_update_line(next_update: date | None) -> str | None:
    if next_update is None:
        return None
    return f"The next update is due on {next_update.isoformat()}."


def footer(report: Report) -> str:
    return (
        f"Generated by clientsync from {flat(report.project.tracker)} data taken "
        f"{report.snapshot_taken_at.strftime('%Y-%m-%d %H:%M')} UTC; forecast of "
        f"{report.forecast.trials:,} trials over the last {report.forecast.window_days} days' "
        f"throughput."
    )


def risk_summary(risk: Risk) -> str:
    return f"{flat(risk.title)} — {flat(risk.detail)}"


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link; scripts, data: and odd characters are not."""
    if url is None or not url.startswith(("https://", "http://")):
        return None
    if any(c in url for c in " ()<>\"'`\\") or any(ord(c) < 32 for c in url):
        return None
    return url


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def since(value: date | None) -> str:
    return f" (since {value.isoformat()})" if value is not None else ""


def _section(
    title: str, items: tuple[ItemSummary, ...], detail: Callable[[ItemSummary], str]
) -> ItemSection:
    return ItemSection(
        title=title,
        lines=tuple(
            ItemLine(flat(i.key), flat(i.title), safe_url(i.url), detail(i)) for i in items
        ),
    )


def _done(item: ItemSummary) -> str:
    return f" (done {item.completed_at.date().isoformat()})" if item.completed_at else ""


def _blocked(item: ItemSummary) -> str:
    why = f": {flat(item.note)}" if item.note else ""
    age = f" — blocked {item.age_days} days" if item.age_days is not None else ""
    return f"{why}{age}"


def _overdue(item: ItemSummary) -> str:
    return f" — due {fmt_date(item.due)}, {item.age_days} days overdue"


def _due(item: ItemSummary) -> str:
    return f" — due {fmt_date(item.due)}"


def _request(item: ItemSummary) -> str:
    return f" — open {item.age_days} days ({flat(item.status or item.state.value)})"
