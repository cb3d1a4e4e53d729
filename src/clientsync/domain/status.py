"""The client status view: overall and per-milestone RAG with reasons, and the sections
a status report is read by (successes, challenges, what is next, what we need).

RAG rules, judged on the project-local day of `as_of`:

- a completed milestone is green (a late delivery is said, not punished);
- an open milestone past its due date is red;
- without a due date only risks colour it;
- with open work and no forecast it is amber: never green on no data;
- otherwise P(on time) against `green_probability` and `amber_probability` (also when
  the forecast runs past its horizon: the trials still give a probability);
- a high risk against it caps it at amber, a critical one makes it red.

Overall is the worst milestone, with project-wide high and critical risks applied alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import Field

from .base import DomainModel, UtcDatetime
from .drift import DriftView
from .forecast import Forecast, MilestoneForecast, local_date, milestone_order
from .model import OPEN_STATES, ItemState, Milestone, Snapshot, WorkItem
from .ordering import natural_key
from .risk import Risk, RiskRule, Severity
from .settings import StatusSettings


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def rank(self) -> int:
        return ("green", "amber", "red").index(self.value)


class RagStatus(DomainModel):
    rag: Rag
    reasons: tuple[str, ...] = ()


class ItemSummary(DomainModel):
    """One line of a report section: what the reader needs about an item."""

    key: str
    title: str
    url: str | None = None
    state: ItemState
    status: str = ""
    milestones: tuple[str, ...] = ()
    due: date | None = None
    completed_at: UtcDatetime | None = None
    age_days: int | None = Field(None, description="Days in the section's condition.")
    note: str | None = Field(None, description="Blocked reason, waiting on whom, and so on.")


class MilestoneStatus(DomainModel):
    id: str
    name: str
    due: date | None = None
    rag: Rag
    reasons: tuple[str, ...] = ()
    forecast: MilestoneForecast | None = None
    done: int = Field(description="Items done (cancelled items are not counted at all).")
    total: int
    done_estimate: float = 0.0
    total_estimate: float = 0.0
    completed: bool = False


class Decision(DomainModel):
    """Something the client must decide or provide."""

    kind: str = Field(description="'change-notice' or 'waiting-on-client'.")
    subject: str = Field(description="Milestone id or item key.")
    title: str
    since: date | None = None


class StatusView(DomainModel):
    as_of: date
    since: date | None = Field(None, description="The previous report's day, if any.")
    overall: RagStatus
    milestones: tuple[MilestoneStatus, ...] = ()
    done_since_last: tuple[ItemSummary, ...] = ()
    in_progress: tuple[ItemSummary, ...] = ()
    blocked: tuple[ItemSummary, ...] = ()
    overdue: tuple[ItemSummary, ...] = ()
    coming_up: tuple[ItemSummary, ...] = ()
    client_requests: tuple[ItemSummary, ...] = ()
    decisions_needed: tuple[Decision, ...] = ()


def compute_status(
    snapshot: Snapshot,
    *,
    as_of: datetime,
    forecast: Forecast,
    risks: Sequence[Risk] = (),
    drift: DriftView | None = None,
    since: datetime | None = None,
    settings: StatusSettings | None = None,
) -> StatusView:
    """The status of `snapshot` (already filtered for its audience) as of `as_of`.

    `since` is the previous report's moment: "done since last" covers (since, as_of], or
    the last `period_days` when there was no previous report.
    """
    ctx = _Context(snapshot, as_of, forecast, risks, settings or StatusSettings())
    milestones = tuple(_milestone_status(ctx, m) for m in milestone_order(snapshot.milestones))
    start = since if since is not None else as_of - timedelta(days=ctx.settings.period_days)
    # Sorted once; every section below filters this list and keeps its order.
    open_items = _by_key(i for i in snapshot.items if i.state in OPEN_STATES)
    return StatusView(
        as_of=ctx.today,
        since=ctx.local(since) if since is not None else None,
        overall=_overall(ctx, milestones),
        milestones=milestones,
        done_since_last=_done_since(ctx, start, as_of),
        in_progress=tuple(
            ctx.summary(i) for i in open_items if i.state is ItemState.IN_PROGRESS and not i.blocked
        ),
        blocked=tuple(
            # The last update is the best date the tracker gives for when the block began.
            ctx.summary(i, age_days=ctx.age(i.updated), note=i.blocked_reason)
            for i in open_items
            if i.blocked
        ),
        overdue=tuple(
            ctx.summary(i, age_days=ctx.age_of_date(i.due))
            for i in _by_due(i for i in open_items if i.due is not None and i.due < ctx.today)
        ),
        coming_up=tuple(
            ctx.summary(i)
            for i in _by_due(
                i for i in open_items if i.due is not None and ctx.today <= i.due <= ctx.horizon
            )
        ),
        client_requests=tuple(
            ctx.summary(i, age_days=ctx.age(i.created))
            for i in sorted(
                (i for i in open_items if i.client_request),
                key=lambda i: (i.created, natural_key(i.key)),
            )
        ),
        decisions_needed=(*_change_decisions(ctx, drift), *_waiting_decisions(ctx, open_items)),
    )


# Status judges lateness and the forecast itself; these risks would only restate it.
_JUDGED_HERE = frozenset({RiskRule.FORECAST_SLIP, RiskRule.MILESTONE_OVERDUE})


class _Context:
    """What the milestone and section builders look things up in, built once."""

    def __init__(
        self,
        snapshot: Snapshot,
        as_of: datetime,
        forecast: Forecast,
        risks: Sequence[Risk],
        settings: StatusSettings,
    ) -> None:
        self.snapshot = snapshot
        self.today = local_date(as_of, snapshot)
        self.horizon = self.today + timedelta(days=settings.period_days)
        self.forecast = forecast
        self.settings = settings
        serious = sorted(
            (
                r
                for r in risks
                if r.severity.rank >= Severity.HIGH.rank and r.rule not in _JUDGED_HERE
            ),
            key=lambda r: (-r.severity.rank, r.id),
        )
        known = {m.id for m in snapshot.milestones}
        self.milestone_risks = [r for r in serious if r.milestone in known]
        # A risk naming a milestone this snapshot lacks must not vanish: it is project-wide.
        self.project_risks = [r for r in serious if r.milestone not in known]
        # Grouped once: a scan of every item per milestone is quadratic on large projects.
        self._counted: dict[str, list[WorkItem]] = {}
        for item in snapshot.items:
            if item.state is not ItemState.CANCELLED:
                for milestone_id in dict.fromkeys(item.milestones):
                    self._counted.setdefault(milestone_id, []).append(item)

    def counted_in(self, milestone_id: str) -> list[WorkItem]:
        """The milestone's items that count towards it (cancelled ones do not)."""
        return self._counted.get(milestone_id, [])

    def local(self, moment: datetime) -> date:
        return local_date(moment, self.snapshot)

    def age(self, moment: datetime) -> int:
        return max(0, (self.today - self.local(moment)).days)

    def age_of_date(self, day: date | None) -> int | None:
        return (self.today - day).days if day is not None else None

    def summary(
        self, item: WorkItem, *, age_days: int | None = None, note: str | None = None
    ) -> ItemSummary:
        return ItemSummary(
            key=item.key,
            title=item.title,
            url=item.url,
            state=item.state,
            status=item.status,
            milestones=item.milestones,
            due=item.due,
            completed_at=item.completed_at,
            age_days=age_days,
            note=note,
        )


