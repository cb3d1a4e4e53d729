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

from .base import DomainModel
from .drift import DriftView
from .forecast import Forecast, MilestoneForecast, local_date, milestone_order
from .model import OPEN_STATES, ItemState, Milestone, Snapshot, WorkItem
from .risk import Risk, RiskRule, Severity
from .settings import StatusSettings
from .status_sections import Decision, ItemSummary, gather_sections


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
    sections = gather_sections(
        snapshot,
        today=ctx.today,
        horizon=ctx.horizon,
        start=start,
        end=as_of,
        settings=ctx.settings,
    )
    return StatusView(
        as_of=ctx.today,
        since=ctx.local(since) if since is not None else None,
        overall=_overall(ctx, milestones),
        milestones=milestones,
        done_since_last=sections.done_since_last,
        in_progress=sections.in_progress,
        blocked=sections.blocked,
        overdue=sections.overdue,
        coming_up=sections.coming_up,
        client_requests=sections.client_requests,
        decisions_needed=(*_change_decisions(ctx, drift), *sections.waiting_on_client),
    )


# Status judges lateness and the forecast itself; these risks would only restate it.
_JUDGED_HERE = frozenset({RiskRule.FORECAST_SLIP, RiskRule.MILESTONE_OVERDUE})


class _MilestoneWork:
    """A milestone's counted items, split by state, with their estimate totals."""

    def __init__(self) -> None:
        self.done: list[WorkItem] = []
        self.open: list[WorkItem] = []
        self.total = 0
        self.done_estimate = 0.0
        self.total_estimate = 0.0

    def add(self, item: WorkItem) -> None:
        self.total += 1
        estimate = item.estimate or 0.0
        self.total_estimate += estimate
        state = item.state
        if state is ItemState.DONE:
            self.done.append(item)
            self.done_estimate += estimate
        elif state in OPEN_STATES:
            self.open.append(item)


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
        self._work: dict[str, _MilestoneWork] = {}
        cancelled = ItemState.CANCELLED
        for item in snapshot.items:
            ids = item.milestones
            if not ids or item.state is cancelled:
                continue
            for milestone_id in ids if len(ids) == 1 else dict.fromkeys(ids):
                work = self._work.get(milestone_id)
                if work is None:
                    work = self._work[milestone_id] = _MilestoneWork()
                work.add(item)

    def work_in(self, milestone_id: str) -> _MilestoneWork:
        """The milestone's items that count towards it (cancelled ones do not)."""
        return self._work.get(milestone_id) or _MilestoneWork()

    def local(self, moment: datetime) -> date:
        return local_date(moment, self.snapshot)


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
    work = ctx.work_in(milestone.id)
    done, open_items = work.done, work.open
    completed = milestone.done or (bool(done) and len(done) == work.total)
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
        total=work.total,
        done_estimate=work.done_estimate,
        total_estimate=work.total_estimate,
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


def _change_decisions(ctx: _Context, drift: DriftView | None) -> list[Decision]:
    if drift is None:
        return []
    decisions = []
    for notice in drift.awaiting_sign_off:
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


def _days(n: int) -> str:
    return _count(n, "day")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
