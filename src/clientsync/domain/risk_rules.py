"""The risk rules: each a pure function of the project, yielding the risks it finds.

Every rule judges on the project-local day of `as_of` and names its evidence; thresholds
come from `RiskSettings`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime

from .forecast import Forecast, local_date, milestone_order
from .model import OPEN_STATES, ItemState, Milestone, Snapshot, WorkItem
from .ordering import natural_key
from .risk_models import Risk, RiskRule, Severity
from .settings import RiskSettings

UNASSIGNED_HIGH_DAYS = 2
"""Unowned work due within this many days is a high risk."""


class RuleContext:
    """What every rule looks things up in, built once per assessment."""

    def __init__(
        self, snapshot: Snapshot, today: date, forecast: Forecast, settings: RiskSettings
    ) -> None:
        self.snapshot = snapshot
        self.today = today
        self.forecast = forecast
        self.settings = settings
        self.items = snapshot.items_by_key()
        self.milestones = {m.id: m for m in snapshot.milestones}
        self.open_milestones = milestone_order(m for m in snapshot.milestones if not m.done)
        self.open_items: list[WorkItem] = []
        self._open_by_milestone: dict[str, list[WorkItem]] = {}
        by_milestone = self._open_by_milestone
        for item in snapshot.items:
            if item.state not in OPEN_STATES:
                continue
            self.open_items.append(item)
            ids = item.milestones
            for milestone_id in ids if len(ids) <= 1 else dict.fromkeys(ids):
                found = by_milestone.get(milestone_id)
                if found is None:
                    by_milestone[milestone_id] = [item]
                else:
                    found.append(item)

    def open_in(self, milestone_id: str) -> list[WorkItem]:
        return self._open_by_milestone.get(milestone_id, [])

    def milestone_of(self, item: WorkItem) -> Milestone | None:
        """The item's first milestone that the snapshot knows."""
        return next((self.milestones[m] for m in item.milestones if m in self.milestones), None)

    def age(self, moment: datetime) -> int:
        return max(0, (self.today - local_date(moment, self.snapshot)).days)

    def risk(
        self,
        rule: RiskRule,
        subject: str,
        severity: Severity,
        *,
        title: str,
        detail: str,
        action: str,
        milestone: str | None = None,
        evidence: Iterable[str] = (),
        impact_days: int | None = None,
        impact_probability: float | None = None,
    ) -> Risk:
        return Risk(
            id=f"{rule.value}:{subject}",
            rule=rule,
            severity=severity,
            title=title,
            detail=detail,
            milestone=milestone,
            evidence=tuple(evidence),
            impact_days=impact_days,
            impact_probability=impact_probability,
            action=action,
            first_seen=self.today,
        )


# --- rules on items ---------------------------------------------------------------------


def _overdue(ctx: RuleContext) -> Iterator[Risk]:
    for item in ctx.open_items:
        if item.due is None or item.due >= ctx.today:
            continue
        days = (ctx.today - item.due).days
        high = days >= ctx.settings.overdue_high_days
        yield ctx.risk(
            RiskRule.OVERDUE,
            item.key,
            Severity.HIGH if high else Severity.MEDIUM,
            title=f"{item.key} is overdue",
            detail=f"{_item(item)} was due {item.due} and is {days_text(days)} overdue.",
            action="Finish it now or agree a new date with the client",
            milestone=_id(ctx.milestone_of(item)),
            evidence=(item.key,),
            impact_days=days,
        )


def _blocked(ctx: RuleContext) -> Iterator[Risk]:
    for item in ctx.open_items:
        if not item.blocked:
            continue
        # The last update is the best date the tracker gives for when the block began.
        age = ctx.age(item.updated)
        blockers = natural_sorted(k for k in item.blocked_by if k in ctx.items and k != item.key)
        yield ctx.risk(
            RiskRule.BLOCKED,
            item.key,
            Severity.HIGH if age >= ctx.settings.blocked_high_days else Severity.MEDIUM,
            title=f"{item.key} is blocked",
            detail=(
                f"{_item(item)} has been blocked for {days_text(age)}: "
                f"{item.blocked_reason or 'no reason given'}."
            ),
            action=_chase(ctx, blockers),
            milestone=_id(ctx.milestone_of(item)),
            evidence=(item.key, *blockers),
            impact_days=age,
        )


