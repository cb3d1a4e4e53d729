"""Which applied changes are worth telling on-change audiences at once. Pure.

A delivery triggers a change notice when it

- moves a milestone's date;
- adds scope to a milestone the baseline commits (an item not agreed under it joins it);
- blocks an item;
- moves an item's due date past the date of a milestone it belongs to (when the delivery
  carries that milestone): the milestone's date is now in doubt;
- may turn a milestone red: a change to what the milestone's RAG is judged on (state,
  due date, estimate, completion, membership, deletion) of an item that belongs to one.

The first four are news in themselves: they are published even when the overall RAG
and the set of change notices stay the same. Whether the last one really turned a
milestone red takes the forecast to tell, so it is left to the communication plan's
on-change rule (a new change notice or a different overall RAG). Anything else (a
title, a label, an assignee, a comment) triggers nothing, and no report is built for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from clientsync.domain.baseline import Baseline
from clientsync.store import HistoryEntry

_RAG_FIELDS = frozenset({"state", "due", "estimate", "completed_at", "milestones"})


class TriggerKind(StrEnum):
    MILESTONE_MOVED = "milestone-moved"
    SCOPE_ADDED = "scope-added"
    BLOCKED = "blocked"
    PAST_MILESTONE = "past-milestone"
    MAY_TURN_RED = "may-turn-red"


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    subject: str
    """The milestone id or the item key."""
    detail: str

    @property
    def definite(self) -> bool:
        """News in itself, published whatever the RAG does."""
        return self.kind is not TriggerKind.MAY_TURN_RED


def find_triggers(
    recorded: Iterable[HistoryEntry],
    *,
    milestone_ids: frozenset[str],
    milestone_due: Mapping[str, date | None],
    item_milestones: Mapping[str, Sequence[str]],
    baseline: Callable[[], Baseline | None],
) -> tuple[Trigger, ...]:
    """The triggers among `recorded` (the changes one delivery applied).

    `milestone_ids` names the milestones the delivery carried (a milestone's date change
    is recorded under its id); `milestone_due` holds the dates of the milestones known;
    `item_milestones` maps the delivered items' keys to their milestones; `baseline` is
    asked only when scope may have been added.
    """
    found: dict[tuple[TriggerKind, str], Trigger] = {}
    agreed: list[Baseline | None] = []

    def committed() -> Baseline | None:
        if not agreed:
            agreed.append(baseline())
        return agreed[0]

    for change in recorded:
        for trigger in _judge(change, milestone_ids, milestone_due, item_milestones, committed):
            found.setdefault((trigger.kind, trigger.subject), trigger)
    return tuple(found.values())


def _judge(
    change: HistoryEntry,
    milestone_ids: frozenset[str],
    milestone_due: Mapping[str, date | None],
    item_milestones: Mapping[str, Sequence[str]],
    committed: Callable[[], Baseline | None],
) -> Iterable[Trigger]:
    key, name = change.key, change.field
    if name == "due" and key in milestone_ids:
        if change.before != change.after:
            yield Trigger(
                TriggerKind.MILESTONE_MOVED,
                key,
                f"milestone {key} due {change.before or 'none'} -> {change.after or 'none'}",
            )
        return
    if name == "blocked":
        if change.after is True and not change.before:
            yield Trigger(TriggerKind.BLOCKED, key, f"{key} is blocked")
        return
    if name == "created":
        values = change.after if isinstance(change.after, Mapping) else {}
        if values.get("blocked") is True:
            yield Trigger(TriggerKind.BLOCKED, key, f"{key} was created blocked")
        joined = _ids(values.get("milestones"))
        yield from _joined(key, joined, committed)
        return
    if name == "deleted":
        before = change.before if isinstance(change.before, Mapping) else {}
        if _ids(before.get("milestones")):
            yield _may_turn_red(key, "deleted")
        return
    if name == "milestones":
        joined = _ids(change.after) - _ids(change.before)
        if joined:
            yield from _joined(key, joined, committed)
        elif _ids(change.before) - _ids(change.after):
            yield _may_turn_red(key, "left a milestone")
        return
    if name == "due":
        passed = _milestones_passed(change, item_milestones.get(key, ()), milestone_due)
        if passed:
            after = change.after
            yield Trigger(
                TriggerKind.PAST_MILESTONE,
                key,
                f"{key} now due {after}, after {', '.join(passed)}",
            )
            return
    if name in _RAG_FIELDS and item_milestones.get(key):
        yield _may_turn_red(key, f"{name} changed")


def _milestones_passed(
    change: HistoryEntry, milestones: Sequence[str], milestone_due: Mapping[str, date | None]
) -> list[str]:
    """The item's milestones whose date its new due date passes and its old one did not."""
    after, before = _day(change.after), _day(change.before)
    if after is None:
        return []
    passed = []
    for milestone in milestones:
        due = milestone_due.get(milestone)
        if due is not None and after > due and (before is None or before <= due):
            passed.append(f"milestone {milestone} ({due.isoformat()})")
    return passed


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _joined(
    key: str, joined: frozenset[str], committed: Callable[[], Baseline | None]
) -> Iterable[Trigger]:
    """An item joined milestones: scope added where the baseline commits them and did not
    agree this item under them; otherwise only the RAG may move."""
    if not joined:
        return
    baseline = committed()
    if baseline is not None:
        agreed_under = set(baseline.item_milestones.get(key, ()))
        added = sorted(m for m in joined & set(baseline.milestones) if m not in agreed_under)
        if added:
            names = ", ".join(repr(baseline.milestones[m].name) for m in added)
            yield Trigger(TriggerKind.SCOPE_ADDED, key, f"{key} added to committed {names}")
            return
    yield _may_turn_red(key, "joined a milestone")


def _may_turn_red(key: str, what: str) -> Trigger:
    return Trigger(TriggerKind.MAY_TURN_RED, key, f"{key} {what}")


def _ids(value: Any) -> frozenset[str]:
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    return frozenset()