class _Verdict:
    """Findings that each push towards a RAG: the worst wins, and its reasons come first."""

    def __init__(self) -> None:
        self._findings: list[tuple[Rag, str]] = []
        self._notes: list[str] = []

    def find(self, rag: Rag, reason: str) -> None:
        self._findings.append((rag, reason))

    def note(self, reason: str) -> None:
        """A fact worth telling that does not move the RAG."""
        self._notes.append(reason)

    def apply_risks(self, risks: Iterable[Risk]) -> None:
        for risk in risks:
            self.find(_risk_rag(risk), risk.title)

    @property
    def rag(self) -> Rag:
        return max((rag for rag, _ in self._findings), key=lambda r: r.rank, default=Rag.GREEN)

    @property
    def reasons(self) -> tuple[str, ...]:
        # sorted() is stable: equally bad findings keep the order they were found in.
        ranked = sorted(self._findings, key=lambda f: -f[0].rank)
        return tuple(dict.fromkeys([*(reason for _, reason in ranked), *self._notes]))

    def reasons_at(self, rag: Rag) -> tuple[str, ...]:
        return tuple(dict.fromkeys(reason for found, reason in self._findings if found is rag))


def _risk_rag(risk: Risk) -> Rag:
    """Only high and critical risks reach here: critical is red, high caps at amber."""
    return Rag.RED if risk.severity is Severity.CRITICAL else Rag.AMBER