def _stale(ctx: RuleContext) -> Iterator[Risk]:
    limit = ctx.settings.stale_days
    for item in ctx.open_items:
        # A blocked item is quiet for a known reason: the blocked rule reports it.
        if item.state is not ItemState.IN_PROGRESS or item.blocked:
            continue
        idle = ctx.age(item.updated)
        if idle < limit:
            continue
        yield ctx.risk(
            RiskRule.STALE,
            item.key,
            Severity.MEDIUM if idle >= 2 * limit else Severity.LOW,
            title=f"{item.key} has gone quiet",
            detail=f"{_item(item)} is in progress but has not been updated for {days_text(idle)}.",
            action="Ask its owner for an update, or move it back to the backlog",
            milestone=_id(ctx.milestone_of(item)),
            evidence=(item.key,),
        )


def _unassigned_due_soon(ctx: RuleContext) -> Iterator[Risk]:
    # Without a single assignee the data does not say who owns anything (client-level
    # views blank assignees): every item would look unowned.
    if not any(i.assignee is not None for i in ctx.snapshot.items):
        return
    for item in ctx.open_items:
        if item.assignee is not None or item.due is None:
            continue
        days_left = (item.due - ctx.today).days
        if not 0 <= days_left <= ctx.settings.due_soon_days:
            continue
        when = "today" if days_left == 0 else f"in {days_text(days_left)}"
        yield ctx.risk(
            RiskRule.UNASSIGNED_DUE_SOON,
            item.key,
            Severity.HIGH if days_left <= UNASSIGNED_HIGH_DAYS else Severity.MEDIUM,
            title=f"{item.key} has no owner",
            detail=f"{_item(item)} is due {item.due} ({when}) and nobody is assigned.",
            action="Assign an owner today",
            milestone=_id(ctx.milestone_of(item)),
            evidence=(item.key,),
        )


def _client_waiting(ctx: RuleContext) -> Iterator[Risk]:
    s = ctx.settings
    for item in ctx.open_items:
        if not item.client_request:
            continue
        age = ctx.age(item.created)
        if age > s.client_resolution_days:
            severity, sla, what = Severity.HIGH, s.client_resolution_days, "resolved"
            action = "Resolve it, or tell the client when it will be resolved"
        elif item.state is ItemState.TODO and age > s.client_response_days:
            severity, sla, what = Severity.MEDIUM, s.client_response_days, "answered"
            action = "Answer the client today with an owner and a date"
        else:
            continue
        yield ctx.risk(
            RiskRule.CLIENT_WAITING,
            item.key,
            severity,
            title=f"Client waiting on {item.key}",
            detail=(
                f"The client raised {_item(item)} {days_text(age)} ago and it is not {what} "
                f"(target: {days_text(sla)})."
            ),
            action=action,
            milestone=_id(ctx.milestone_of(item)),
            evidence=(item.key,),
            impact_days=age - sla,
        )


def _dependency_late(ctx: RuleContext) -> Iterator[Risk]:
    for item in ctx.open_items:
        late: list[tuple[WorkItem, str]] = []
        for key in dict.fromkeys(item.blocked_by):
            blocker = ctx.items.get(key)
            if blocker is None or key == item.key or not blocker.is_open or blocker.due is None:
                continue
            if blocker.due < ctx.today:
                overdue = (ctx.today - blocker.due).days
                late.append((blocker, f"{key} is {days_text(overdue)} overdue"))
            elif item.due is not None and blocker.due > item.due:
                after = (blocker.due - item.due).days
                late.append((blocker, f"{key} is due {blocker.due}, {days_text(after)} after it"))
        if not late:
            continue
        milestone = ctx.milestone_of(item)
        # Due "within" the window includes already overdue: closer never means safer.
        soon = (
            milestone is not None
            and milestone.due is not None
            and (milestone.due - ctx.today).days <= ctx.settings.due_soon_days
        )
        gaps = [
            (b.due - item.due).days
            for b, _ in late
            if b.due is not None and item.due is not None and b.due > item.due
        ]
        blockers = natural_sorted(b.key for b, _ in late)
        yield ctx.risk(
            RiskRule.DEPENDENCY_LATE,
            item.key,
            Severity.HIGH if soon else Severity.MEDIUM,
            title=f"{item.key} waits on late work",
            detail=f"{_item(item)} depends on late work: " + "; ".join(r for _, r in late) + ".",
            action=_chase(ctx, blockers),
            milestone=_id(milestone),
            evidence=(item.key, *blockers),
            impact_days=max(gaps) if gaps else None,
        )


# --- rules on milestones ----------------------------------------------------------------


def _milestone_overdue(ctx: RuleContext) -> Iterator[Risk]:
    for m in ctx.open_milestones:
        if m.due is None or m.due >= ctx.today:
            continue
        days = (ctx.today - m.due).days
        still_open = _keys(ctx.open_in(m.id))
        yield ctx.risk(
            RiskRule.MILESTONE_OVERDUE,
            m.id,
            Severity.CRITICAL,
            title=f"'{m.name}' is overdue",
            detail=(
                f"'{m.name}' was due {m.due}, {days_text(days)} ago, "
                f"with {_count(len(still_open), 'open item')}."
            ),
            action="Agree a new date with the client or descope",
            milestone=m.id,
            evidence=still_open,
            impact_days=days,
        )


