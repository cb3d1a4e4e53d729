"""The retrospective: what was planned against what happened, drawn from the figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from pydantic import Field

from .base import DomainModel
from .baseline import Baseline
from .forecast import Forecast, local_date
from .model import ItemChange, ItemState, Milestone, Snapshot
from .risk import Risk

TOP_RULE_FINDINGS = 3
"""How many risk rules the findings describe, longest-lasting first."""


class RiskSpan(DomainModel):
    id: str
    rule: str
    severity: str = Field(description="The worst severity it reached.")
    first_seen: date
    last_seen: date
    days: int
    came_true: bool = Field(description="Its milestone finished late or is overdue.")


class MilestoneRetro(DomainModel):
    id: str
    name: str
    baseline_due: date | None = None
    final_due: date | None = None
    completed_on: date | None = None
    slip_days: int | None = Field(None, description="Completion (or today) vs baseline due.")
    items_added: int = 0
    items_removed: int = 0
    scope_change_percent: float = 0.0
    risks: tuple[RiskSpan, ...] = ()
    forecast_error_days: int | None = Field(
        None, description="Earliest recorded P85 minus actual completion (negative: late)."
    )
    removed: bool = Field(False, description="In the baseline, gone from the project now.")


class Retrospective(DomainModel):
    as_of: date
    milestones: tuple[MilestoneRetro, ...] = ()
    date_changes: int = 0
    findings: tuple[str, ...] = ()
    baseline_id: str | None = None
    items_added: int = Field(0, description="Items in scope now and not in the baseline.")
    items_removed: int = Field(0, description="Baseline items gone or cancelled.")
    scope_change_percent: float | None = Field(
        None, description="Net item-count growth vs the baseline; null without one."
    )


def build_retrospective(
    snapshot: Snapshot,
    *,
    as_of: datetime,
    baseline: Baseline | None = None,
    history: Sequence[ItemChange] = (),
    registers: Sequence[tuple[date, Sequence[Risk]]] = (),
    forecasts: Sequence[Forecast] = (),
) -> Retrospective:
    """Planned against actual per milestone, with the risks and forecasts recorded on the way.

    `registers` are past risk registers with the day each was made; `forecasts` are past
    forecasts (each knows its day). Both may come in any order.
    """
    today = local_date(as_of, snapshot)
    spans = _risk_spans(registers)
    # Same-day forecasts tie-break on their content, so input order never matters.
    ordered = sorted(forecasts, key=lambda f: (f.as_of, f.model_dump_json()))
    retros = [
        _milestone_retro(mid, snapshot, baseline, spans, ordered, today)
        for mid in _milestone_ids(snapshot, baseline)
    ]
    retros.sort(key=lambda r: (_planned_due(r) is None, _planned_due(r) or date.max, r.id))

    added = removed = 0
    percent = None
    if baseline is not None:
        now = {i.key for i in snapshot.items if i.state is not ItemState.CANCELLED}
        agreed = set(baseline.scope)
        added, removed = len(now - agreed), len(agreed - now)
        percent = _percent(added - removed, len(agreed))
    retro = Retrospective(
        as_of=today,
        milestones=tuple(retros),
        date_changes=sum(1 for change in history if change.field == "due"),
        baseline_id=baseline.id if baseline is not None else None,
        items_added=added,
        items_removed=removed,
        scope_change_percent=percent,
    )
    all_spans = [span for span, _ in spans.values()]
    return retro.model_copy(update={"findings": _findings(retro, all_spans, baseline)})


# --- per milestone ----------------------------------------------------------------------


def _milestone_ids(snapshot: Snapshot, baseline: Baseline | None) -> list[str]:
    ids = [m.id for m in snapshot.milestones]
    if baseline is not None:
        ids += sorted(set(baseline.milestones) - set(ids))
    return ids


def _milestone_retro(
    milestone_id: str,
    snapshot: Snapshot,
    baseline: Baseline | None,
    spans: dict[str, tuple[RiskSpan, str | None]],
    forecasts: Sequence[Forecast],
    today: date,
) -> MilestoneRetro:
    milestone = snapshot.milestone(milestone_id)
    agreed = baseline.milestones.get(milestone_id) if baseline is not None else None
    name = milestone.name if milestone is not None else agreed.name if agreed else milestone_id
    baseline_due = agreed.due if agreed is not None else None
    final_due = milestone.due if milestone is not None else None
    completed = _completed_on(milestone, snapshot) if milestone is not None else None

    slip = None
    if milestone is not None and baseline_due is not None:
        # An open milestone has slipped by the days already past its date, never negatively:
        # "-12" would read as early when it only means "not due yet".
        slip = (
            (completed - baseline_due).days
            if completed is not None
            else max(0, (today - baseline_due).days)
        )
    reference = baseline_due or final_due
    late = (
        milestone is not None
        and reference is not None
        and (completed if completed is not None else today) > reference
    )

    added = removed = 0
    percent = 0.0
    if baseline is not None:
        now = {
            i.key
            for i in snapshot.items
            if milestone_id in i.milestones and i.state is not ItemState.CANCELLED
        }
        was = {key for key, ids in baseline.item_milestones.items() if milestone_id in ids}
        added, removed = len(now - was), len(was - now)
        percent = _percent(added - removed, len(was))

    risks = sorted(
        (
            span.model_copy(update={"came_true": late})
            for span, m in spans.values()
            if m == milestone_id
        ),
        key=lambda s: (s.first_seen, s.id),
    )
    return MilestoneRetro(
        id=milestone_id,
        name=name,
        baseline_due=baseline_due,
        final_due=final_due,
        completed_on=completed,
        slip_days=slip,
        items_added=added,
        items_removed=removed,
        scope_change_percent=percent,
        risks=tuple(risks),
        forecast_error_days=_forecast_error(milestone_id, completed, forecasts),
        removed=milestone is None,
    )


def _completed_on(milestone: Milestone, snapshot: Snapshot) -> date | None:
    """Its own completion date, else when its last item was done once all are closed."""
    if milestone.completed_at is not None:
        return local_date(milestone.completed_at, snapshot)
    items = [i for i in snapshot.items if milestone.id in i.milestones]
    if not items or any(i.is_open for i in items):
        return None
    moments = [i.completed_at for i in items if i.completed_at is not None]
    return local_date(max(moments), snapshot) if moments else None


def _forecast_error(
    milestone_id: str, completed: date | None, forecasts: Sequence[Forecast]
) -> int | None:
    """The earliest P85 made on or before completion, minus completion."""
    if completed is None:
        return None
    for forecast in forecasts:
        predicted = forecast.for_milestone(milestone_id)
        if forecast.as_of <= completed and predicted is not None and predicted.p85 is not None:
            return (predicted.p85 - completed).days
    return None


def _risk_spans(
    registers: Sequence[tuple[date, Sequence[Risk]]],
) -> dict[str, tuple[RiskSpan, str | None]]:
    """Each risk id's span and the milestone it last threatened (came_true left False)."""
    seen: dict[str, list[tuple[date, Risk]]] = defaultdict(list)
    for day, register in registers:
        for risk in register:
            seen[risk.id].append((day, risk))
    spans = {}
    for risk_id in sorted(seen):
        sightings = seen[risk_id]
        first = min(min(day, risk.first_seen) for day, risk in sightings)
        last = max(day for day, _ in sightings)
        worst = max((risk for _, risk in sightings), key=lambda r: r.severity.rank)
        # The last day's sighting names rule and milestone; same-day duplicates by content.
        latest = max(sightings, key=lambda s: (s[0], s[1].model_dump_json()))[1]
        span = RiskSpan(
            id=risk_id,
            rule=latest.rule.value,
            severity=worst.severity.value,
            first_seen=first,
            last_seen=last,
            days=(last - first).days,
            came_true=False,
        )
        spans[risk_id] = (span, latest.milestone)
    return spans


