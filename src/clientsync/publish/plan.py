"""The communication plan's rules, pure: when each audience is due, what it gets, and when
to escalate. No clock and no store here: `today` and the audience's history come in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from clientsync.config.audience import AudienceConfig, Cadence, EscalationConfig, Section
from clientsync.domain.drift_models import ChangeNotice, DriftView
from clientsync.domain.model import Snapshot
from clientsync.domain.report import Report
from clientsync.domain.status import Rag
from clientsync.domain.visibility import DetailLevel, VisibilityPolicy, hidden_item_keys

# Biweekly periods count from a fixed Monday, so every run agrees on which weeks are "on".
BIWEEKLY_ANCHOR = date(2024, 1, 1)
PAUSE_AFTER_FAILURES = 5


@dataclass(frozen=True)
class Period:
    """One cadence period: sent at most once. `due` is its send day, `next_due` the next's."""

    key: str
    due: date
    next_due: date | None


def current_period(
    audience: AudienceConfig,
    today: date,
    report: Report | None = None,
    previous: Report | None = None,
) -> Period | None:
    """The period `today` falls in, or None for an on-change audience with nothing new.

    A calendar period starts on its send day, so a run after a missed send day still
    sends (once) for the period it missed.
    """
    if audience.cadence is Cadence.ON_CHANGE:
        if report is None or not changed_since(report, previous):
            return None
        return Period(f"change-{today.isoformat()}-{change_signature(report)}", today, None)
    if audience.cadence is Cadence.MONTHLY:
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Period(f"monthly-{start:%Y-%m}", start, following)
    assert audience.weekday is not None  # config guarantees it for weekly and biweekly
    due = today - timedelta(days=(today.weekday() - audience.weekday.number) % 7)
    if audience.cadence is Cadence.WEEKLY:
        return Period(f"weekly-{due.isoformat()}", due, due + timedelta(days=7))
    first = BIWEEKLY_ANCHOR + timedelta(days=(audience.weekday.number - 0) % 7)
    due -= timedelta(days=((due - first).days // 7 % 2) * 7)
    return Period(f"biweekly-{due.isoformat()}", due, due + timedelta(days=14))


def notice_id(notice: ChangeNotice) -> str:
    """A change notice's stable name (see `ChangeNotice.id`)."""
    return notice.id


def change_signature(report: Report) -> str:
    """What an on-change audience reacts to: the overall RAG and the set of notices."""
    ids = sorted(notice_id(n) for n in report.drift.notices)
    text = "|".join([report.status.overall.rag.value, *ids])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def changed_since(report: Report, previous: Report | None) -> bool:
    """A new change notice, or a different overall RAG, since the audience's last report."""
    if previous is None:
        return True
    if report.status.overall.rag is not previous.status.overall.rag:
        return True
    before = {notice_id(n) for n in previous.drift.notices}
    return any(notice_id(n) not in before for n in report.drift.notices)


def select_sections(report: Report, sections: Sequence[Section]) -> Report:
    """The report with the sections the audience does not receive emptied (the data, not
    the text: every renderer then leaves them out)."""
    keep = set(sections)
    status_fields = {
        Section.MILESTONES: "milestones",
        Section.DONE: "done_since_last",
        Section.IN_PROGRESS: "in_progress",
        Section.BLOCKED: "blocked",
        Section.OVERDUE: "overdue",
        Section.COMING_UP: "coming_up",
        Section.REQUESTS: "client_requests",
        Section.DECISIONS: "decisions_needed",
    }
    cleared = {name: () for section, name in status_fields.items() if section not in keep}
    update: dict[str, object] = {}
    if cleared:
        update["status"] = report.status.model_copy(update=cleared)
    if Section.RISKS not in keep:
        update["risks"] = ()
    if Section.CHANGES not in keep:
        update["drift"] = DriftView(
            baseline_id=report.drift.baseline_id,
            baseline_name=report.drift.baseline_name,
            agreed_by=report.drift.agreed_by,
            agreed_at=report.drift.agreed_at,
        )
    elif Section.MILESTONES not in keep:
        update["drift"] = report.drift.model_copy(update={"milestones": ()})
    return report.model_copy(update=update) if update else report


def escalates(rule: EscalationConfig, current: Rag, previous: Sequence[Rag]) -> bool:
    """`rule.rag` or worse in this report and the `rule.reports - 1` sent before it.

    `previous` is newest first.
    """
    wanted = rule.reports - 1
    run = [current, *previous[:wanted]]
    return len(run) == rule.reports and all(rag.rank >= rule.rag.rank for rag in run)


def escalation_note(report: Report, rule: EscalationConfig) -> str:
    rag = report.status.overall.rag.value
    reasons = "; ".join(report.status.overall.reasons) or "no reason recorded"
    return (
        f"Escalation: {report.project.name} has been {rag} for {rule.reports} reports "
        f"running (as of {report.status.as_of.isoformat()}). Why: {reasons}. "
        "Please raise this with the project sponsor."
    )


@dataclass(frozen=True)
class Withheld:
    """What an audience does not get, and why: the "view as client" preview."""

    internal_items: int
    fields_blanked: tuple[str, ...]
    sections_left_out: tuple[str, ...]
    visible_items: int

    def reasons(self, level: DetailLevel) -> list[str]:
        if level is DetailLevel.INTERNAL:
            lines = ["nothing withheld: internal level sees every item and field"]
        else:
            lines = [
                f"{self.internal_items} internal item(s) hidden (internal visibility or "
                "label, or beneath an internal parent)",
                f"fields blanked: {', '.join(self.fields_blanked)} ({level.value} level)",
            ]
            if level is DetailLevel.EXECUTIVE:
                lines.append("item lists summarised; only high and critical risks shown")
        if self.sections_left_out:
            lines.append(f"sections left out by the plan: {', '.join(self.sections_left_out)}")
        return lines


def withheld(audience: AudienceConfig, snapshot: Snapshot, policy: VisibilityPolicy) -> Withheld:
    level = DetailLevel(audience.level)
    hidden = frozenset() if level is DetailLevel.INTERNAL else hidden_item_keys(snapshot, policy)
    left_out = tuple(s.value for s in Section if s not in audience.sections)
    return Withheld(
        internal_items=len(hidden),
        fields_blanked=tuple(sorted(policy.hidden_fields(level))),
        sections_left_out=left_out,
        visible_items=len(snapshot.items) - len(hidden),
    )