def _forecast_slip(ctx: RuleContext) -> Iterator[Risk]:
    for m in ctx.open_milestones:
        predicted = ctx.forecast.for_milestone(m.id)
        if m.due is None or predicted is None or not predicted.known:
            continue
        if m.due < ctx.today:
            continue  # already late: milestone-overdue says so, with more weight
        chance = predicted.probability_on_time
        if chance is None or chance >= ctx.settings.forecast_slip_probability:
            continue
        late = None
        detail = f"{chance:.0%} chance of finishing '{m.name}' by {m.due}"
        if predicted.p85 is not None:
            detail += f"; 85% likely by {predicted.p85}"
            if predicted.p85 > m.due:
                late = (predicted.p85 - m.due).days
                detail += f", {days_text(late)} late"
        yield ctx.risk(
            RiskRule.FORECAST_SLIP,
            m.id,
            _slip_severity(chance),
            title=f"'{m.name}' is likely to be late",
            detail=detail + ".",
            action="Descope, add capacity, or agree a new date with the client",
            milestone=m.id,
            evidence=_keys(ctx.open_in(m.id)),
            impact_days=late,
            impact_probability=chance,
        )


def _slip_severity(chance: float) -> Severity:
    if chance < 0.2:
        return Severity.CRITICAL
    if chance < 0.5:
        return Severity.HIGH
    if chance < 0.7:
        return Severity.MEDIUM
    return Severity.LOW


def _missing_due_date(ctx: RuleContext) -> Iterator[Risk]:
    for m in ctx.open_milestones:
        if m.due is not None:
            continue
        yield ctx.risk(
            RiskRule.MISSING_DUE_DATE,
            m.id,
            Severity.MEDIUM,
            title=f"'{m.name}' has no due date",
            detail=(
                f"'{m.name}' has {_count(len(ctx.open_in(m.id)), 'open item')} "
                "and no agreed due date."
            ),
            action="Agree a date with the client",
            milestone=m.id,
            evidence=(m.id,),
        )


def _missing_estimate(ctx: RuleContext) -> Iterator[Risk]:
    # A team that never estimates forecasts by item count: nothing is missing.
    if not any(i.estimate is not None for i in ctx.snapshot.items):
        return
    for m in ctx.open_milestones:
        work = ctx.open_in(m.id)
        missing = _keys(i for i in work if i.estimate is None)
        if not work or 100 * len(missing) / len(work) <= ctx.settings.missing_estimate_percent:
            continue
        yield ctx.risk(
            RiskRule.MISSING_ESTIMATE,
            m.id,
            Severity.LOW,
            title=f"'{m.name}' is not fully estimated",
            detail=(
                f"{len(missing)} of {_count(len(work), 'open item')} in '{m.name}' "
                f"have no estimate ({100 * len(missing) / len(work):.0f}%)."
            ),
            action="Estimate them, so the forecast uses their real size",
            milestone=m.id,
            evidence=missing,
        )


RULES: tuple[Callable[[RuleContext], Iterator[Risk]], ...] = (
    _overdue,
    _milestone_overdue,
    _forecast_slip,
    _blocked,
    _stale,
    _unassigned_due_soon,
    _missing_due_date,
    _missing_estimate,
    _client_waiting,
    _dependency_late,
)


# --- wording ----------------------------------------------------------------------------


def _chase(ctx: RuleContext, blockers: Sequence[str]) -> str:
    if not blockers:
        return "Find out who can remove the blocker and agree a date with them"
    owners = list(dict.fromkeys(a for k in blockers if (a := ctx.items[k].assignee) is not None))
    keys = ", ".join(blockers)
    if owners:
        return f"Chase the blocker with {', '.join(owners)} ({keys})"
    return f"Chase the blocker ({keys}) and give it an owner"


def _item(item: WorkItem) -> str:
    return f"{item.key} '{item.title}'"


def _id(milestone: Milestone | None) -> str | None:
    return milestone.id if milestone is not None else None


def _keys(items: Iterable[WorkItem]) -> tuple[str, ...]:
    return natural_sorted(i.key for i in items)


def natural_sorted(keys: Iterable[str]) -> tuple[str, ...]:
    """Unique keys in human order (P-2 before P-10), whatever order the tracker sent."""
    return tuple(sorted(set(keys), key=natural_key))


def days_text(n: int) -> str:
    return _count(n, "day")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
