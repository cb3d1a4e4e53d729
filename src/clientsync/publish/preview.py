"""plan_audiences(): per audience, when it is next due, what it would receive, and what
is withheld from it and why. Reads the store; needs no secrets and sends nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from clientsync.config import Config
from clientsync.config.audience import AudienceConfig, ChannelType
from clientsync.domain.report import Report
from clientsync.domain.visibility import DetailLevel
from clientsync.errors import SyncError
from clientsync.services import ReportRequest, current_snapshot, make_report
from clientsync.store import Store

from .formats import available, format_for_path
from .plan import Withheld, current_period, withheld


@dataclass(frozen=True)
class AudiencePlan:
    name: str
    level: DetailLevel
    cadence: str
    next_due: date | None
    due_now: bool
    why: str
    channel: str
    format: str
    sections: tuple[str, ...]
    withheld: Withheld | None
    paused: str | None
    escalation: str | None

    def lines(self) -> list[str]:
        due = self.next_due.isoformat() if self.next_due else "when something changes"
        lines = [
            f"{self.name} ({self.level.value}, {self.cadence})",
            f"  next due: {due}{' (due now)' if self.due_now else ''}: {self.why}",
            f"  receives: {self.format} via {self.channel}",
            f"  sections: {', '.join(self.sections)}",
        ]
        if self.escalation:
            lines.append(f"  escalation: {self.escalation}")
        if self.paused:
            lines.append(f"  PAUSED: {self.paused}")
        if self.withheld is None:
            lines.append("  withheld: unknown until the first `clientsync sync`")
        else:
            lines.append(f"  sees {self.withheld.visible_items} item(s); withheld:")
            lines += [f"    - {reason}" for reason in self.withheld.reasons(self.level)]
        return lines


def plan_audiences(config: Config, store: Store, *, now: datetime) -> tuple[AudiencePlan, ...]:
    today = now.astimezone(ZoneInfo(config.project.timezone)).date()
    try:
        snapshot = current_snapshot(config, store, taken_at=now)
    except SyncError:
        snapshot = None
    plans = []
    for audience in config.audiences:
        level = DetailLevel(audience.level)
        report = previous = None
        if snapshot is not None:
            request = ReportRequest(as_of=now, audience=audience.name)
            report = make_report(config, store, request, save=False)
            found = store.previous_report(audience.name, before=now + timedelta(microseconds=1))
            previous = Report.model_validate_json(found) if found else None
        next_due, due_now, why = _due(config, store, audience, today, report, previous)
        state = store.publish_state(audience.name)
        rule = audience.escalation
        plans.append(
            AudiencePlan(
                name=audience.name,
                level=level,
                cadence=_cadence(audience),
                next_due=next_due,
                due_now=due_now,
                why=why,
                channel=describe_channel(audience),
                format=channel_format(config, audience),
                sections=tuple(s.value for s in audience.sections),
                withheld=(
                    withheld(audience, snapshot, config.visibility)
                    if snapshot is not None
                    else None
                ),
                paused=(
                    f"after {state.failures} failed sends ({state.last_error}); run "
                    f"`clientsync publish --resume {audience.name}`"
                    if state.paused
                    else None
                ),
                escalation=(
                    f"{rule.rag.value} or worse {rule.reports} reports running -> "
                    f"also to {', '.join(rule.to)}"
                    if rule
                    else None
                ),
            )
        )
    return tuple(plans)


def _due(
    config: Config,
    store: Store,
    audience: AudienceConfig,
    today: date,
    report: Report | None,
    previous: Report | None,
) -> tuple[date | None, bool, str]:
    if report is None and audience.cadence.value == "on-change":
        return None, False, "nothing synced yet"
    period = current_period(audience, today, report, previous)
    if period is None:
        return None, False, "no new change notice or RAG change since its last report"
    sent = any(
        r.published and r.period == period.key and not r.key.endswith(":escalation")
        for r in store.publish_records(audience.name)
    )
    if sent:
        return period.next_due, False, f"period {period.key} already sent"
    return period.due, True, f"period {period.key} not sent yet"


def _cadence(audience: AudienceConfig) -> str:
    if audience.weekday is not None:
        return f"{audience.cadence.value} on {audience.weekday.value}"
    return audience.cadence.value


def describe_channel(audience: AudienceConfig) -> str:
    """Where the channel goes, from config alone, without reading a secret."""
    options = audience.channel.options
    kind = audience.channel.type
    if kind is ChannelType.FILE:
        return f"file {options.get('path')}"
    if kind is ChannelType.EMAIL:
        to = ", ".join(audience.contacts)
        return f"email to {to} via {options.get('host')}"
    if kind is ChannelType.WEBHOOK:
        if "url_env" in options:
            return f"webhook (URL from ${options['url_env']})"
        return f"webhook to {urlsplit(str(options.get('url'))).hostname}"
    return f"tracker {options.get('source', 'source')} -> {options.get('target')}"


def channel_format(config: Config, audience: AudienceConfig) -> str:
    options = audience.channel.options
    kind = audience.channel.type
    if isinstance(options.get("format"), str):
        return str(options["format"])
    if kind is ChannelType.FILE:
        return format_for_path("." + str(options.get("path", "")).rsplit(".", 1)[-1])
    if kind is ChannelType.EMAIL:
        text = "txt" if available("txt") else "md"
        return f"{text} + html" if available("html") else text
    if kind is ChannelType.TRACKER:
        connectors = {s.name: s.connector for s in config.sources}
        source = options.get("source") or next(iter(connectors))
        return {"jira": "adf", "asana": "asana"}.get(connectors.get(str(source), ""), "md")
    return "md"
