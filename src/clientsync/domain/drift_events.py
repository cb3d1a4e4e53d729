"""Drift events: each difference between the agreed baseline and the snapshot, with why.

A change's reason and moment come from the recorded history (the latest matching change),
else from the item itself (`extra.change_reason` or a `reason: ...` label).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from .baseline import Baseline
from .drift_models import BUDGET_SUBJECT, BudgetBurn, DriftEvent, DriftKind, MilestoneDrift
from .model import ItemChange, ItemState, Snapshot, WorkItem

BURN_MARGIN_PERCENT = 10.0
"""Spending may run this many points ahead of progress before it is a change to announce."""


def find_events(
    plan: Plan, history: Sequence[ItemChange], budget: BudgetBurn | None
) -> list[DriftEvent]:
    """Every drift of `plan`, by milestone due date, then kind, then subject.

    Only history recorded since the baseline was captured can explain a change.
    """
    explain = _Explainer([c for c in history if c.at >= plan.baseline.captured_at])
    events = [*_scope_events(plan, explain), *_milestone_events(plan, explain)]
    if budget is not None and _overspending(budget):
        events.append(_budget_event(budget, explain))
    return sorted(events, key=plan.event_order)


class Plan:
    """The baseline and the snapshot side by side, with milestones in due-date order."""

    def __init__(self, baseline: Baseline, snapshot: Snapshot) -> None:
        self.baseline = baseline
        self.snapshot = snapshot
        self.now = {m.id: m for m in snapshot.milestones}
        self.agreed = baseline.milestones

        def due(mid: str) -> date | None:
            return self.due(mid) or self.agreed_due(mid)

        ids = sorted(set(self.now) | set(self.agreed))
        self.order = sorted(ids, key=lambda mid: (due(mid) is None, due(mid) or date.max, mid))
        self._rank = {mid: i for i, mid in enumerate(self.order)}

    def name(self, milestone_id: str) -> str:
        if milestone_id in self.now:
            return self.now[milestone_id].name
        if milestone_id in self.agreed:
            return self.agreed[milestone_id].name
        return milestone_id

    def due(self, milestone_id: str) -> date | None:
        m = self.now.get(milestone_id)
        return m.due if m is not None else None

    def agreed_due(self, milestone_id: str) -> date | None:
        m = self.agreed.get(milestone_id)
        return m.due if m is not None else None

    def agreed_milestone(self, key: str) -> str | None:
        return _first(self.baseline.item_milestones.get(key, ()))

    def milestone_order(self, milestone_id: str | None) -> tuple[int, int, str]:
        """Known milestones by due date, then ids nobody declares, then no milestone."""
        if milestone_id is None:
            return (2, 0, "")
        if milestone_id in self._rank:
            return (0, self._rank[milestone_id], "")
        return (1, 0, milestone_id)

    def event_order(self, event: DriftEvent) -> tuple[object, ...]:
        return (
            self.milestone_order(event.milestone),
            _KIND_ORDER[event.kind],
            natural_key(event.subject),
        )


_KIND_ORDER = {kind: i for i, kind in enumerate(DriftKind)}
_UNAGREED = object()  # not in the agreed scope (None there means agreed unestimated)
_ITEM_FIELDS: dict[DriftKind, frozenset[str]] = {
    DriftKind.SCOPE_ADDED: frozenset({"milestones", "state", "created"}),
    DriftKind.SCOPE_REMOVED: frozenset({"milestones", "state", "deleted"}),
    DriftKind.ESTIMATE_CHANGED: frozenset({"estimate"}),
}
_REASON_LABEL = re.compile(r"^(?:change[-_ ]?)?reason\s*[:=]\s*(?P<reason>.+)$", re.IGNORECASE)


class _Explainer:
    """Finds the reason and moment of a change from history, then from the item itself."""

    def __init__(self, history: Sequence[ItemChange]) -> None:
        self._by_key: dict[str, list[ItemChange]] = {}
        for change in history:
            self._by_key.setdefault(change.key, []).append(change)

    def __call__(
        self, key: str, fields: frozenset[str] | None, item: WorkItem | None = None
    ) -> tuple[str | None, datetime | None]:
        matching = [c for c in self._by_key.get(key, ()) if fields is None or c.field in fields]
        latest = max(matching, key=lambda c: (c.at, c.reason or ""), default=None)
        reason = _text(latest.reason) if latest is not None else None
        if reason is None and item is not None:
            reason = item_reason(item)
        return reason, latest.at if latest is not None else None


def item_reason(item: WorkItem) -> str | None:
    """A reason the item carries itself: `extra.change_reason`, or a `reason: ...` label."""
    given = item.extra.get("change_reason")
    if isinstance(given, str) and _text(given):
        return _text(given)
    for label in item.labels:
        match = _REASON_LABEL.match(label.strip())
        if match:
            return match.group("reason").strip()
    return None


def _scope_events(plan: Plan, explain: _Explainer) -> Iterator[DriftEvent]:
    agreed = plan.baseline.scope
    live: set[str] = set()
    for item in plan.snapshot.items:
        if item.state is ItemState.CANCELLED:
            continue
        key = item.key
        live.add(key)
        was = agreed.get(key, _UNAGREED)
        if was is _UNAGREED:
            kind = DriftKind.SCOPE_ADDED
            reason, at = explain(key, _ITEM_FIELDS[kind], item)
            yield DriftEvent(
                kind=kind,
                subject=key,
                title=f"Added {_describe(item)} ({amount(item.estimate, item)})",
                milestone=_first(item.milestones),
                after=item.estimate,
                at=at,
                reason=reason,
            )
        elif was != item.estimate:
            kind = DriftKind.ESTIMATE_CHANGED
            reason, at = explain(key, _ITEM_FIELDS[kind], item)
            yield DriftEvent(
                kind=kind,
                subject=key,
                title=(
                    f"Re-estimated {_describe(item)} from {amount(agreed[key], item)} "
                    f"to {amount(item.estimate, item)}"
                ),
                milestone=plan.agreed_milestone(key) or _first(item.milestones),
                before=agreed[key],
                after=item.estimate,
                at=at,
                reason=reason,
            )
    for key, estimate in agreed.items():
        if key in live:
            continue
        kind = DriftKind.SCOPE_REMOVED
        gone = plan.snapshot.item(key)
        reason, at = explain(key, _ITEM_FIELDS[kind], gone)
        how = "cancelled" if gone is not None else "no longer in the tracker"
        described = _describe(gone) if gone is not None else key
        yield DriftEvent(
            kind=kind,
            subject=key,
            title=f"Removed {described} ({amount(estimate, gone)}, {how})",
            milestone=plan.agreed_milestone(key),
            before=estimate,
            at=at,
            reason=reason,
        )


def _milestone_events(plan: Plan, explain: _Explainer) -> Iterator[DriftEvent]:
    for mid in plan.order:
        now, agreed = plan.now.get(mid), plan.agreed.get(mid)
        name = plan.name(mid)
        if now is not None and agreed is not None:
            if now.due == agreed.due:
                continue
            kind = DriftKind.MILESTONE_MOVED
            reason, at = explain(mid, frozenset({"due"}))
            days = None
            if now.due is not None and agreed.due is not None:
                days = (now.due - agreed.due).days
            title = f"'{name}': {moved_text(agreed.due, now.due, days)}"
            before, after = _iso(agreed.due), _iso(now.due)
        elif now is not None:
            kind, days = DriftKind.MILESTONE_ADDED, None
            reason, at = explain(mid, None)
            title = f"New milestone '{name}' ({_due_text(now.due)})"
            before, after = None, _iso(now.due)
        else:
            assert agreed is not None
            kind, days = DriftKind.MILESTONE_REMOVED, None
            reason, at = explain(mid, None)
            title = f"Milestone '{name}' removed (was {_due_text(agreed.due)})"
            before, after = _iso(agreed.due), None
        yield DriftEvent(
            kind=kind,
            subject=mid,
            title=title,
            milestone=mid,
            before=before,
            after=after,
            days=days,
            at=at,
            reason=reason,
        )


def moved_text(before: date | None, after: date | None, days: int | None) -> str:
    if before is None:
        return f"Due date set to {_iso(after)} (none was agreed)"
    if after is None:
        return f"Due date removed (was {_iso(before)})"
    return f"Due date moved from {_iso(before)} to {_iso(after)} ({signed_days(days or 0)})"


def signed_days(days: int) -> str:
    return f"{days:+d} day" + ("" if abs(days) == 1 else "s")


def budget_burn(baseline: Baseline, snapshot: Snapshot) -> BudgetBurn | None:
    if baseline.budget_hours is None:
        return None
    budget = baseline.budget_hours
    spent = 0.0
    done: set[str] = set()
    for item in snapshot.items:  # one pass for the spend and the progress
        if item.spent_hours:
            spent += item.spent_hours
        if item.state is ItemState.DONE:
            done.add(item.key)
    # Any spend on a zero budget is all of it; the ratio would be infinite.
    burn = spent / budget * 100 if budget > 0 else 100.0 * (spent > 0)
    return BudgetBurn(
        budget_hours=budget,
        spent_hours=round(spent, 2),
        burn_percent=round(burn, 1),
        progress_percent=round(_progress(baseline, done), 1),
    )


def _progress(baseline: Baseline, done: set[str]) -> float:
    """Share of the agreed scope done: by agreed estimate when every item has one."""
    if not baseline.scope:
        return 0.0
    sizes = list(baseline.scope.values())
    total = sum(s for s in sizes if s is not None)
    if None in sizes or total <= 0:
        return 100 * sum(1 for k in baseline.scope if k in done) / len(baseline.scope)
    return 100 * sum(s or 0.0 for k, s in baseline.scope.items() if k in done) / total


def _overspending(budget: BudgetBurn) -> bool:
    over = budget.spent_hours > budget.budget_hours
    return over or budget.burn_percent > budget.progress_percent + BURN_MARGIN_PERCENT


def _budget_event(budget: BudgetBurn, explain: _Explainer) -> DriftEvent:
    reason, at = explain(BUDGET_SUBJECT, None)
    over = "Over budget: spent" if budget.spent_hours > budget.budget_hours else "Spent"
    return DriftEvent(
        kind=DriftKind.BUDGET_BURN,
        subject=BUDGET_SUBJECT,
        title=(
            f"{over} {number(budget.spent_hours)} of {number(budget.budget_hours)} budgeted "
            f"hours ({budget.burn_percent:.0f}%) with {budget.progress_percent:.0f}% "
            "of the agreed scope done"
        ),
        before=budget.budget_hours,
        after=budget.spent_hours,
        at=at,
        reason=reason,
    )


def milestone_totals(plan: Plan, events: Sequence[DriftEvent]) -> Iterator[MilestoneDrift]:
    # Group once: a per-milestone scan of the whole scope is quadratic on large projects.
    agreed_by_milestone: dict[str | None, list[float | None]] = {}
    agreed_in = plan.baseline.item_milestones
    for key, size in plan.baseline.scope.items():
        first = agreed_in.get(key)  # Plan.agreed_milestone, inlined: once per agreed item
        agreed_by_milestone.setdefault(first[0] if first else None, []).append(size)
    events_by_milestone: dict[str | None, list[DriftEvent]] = {}
    for event in events:
        events_by_milestone.setdefault(event.milestone, []).append(event)
    for mid in plan.order:
        agreed_sizes = agreed_by_milestone.get(mid, [])
        mine = events_by_milestone.get(mid, [])
        added = [e for e in mine if e.kind is DriftKind.SCOPE_ADDED]
        removed = [e for e in mine if e.kind is DriftKind.SCOPE_REMOVED]
        changed = [e for e in mine if e.kind is DriftKind.ESTIMATE_CHANGED]
        before, after = plan.agreed_due(mid), plan.due(mid)
        yield MilestoneDrift(
            milestone=mid,
            name=plan.name(mid),
            baseline_due=before,
            due=after,
            slip_days=(after - before).days if before is not None and after is not None else 0,
            items_added=len(added),
            items_removed=len(removed),
            scope_change_percent_count=_percent(len(added) - len(removed), len(agreed_sizes)),
            scope_change_percent_estimate=_estimate_change(agreed_sizes, added, removed, changed),
        )


def _estimate_change(
    agreed: list[float | None],
    added: list[DriftEvent],
    removed: list[DriftEvent],
    changed: list[DriftEvent],
) -> float | None:
    values = [
        *agreed,
        *(e.after for e in added),
        *(e.before for e in changed),
        *(e.after for e in changed),
    ]
    if any(v is None for v in values):
        return None
    delta = (
        sum(float(e.after) for e in added)
        - sum(float(e.before) for e in removed)
        + sum(float(e.after) - float(e.before) for e in changed)
    )
    return _percent(delta, sum(v or 0.0 for v in agreed))


def _percent(delta: float, base: float) -> float:
    if base <= 0:
        # Nothing was agreed: any new work is all new.
        return 100.0 if delta > 0 else 0.0
    return round(100 * delta / base, 1)


# --- wording ----------------------------------------------------------------------------


def amount(value: float | None, item: WorkItem | None) -> str:
    """`5 points`, `1 hour`, `unestimated`."""
    if value is None:
        return "unestimated"
    unit = item.estimate_unit.value if item is not None else "points"
    return f"{number(value)} {unit[:-1] if value == 1 else unit}"


def number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """PROJ-2 before PROJ-12."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text)
        if part
    )


def _describe(item: WorkItem) -> str:
    return f"{item.key} '{item.title}'"


def _due_text(due: date | None) -> str:
    return f"due {due.isoformat()}" if due is not None else "no due date"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _first(values: Sequence[str]) -> str | None:
    return values[0] if values else None
