"""Accepting one change notice: the previous baseline with only that notice's drift agreed.

A client who signs off one notice has not agreed the others, so the new baseline version
is the old one with just the accepted notice folded in; every other notice stays open.
Which changes a notice holds is the drift view's own answer (`find_events`, grouped as
`change_notices` groups them), so acceptance and the reports cannot disagree:

- a milestone's notice: the milestone takes its current name and due date (or leaves the
  baseline when it was removed, or joins it when new); each item the notice lists takes
  its current estimate and milestones (or leaves the scope when removed). Items that only
  moved in or out of the milestone, which no notice lists, take their current milestones.
- `unplanned`: the items the notice lists (added, removed or re-estimated outside any
  milestone) the same way.
- `budget`: the budget becomes what the notice projects the agreed scope needs at the
  current rate (`expected_budget_hours`); while nothing agreed is done there is no
  projection, so the budget stays and the notice shows as signed off.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .baseline import Baseline, BaselineMilestone, ChangeAcknowledgement
from .drift_events import Plan, budget_burn, find_events
from .drift_models import (
    BUDGET_SUBJECT,
    UNPLANNED_NOTICE,
    BudgetBurn,
    DriftEvent,
    DriftKind,
    notice_id_of,
)
from .drift_notices import BUDGET_NAME, UNPLANNED_NAME
from .model import ItemState, Snapshot, WorkItem

_ITEM_KINDS = frozenset(
    {DriftKind.SCOPE_ADDED, DriftKind.SCOPE_REMOVED, DriftKind.ESTIMATE_CHANGED}
)


def open_notices(baseline: Baseline, snapshot: Snapshot) -> dict[str, tuple[DriftEvent, ...]]:
    """The events of each change notice of `snapshot` against `baseline`, by notice id, in
    the reports' order: the notices `compute_drift` makes, without their forecasts.

    The events carry no reason or moment (no history is read): which changes a notice
    holds does not depend on why they happened.
    """
    events = find_events(Plan(baseline, snapshot), (), budget_burn(baseline, snapshot))
    grouped: dict[str, list[DriftEvent]] = {}
    for event in events:
        grouped.setdefault(notice_id_of(event), []).append(event)
    return {nid: tuple(group) for nid, group in grouped.items()}


def notice_title(baseline: Baseline, snapshot: Snapshot, notice: str) -> str:
    """The heading a report gives notice `notice`: the milestone's name, or what it covers."""
    if notice == BUDGET_SUBJECT:
        return BUDGET_NAME
    if notice == UNPLANNED_NOTICE:
        return UNPLANNED_NAME
    return Plan(baseline, snapshot).name(notice)


def expected_budget_hours(burn: BudgetBurn) -> float | None:
    """The budget a client agrees to by accepting the budget notice: the hours the notice
    says the agreed scope needs at this rate (spent hours over the share of agreed scope
    done), to the hour as the notice states it, never less than what is already spent.

    None while none of the agreed scope is done: there is no rate to project from yet.
    """
    projected = burn.projected_hours
    if projected is None:
        return None
    return max(float(round(projected)), burn.spent_hours)


def fold_notice(
    baseline: Baseline,
    snapshot: Snapshot,
    notice_id: str,
    *,
    id: str,
    captured_at: datetime,
    agreed_by: str,
    summary: str,
    note: str | None = None,
    name: str | None = None,
    shown_budget: BudgetBurn | None = None,
) -> Baseline:
    """The next baseline version: `baseline` with notice `notice_id`'s changes agreed.

    Everything the notice does not hold is carried over as it was, with the assumptions,
    constraints and the record of sign-offs, to which this one is added (`summary`: the
    notice in one line as the client saw it, e.g. `notice_summary`). `shown_budget` is the
    budget burn the client was shown, whose projection a budget sign-off agrees to (the
    client's view leaves out internal work); by default, the burn on `snapshot`.

    Raises ValueError when `snapshot` has no such notice against `baseline`.
    """
    notices = open_notices(baseline, snapshot)
    events = notices.get(notice_id)
    if events is None:
        known = ", ".join(sorted(notices)) or "none"
        raise ValueError(f"no change notice {notice_id!r} to accept; open notices: {known}")
    scope = dict(baseline.scope)
    item_milestones = dict(baseline.item_milestones)
    milestones = dict(baseline.milestones)
    budget_hours = baseline.budget_hours
    items = snapshot.items_by_key()
    for event in events:
        if event.kind in _ITEM_KINDS:
            _agree_item(event.subject, items, scope, item_milestones)
    if notice_id == BUDGET_SUBJECT:
        burn = shown_budget if shown_budget is not None else budget_burn(baseline, snapshot)
        expected = expected_budget_hours(burn) if burn is not None else None
        if expected is not None:
            budget_hours = expected
    elif notice_id != UNPLANNED_NOTICE:
        _agree_milestone(notice_id, snapshot, milestones)
        listed = {e.subject for group in notices.values() for e in group if e.kind in _ITEM_KINDS}
        _agree_memberships(notice_id, snapshot, listed, scope, item_milestones)
    accepted = f"accepted change notice {notice_id} ({summary})"
    return Baseline(
        id=id,
        name=name or f"Baseline {captured_at.date().isoformat()}",
        captured_at=captured_at,
        agreed_by=agreed_by,
        agreed_at=captured_at,
        note=f"{accepted}. {note}" if note else accepted,
        scope=scope,
        item_milestones=item_milestones,
        milestones=milestones,
        budget_hours=budget_hours,
        assumptions=baseline.assumptions,
        constraints=baseline.constraints,
        acknowledgements=(
            *baseline.acknowledgements,
            ChangeAcknowledgement(
                notice_id=notice_id,
                summary=summary,
                acknowledged_by=agreed_by,
                acknowledged_at=captured_at,
                note=note,
            ),
        ),
    )


def _agree_item(
    key: str,
    items: Mapping[str, WorkItem],
    scope: dict[str, float | None],
    item_milestones: dict[str, tuple[str, ...]],
) -> None:
    """The item as it is now: in scope with its estimate and milestones, or out of it."""
    item = items.get(key)
    if item is None or item.state is ItemState.CANCELLED:
        scope.pop(key, None)
        item_milestones.pop(key, None)
        return
    scope[key] = item.estimate
    _set_membership(key, item.milestones, item_milestones)


def _agree_milestone(
    mid: str, snapshot: Snapshot, milestones: dict[str, BaselineMilestone]
) -> None:
    now = snapshot.milestone(mid)
    if now is None:
        milestones.pop(mid, None)
    else:
        milestones[mid] = BaselineMilestone(name=now.name, due=now.due)


def _agree_memberships(
    mid: str,
    snapshot: Snapshot,
    listed: set[str],
    scope: dict[str, float | None],
    item_milestones: dict[str, tuple[str, ...]],
) -> None:
    """Agreed items no notice lists that moved into or out of `mid`: the move is agreed.

    Their estimates are unchanged (else a notice would list them), so only the milestones
    they are agreed under change; an item a notice lists is that notice's to agree.
    """
    for item in snapshot.items:
        key = item.key
        if key in listed or key not in scope or item.state is ItemState.CANCELLED:
            continue
        agreed = item_milestones.get(key, ())
        if agreed != item.milestones and (mid in agreed or mid in item.milestones):
            _set_membership(key, item.milestones, item_milestones)


def _set_membership(
    key: str, current: tuple[str, ...], item_milestones: dict[str, tuple[str, ...]]
) -> None:
    if current:
        item_milestones[key] = current
    else:
        item_milestones.pop(key, None)
