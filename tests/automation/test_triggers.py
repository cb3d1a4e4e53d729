"""Which applied changes are worth an immediate notice (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.automation import TriggerKind, find_triggers
from clientsync.domain.baseline import Baseline, BaselineMilestone
from clientsync.store import HistoryEntry

AT = datetime(2026, 3, 2, tzinfo=UTC)
BASELINE = Baseline(
    id="b1",
    name="Agreed",
    captured_at=AT,
    scope={"AC-1": 3.0, "AC-2": 1.0},
    item_milestones={"AC-1": ("m1",), "AC-2": ("m2",)},
    milestones={"m1": BaselineMilestone(name="Beta", due=date(2026, 4, 1))},
)


def _change(key: str, field: str, before: object, after: object) -> HistoryEntry:
    return HistoryEntry(key, field, before, after, AT)


def _kinds(*changes: HistoryEntry, **options: object) -> list[tuple[TriggerKind, str]]:
    asked: list[int] = []

    def baseline() -> Baseline | None:
        asked.append(1)
        return options.get("baseline", BASELINE)  # type: ignore[return-value]

    found = find_triggers(
        changes,
        milestone_ids=frozenset(options.get("milestone_ids", ())),  # type: ignore[arg-type]
        milestone_due=options.get("milestone_due", {}),  # type: ignore[arg-type]
        item_milestones=options.get("item_milestones", {}),  # type: ignore[arg-type]
        baseline=baseline,
    )
    assert len(asked) <= 1  # the baseline is read at most once
    return [(t.kind, t.subject) for t in found]


def test_a_milestone_date_move_is_definite() -> None:
    found = _kinds(_change("m1", "due", "2026-04-01", "2026-04-15"), milestone_ids={"m1"})
    assert found == [(TriggerKind.MILESTONE_MOVED, "m1")]


def test_blocking_is_definite_and_unblocking_is_not_a_trigger() -> None:
    assert _kinds(_change("AC-1", "blocked", False, True)) == [(TriggerKind.BLOCKED, "AC-1")]
    assert _kinds(_change("AC-1", "blocked", True, False)) == []
    created = _change("AC-9", "created", None, {"blocked": True, "milestones": []})
    assert _kinds(created) == [(TriggerKind.BLOCKED, "AC-9")]


def test_scope_added_to_a_committed_milestone() -> None:
    joined = _change("AC-2", "milestones", ["m2"], ["m1", "m2"])
    assert _kinds(joined) == [(TriggerKind.SCOPE_ADDED, "AC-2")]
    created = _change("AC-9", "created", None, {"milestones": ["m1"]})
    assert _kinds(created) == [(TriggerKind.SCOPE_ADDED, "AC-9")]
    # Back under the milestone it was agreed under: not new scope.
    assert _kinds(_change("AC-1", "milestones", [], ["m1"])) == [(TriggerKind.MAY_TURN_RED, "AC-1")]
    # A milestone the baseline does not commit, or no baseline at all.
    assert _kinds(_change("AC-2", "milestones", [], ["m9"])) == [(TriggerKind.MAY_TURN_RED, "AC-2")]
    assert _kinds(joined, baseline=None) == [(TriggerKind.MAY_TURN_RED, "AC-2")]


def test_a_due_date_passing_its_milestone_is_definite() -> None:
    options = {"milestone_due": {"m1": date(2026, 4, 1)}, "item_milestones": {"AC-1": ("m1",)}}
    past = _change("AC-1", "due", "2026-03-20", "2026-04-02")
    assert _kinds(past, **options) == [(TriggerKind.PAST_MILESTONE, "AC-1")]
    inside = _change("AC-1", "due", "2026-03-20", "2026-03-30")
    assert _kinds(inside, **options) == [(TriggerKind.MAY_TURN_RED, "AC-1")]
    already_past = _change("AC-1", "due", "2026-04-05", "2026-04-09")
    assert _kinds(already_past, **options) == [(TriggerKind.MAY_TURN_RED, "AC-1")]


def test_changes_outside_milestones_and_cosmetic_ones_trigger_nothing() -> None:
    assert _kinds(_change("AC-1", "title", "a", "b"), item_milestones={"AC-1": ("m1",)}) == []
    assert _kinds(_change("AC-1", "status", "To Do", "Doing")) == []
    assert _kinds(_change("AC-5", "state", "todo", "done")) == []  # in no milestone
    assert _kinds(_change("AC-5", "deleted", {"milestones": []}, None)) == []
    assert _kinds(_change("AC-5", "deleted", {"milestones": ["m1"]}, None)) == [
        (TriggerKind.MAY_TURN_RED, "AC-5")
    ]


@settings(max_examples=50, deadline=None)
@given(
    fields=st.lists(
        st.sampled_from(["title", "status", "labels", "assignee", "priority", "extra"]),
        max_size=8,
    )
)
def test_cosmetic_fields_never_trigger(fields: list[str]) -> None:
    changes = [_change("AC-1", f, "a", "b") for f in fields]
    assert _kinds(*changes, item_milestones={"AC-1": ("m1",)}) == []


def test_each_subject_and_kind_is_reported_once() -> None:
    twice = [_change("AC-1", "blocked", False, True), _change("AC-1", "blocked", None, True)]
    assert _kinds(*twice) == [(TriggerKind.BLOCKED, "AC-1")]
