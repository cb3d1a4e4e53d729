"""publish_due(): send each audience what is due, exactly once, through its channel.

Exactly once rests on the publish log: a send is claimed under a key made of the project,
the audience, the channel and the cadence period before it goes, and marked published
only after the channel accepted it. A failed send stays claimed, is retried on the next
run under the same key (channels pass the key on, so a peer that saw it can deduplicate),
and counts towards the audience's pause.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from clientsync.config import Config
from clientsync.config.audience import AudienceConfig
from clientsync.domain.report import Report
from clientsync.domain.status import Rag
from clientsync.errors import ClientsyncError, ConfigError
from clientsync.ports import TrackerWriter
from clientsync.registry import load as load_connector
from clientsync.retry import RetryPolicy
from clientsync.services import ReportRequest, make_report
from clientsync.store import Store

from .channels import Channel, ChannelContext, Message, WriterFor, build_channel
from .formats import available, render, renderer
from .plan import (
    PAUSE_AFTER_FAILURES,
    Period,
    current_period,
    escalates,
    escalation_note,
    select_sections,
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one audience (or its escalation) in one run."""

    audience: str
    status: str
    """sent, already-sent, not-due, would-send, failed or paused."""
    detail: str
    period: str | None = None
    remote_id: str | None = None
    escalation: bool = False

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "paused")

    def line(self) -> str:
        what = f"{self.audience} (escalation)" if self.escalation else self.audience
        period = f" [{self.period}]" if self.period else ""
        return f"{what}: {self.status}{period}: {self.detail}"


@dataclass(frozen=True)
class PublishResult:
    outcomes: tuple[Outcome, ...]

    @property
    def failed(self) -> bool:
        return any(o.failed for o in self.outcomes)


def publish_due(
    config: Config,
    store: Store,
    *,
    now: datetime,
    env: Mapping[str, str],
    dry_run: bool = False,
    force: bool = False,
    audiences: Sequence[str] = (),
    resume: Sequence[str] = (),
    retry: RetryPolicy | None = None,
    writer_for: WriterFor | None = None,
) -> PublishResult:
    """Send what is due to each audience (or the named ones); see the module docstring.

    `force` sends even when the period was sent already or nothing changed; identical
    content forced twice still goes once. `resume` clears the named audiences' pauses.
    Every channel is built (options, secrets) before anything is sent.
    """
    if not config.audiences:
        raise ConfigError("no [[audiences]] in the config; add one to publish")
    for name in resume:
        config.audience(name)
        if not dry_run:
            store.reset_publish_state(name)
    chosen = [config.audience(n) for n in audiences] if audiences else list(config.audiences)
    ctx = ChannelContext(
        env=env,
        base_dir=config.base_dir,
        retry=retry or RetryPolicy(),
        writer_for=writer_for or default_writer_for(config, env),
        sources=tuple((s.name, s.connector) for s in config.sources),
    )
    channels = {a.name: build_channel(a, ctx) for a in chosen}
    for channel in channels.values():
        renderer(channel.format)  # a format with no renderer fails before anything is sent
    run = _Run(config, store, now, dry_run, force, resumed=frozenset(resume))
    outcomes: list[Outcome] = []
    for audience in chosen:
        outcomes.extend(run.audience(audience, channels[audience.name]))
    return PublishResult(tuple(outcomes))


def default_writer_for(config: Config, env: Mapping[str, str]) -> WriterFor:
    """The write-back of a source's connector, built from its options when first asked."""

    def writer_for(source_name: str) -> TrackerWriter:
        source = config.source(source_name)
        factory = load_connector(source.connector)
        connector = factory.from_options(source.options, env=env, base_dir=config.base_dir)
        if not isinstance(connector, TrackerWriter):
            raise ConfigError(
                f"the {source.connector!r} connector of source {source_name!r} cannot post "
                "updates; use a file, email or webhook channel for this audience"
            )
        return connector

    return writer_for