def _planned_due(retro: MilestoneRetro) -> date | None:
    return retro.final_due or retro.baseline_due


def _percent(change: int, base: int) -> float:
    if base == 0:
        return 100.0 if change > 0 else 0.0
    return round(100 * change / base, 1)


# --- findings ---------------------------------------------------------------------------


def _findings(
    retro: Retrospective, spans: Sequence[RiskSpan], baseline: Baseline | None
) -> tuple[str, ...]:
    word = "agreed date" if baseline is not None else "due date"
    return (
        *_lateness_findings(retro, word),
        *_scope_findings(retro),
        *_forecast_findings(retro.milestones),
        *_risk_findings(retro.milestones, spans),
        *(
            [f"Due dates were changed {_count(retro.date_changes, 'time')}"]
            if retro.date_changes
            else []
        ),
    )


def _lateness_findings(retro: Retrospective, word: str) -> list[str]:
    findings = []
    finished = [
        (r, (r.completed_on - reference).days)
        for r in retro.milestones
        if r.completed_on is not None and (reference := r.baseline_due or r.final_due)
    ]
    late = [days for _, days in finished if days > 0]
    if late:
        average = sum(late) / len(late)
        findings.append(
            f"{len(late)} of {_count(len(finished), 'milestone')} finished late, "
            f"by {_number(average)} {'day' if average == 1 else 'days'}"
            + (" on average" if len(late) > 1 else "")
        )
    elif finished:
        findings.append(
            f"All {_count(len(finished), 'finished milestone')} met their {word}"
            if len(finished) > 1
            else f"'{finished[0][0].name}' met its {word}"
        )
    for r in retro.milestones:
        reference = r.baseline_due or r.final_due
        if r.completed_on is None and not r.removed and reference and retro.as_of > reference:
            findings.append(
                f"'{r.name}' is still open, {_count((retro.as_of - reference).days, 'day')} "
                f"past its {word}"
            )
    return findings