# --- milestones -------------------------------------------------------------------------


def _milestone_status(ctx: _Context, milestone: Milestone) -> MilestoneStatus:
    items = ctx.counted_in(milestone.id)
    done = [i for i in items if i.state is ItemState.DONE]
    open_items = [i for i in items if i.state in OPEN_STATES]
    completed = milestone.done or (bool(done) and len(done) == len(items))
    predicted = ctx.forecast.for_milestone(milestone.id)

    verdict = _Verdict()
    if completed:
        _judge_completed(ctx, milestone, done, verdict)
    else:
        _judge_open(ctx, milestone, open_items, predicted, verdict)
        verdict.apply_risks(r for r in ctx.milestone_risks if r.milestone == milestone.id)
        blocked = sum(1 for i in open_items if i.blocked)
        if blocked:
            verdict.note(_count(blocked, "blocked item"))
    return MilestoneStatus(
        id=milestone.id,
        name=milestone.name,
        due=milestone.due,
        rag=verdict.rag,
        reasons=verdict.reasons,
        forecast=predicted,
        done=len(done),
        total=len(items),
        done_estimate=sum(i.estimate or 0.0 for i in done),
        total_estimate=sum(i.estimate or 0.0 for i in items),
        completed=completed,
    )


def _judge_completed(
    ctx: _Context, milestone: Milestone, done: list[WorkItem], verdict: _Verdict
) -> None:
    moments = [i.completed_at for i in done if i.completed_at is not None]
    finished = None
    if milestone.completed_at is not None:
        finished = ctx.local(milestone.completed_at)
    elif moments:
        finished = ctx.local(max(moments))
    if finished is None:
        verdict.find(Rag.GREEN, "completed")
        return
    verdict.find(Rag.GREEN, f"completed on {finished}")
    # A late delivery is history, not a current problem: it stays green but says so.
    if milestone.due is not None and finished > milestone.due:
        verdict.find(Rag.GREEN, f"completed {_days((finished - milestone.due).days)} late")


def _judge_open(
    ctx: _Context,
    milestone: Milestone,
    open_items: list[WorkItem],
    predicted: MilestoneForecast | None,
    verdict: _Verdict,
) -> None:
    due = milestone.due
    if due is not None and due < ctx.today:
        verdict.find(
            Rag.RED,
            f"overdue: due {due}, {_days((ctx.today - due).days)} ago, "
            f"with {_count(len(open_items), 'open item')}",
        )
        return
    if due is None:
        verdict.find(Rag.GREEN, "no due date")
        if predicted is not None and predicted.known and predicted.p85 is not None:
            verdict.note(f"P85 {predicted.p85}")
        return
    if not open_items:
        verdict.find(Rag.GREEN, "no open items")
        return
    chance = predicted.probability_on_time if predicted is not None else None
    if predicted is None or chance is None:
        why = "no forecast for this milestone"
        if predicted is not None:
            why = predicted.unknown_reason or "no chance of finishing on time computed"
        verdict.find(Rag.AMBER, f"forecast unknown: {why}")
        return
    if predicted.unknown_reason is not None:
        # Past the horizon the trials still say how likely the date is: that is data, and
        # judging it keeps the RAG monotone (less work never turns amber into red).
        verdict.note(f"forecast: {predicted.unknown_reason}")
    settings = ctx.settings
    rag = Rag.GREEN if chance >= settings.green_probability else Rag.AMBER
    if chance < settings.amber_probability:
        rag = Rag.RED
    verdict.find(rag, f"P(on time) {chance:.2f}")
    verdict.find(rag, _p85_against(predicted.p85, due))