class _Run:
    def __init__(
        self,
        config: Config,
        store: Store,
        now: datetime,
        dry_run: bool,
        force: bool,
        resumed: frozenset[str],
    ) -> None:
        self.config, self.store, self.now = config, store, now
        self.dry_run, self.force, self.resumed = dry_run, force, resumed
        self.today = now.astimezone(ZoneInfo(config.project.timezone)).date()

    def audience(self, audience: AudienceConfig, channel: Channel) -> list[Outcome]:
        state = self.store.publish_state(audience.name)
        if state.paused and audience.name not in self.resumed:
            return [
                Outcome(
                    audience.name,
                    "paused",
                    paused_message(audience.name, state.failures, state.last_error),
                )
            ]
        report = make_report(
            self.config,
            self.store,
            ReportRequest(as_of=self.now, audience=audience.name),
            save=False,
        )
        previous_json = self.store.previous_report(
            audience.name, before=self.now + timedelta(microseconds=1)
        )
        previous = Report.model_validate_json(previous_json) if previous_json else None
        period = current_period(audience, self.today, report, previous)
        if period is None:
            if not self.force:
                return [Outcome(audience.name, "not-due", "no new change notice or RAG change")]
            period = Period(f"change-{self.today.isoformat()}", self.today, None)
        selected = select_sections(report, audience.sections)
        message = _message(audience, channel, selected, period, self.today)
        key = f"{self.config.project.id}:{audience.name}:{channel.kind}:{period.key}"
        if self.force:
            key += f":forced-{message.content_hash[:12]}"
        rule = audience.escalation
        # Read the run of earlier reports before this one is saved among them.
        earlier = self._previous_rags(audience.name, rule.reports - 1) if rule else []
        main = self._send(audience, channel, message, key)
        if main.status == "sent":
            # The next report compares with this one: "done since", on-change, escalation.
            self.store.save_report(self.now, audience.name, report.to_json())
        if rule is None or main.failed:
            return [main]
        escalation_key = f"{key}:escalation"
        pending = self.store.publish_record(escalation_key)
        due = main.status in ("sent", "would-send") and escalates(
            rule, report.status.overall.rag, earlier
        )
        if not due and (pending is None or pending.published):
            return [main]
        note = escalation_note(selected, rule)
        escalation = Message(
            audience=audience.name,
            project=message.project,
            subject=f"Escalation: {message.subject}",
            body=f"{note}\n\n{_escalation_body(channel, selected, period)}",
            day=self.today,
            period=period.key,
            rag=message.rag,
            recipients=rule.to,
            escalation=True,
        )
        return [main, self._send(audience, channel, escalation, escalation_key)]

    def _previous_rags(self, audience: str, count: int) -> list[Rag]:
        """The overall RAG of the audience's last `count` reports, newest first."""
        rags: list[Rag] = []
        before = self.now + timedelta(microseconds=1)
        while len(rags) < count:
            found = self.store.previous_report(audience, before=before)
            if found is None:
                break
            earlier = Report.model_validate_json(found)
            rags.append(earlier.status.overall.rag)
            before = earlier.as_of
        return rags

    def _send(
        self, audience: AudienceConfig, channel: Channel, message: Message, key: str
    ) -> Outcome:
        name, period = audience.name, message.period
        esc = message.escalation
        record = self.store.publish_record(key)
        if record is not None and record.published:
            when = record.sent_at.isoformat() if record.sent_at else "earlier"
            return Outcome(name, "already-sent", f"sent {when}", period, record.remote_id, esc)
        if self.dry_run:
            return Outcome(
                name,
                "would-send",
                f"{channel.describe()} ({channel.format}, {len(message.body)} chars, "
                f"content {message.content_hash[:12]})",
                period,
                None,
                esc,
            )
        if record is None:
            self.store.claim_publish(
                key, name, channel.kind, period, at=self.now, content_hash=message.content_hash
            )
        try:
            remote_id = channel.send(message, idempotency_key=key)
        except ClientsyncError as exc:
            state = self.store.record_publish_failure(
                name, str(exc), at=self.now, pause_after=PAUSE_AFTER_FAILURES
            )
            if state.paused and audience.name not in self.resumed:
                detail = paused_message(name, state.failures, str(exc))
                return Outcome(name, "paused", detail, period, None, esc)
            detail = (
                f"{exc} (failure {state.failures} of {PAUSE_AFTER_FAILURES} before pausing; "
                "retried on the next run)"
            )
            return Outcome(name, "failed", detail, period, None, esc)
        self.store.mark_published(key, remote_id, at=self.now, content_hash=message.content_hash)
        self.store.reset_publish_state(name)
        return Outcome(name, "sent", channel.describe(), period, remote_id, esc)


def paused_message(audience: str, failures: int, last_error: str | None) -> str:
    return (
        f"paused after {failures} consecutive failed sends (last: {last_error or 'unknown'}); "
        f"nothing is sent to it until you fix the channel and run "
        f"`clientsync publish --resume {audience}`"
    )


def _message(
    audience: AudienceConfig, channel: Channel, report: Report, period: Period, today: date
) -> Message:
    rag = report.status.overall.rag.value
    html = None
    if channel.wants_html and available("html"):
        html = render("html", report, next_update=period.next_due)
    return Message(
        audience=audience.name,
        project=report.project.name,
        subject=f"{report.project.name}: status {today.isoformat()} ({rag})",
        body=render(channel.format, report, next_update=period.next_due),
        day=today,
        period=period.key,
        rag=rag,
        recipients=audience.contacts,
        html=html,
    )


def _escalation_body(channel: Channel, report: Report, period: Period) -> str:
    # An escalation note is prose in front of the report, so it goes as text even where
    # the channel's usual format is structured (ADF, JSON) or a whole HTML page.
    text_like = channel.format if channel.format in ("md", "txt") else "md"
    return render(text_like, report, next_update=period.next_due)