def _scope_findings(retro: Retrospective) -> list[str]:
    if retro.scope_change_percent is None:
        return []
    added, removed, percent = retro.items_added, retro.items_removed, retro.scope_change_percent
    if not added and not removed:
        return ["Scope held to the baseline"]
    counts = f"({added} added, {removed} removed)"
    if percent == 0:
        return [f"Scope changed but kept its size {counts}"]
    grew = percent > 0
    sentence = (
        f"Scope {'grew' if grew else 'shrank'} {abs(percent):.0f}% after the baseline {counts}"
    )
    moved = added if grew else removed

    def change(r: MilestoneRetro) -> int:
        return r.items_added if grew else r.items_removed

    # The milestones are in due order, so a tie names the earlier one.
    top = max(retro.milestones, key=change, default=None)
    if top is not None and change(top) > 0 and 2 * change(top) >= moved:
        sentence += f", mostly in '{top.name}'"
    return [sentence]


def _forecast_findings(milestones: Iterable[MilestoneRetro]) -> list[str]:
    findings = []
    for r in milestones:
        error = r.forecast_error_days
        if error is None:
            continue
        if error == 0:
            findings.append(f"The forecast's P85 was exact for '{r.name}'")
        elif error > 0:
            findings.append(
                f"The forecast's P85 held for '{r.name}': it finished "
                f"{_count(error, 'day')} before it"
            )
        else:
            findings.append(f"'{r.name}' finished {_count(-error, 'day')} after the forecast's P85")
    return findings


def _risk_findings(milestones: Sequence[MilestoneRetro], spans: Sequence[RiskSpan]) -> list[str]:
    findings = []
    by_rule: dict[str, list[int]] = defaultdict(list)
    for span in spans:
        by_rule[span.rule].append(span.days)
    averages = sorted(
        ((sum(days) / len(days), len(days), rule) for rule, days in by_rule.items()),
        key=lambda entry: (-entry[0], entry[2]),
    )
    for average, count, rule in averages[:TOP_RULE_FINDINGS]:
        lasted = f"{_number(average)} {'day' if average == 1 else 'days'}"
        findings.append(
            f"'{rule}' risks lasted {lasted} on average"
            if count > 1
            else f"The '{rule}' risk lasted {lasted}"
        )
    tied = [span for r in milestones for span in r.risks]
    if tied:
        came_true = sum(1 for span in tied if span.came_true)
        findings.append(
            f"{came_true} of {_count(len(tied), 'risk')} raised on milestones came true"
        )
    return findings


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