def _p85_against(p85: date | None, due: date) -> str:
    if p85 is None:
        return "P85 is beyond the forecast horizon"
    if p85 > due:
        return f"P85 {p85} is after the due date {due}"
    if p85 == due:
        return f"P85 {p85} is on the due date"
    return f"P85 {p85} before due {due}"


def _overall(ctx: _Context, milestones: tuple[MilestoneStatus, ...]) -> RagStatus:
    verdict = _Verdict()
    for m in milestones:
        verdict.find(m.rag, f"Milestone '{m.name}' is {m.rag.value}: {'; '.join(m.reasons)}")
    verdict.apply_risks(ctx.project_risks)
    worst = verdict.rag
    if worst is not Rag.GREEN:
        # Only what sets the overall colour explains it; the rest is in the milestone table.
        return RagStatus(rag=worst, reasons=verdict.reasons_at(worst))
    if not milestones:
        return RagStatus(rag=worst, reasons=("no milestones and no high risks",))
    every = "the milestone is" if len(milestones) == 1 else f"all {len(milestones)} milestones are"
    return RagStatus(rag=worst, reasons=(f"{every} green",))


# --- sections ---------------------------------------------------------------------------


def _done_since(ctx: _Context, start: datetime, end: datetime) -> tuple[ItemSummary, ...]:
    done = [
        (i.completed_at, natural_key(i.key), i)
        for i in ctx.snapshot.items
        if i.state is ItemState.DONE
        and i.completed_at is not None
        and start < i.completed_at <= end
    ]
    return tuple(ctx.summary(i) for _, _, i in sorted(done, key=lambda d: d[:2]))


def _change_decisions(ctx: _Context, drift: DriftView | None) -> list[Decision]:
    if drift is None:
        return []
    decisions = []
    for notice in drift.notices:
        moments = [e.at for e in notice.events if e.at is not None]
        decisions.append(
            Decision(
                kind="change-notice",
                subject=notice.id,
                title=f"Agree the change to '{notice.milestone_name}': " + "; ".join(notice.what),
                since=ctx.local(min(moments)) if moments else None,
            )
        )
    return decisions


def _waiting_decisions(ctx: _Context, open_items: list[WorkItem]) -> list[Decision]:
    statuses = {s.casefold() for s in ctx.settings.waiting_on_client_statuses}
    labels = {label.casefold() for label in ctx.settings.waiting_on_client_labels}
    return [
        Decision(
            kind="waiting-on-client",
            subject=i.key,
            title=f"{i.key} '{i.title}' is waiting on you",
            # The last update is the best date the tracker gives for when it started waiting.
            since=ctx.local(i.updated),
        )
        for i in open_items
        if i.status.strip().casefold() in statuses
        or any(label.casefold() in labels for label in i.labels)
    ]


def _by_key(items: Iterable[WorkItem]) -> list[WorkItem]:
    return sorted(items, key=lambda i: natural_key(i.key))


def _by_due(items: Iterable[WorkItem]) -> list[WorkItem]:
    return sorted(items, key=lambda i: (i.due or date.max, natural_key(i.key)))


def _days(n: int) -> str:
    return _count(n, "day")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
