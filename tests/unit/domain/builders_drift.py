"""Builders for the drift tests: a baseline, a project now, and a steady team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from clientsync.domain.baseline import Baseline, capture_baseline
from clientsync.domain.drift import DriftKind, DriftView, compute_drift
from clientsync.domain.model import ItemChange, ItemState, Milestone, Project, Snapshot, WorkItem
from clientsync.domain.settings import ForecastSettings

AS_OF = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
AGREED_AT = AS_OF - timedelta(days=20)
FAST = ForecastSettings(trials=500)


def days(n: int) -> date:
    """TODAY shifted by n days (negative: in the past)."""
    return TODAY + timedelta(days=n)


def ago(n: float) -> datetime:
    return AS_OF - timedelta(days=n)


def item(
    key: str,
    *,
    milestone: str | None = "m1",
    estimate: float | None = None,
    state: ItemState = ItemState.TODO,
    created_ago: float = 30,
    **fields: Any,
) -> WorkItem:
    return WorkItem(
        id=key.lower(),
        key=key,
        title=fields.pop("title", f"Work {key}"),
        state=state,
        milestones=(milestone,) if milestone else (),
        estimate=estimate,
        created=ago(created_ago),
        updated=ago(1),
        **fields,
    )


def steady_team(per_day: int = 1, estimate: float | None = None) -> list[WorkItem]:
    """`per_day` items done on each of the 42 window days: every trial draws the same day."""
    return [
        item(
            f"DONE-{d}-{n}",
            milestone=None,
            estimate=estimate,
            state=ItemState.DONE,
            completed_at=ago(d),
            created_ago=60,
        )
        for d in range(1, 43)
        for n in range(per_day)
    ]


def milestone(mid: str = "m1", due: date | None = None, **fields: Any) -> Milestone:
    return Milestone(id=mid, name=fields.pop("name", f"Milestone {mid}"), due=due, **fields)


def snapshot(items: Sequence[WorkItem], milestones: Sequence[Milestone] | None = None) -> Snapshot:
    return Snapshot(
        project=Project(id="acme", name="Acme"),
        taken_at=AS_OF,
        items=tuple(items),
        milestones=tuple(milestones if milestones is not None else [milestone(due=days(30))]),
    )


def agree(snap: Snapshot, **fields: Any) -> Baseline:
    """The baseline the client agreed to, captured from `snap` 20 days ago."""
    return capture_baseline(snap, id="b1", captured_at=AGREED_AT, agreed_by="Client", **fields)


def drift(
    baseline: Baseline,
    snap: Snapshot,
    history: Sequence[ItemChange] = (),
    settings: ForecastSettings = FAST,
    **kwargs: Any,
) -> DriftView:
    return compute_drift(baseline, snap, as_of=AS_OF, history=history, settings=settings, **kwargs)


def change(
    key: str, field: str, *, at: datetime | None = None, reason: str | None = None
) -> ItemChange:
    return ItemChange(key=key, field=field, at=at or ago(5), reason=reason)


def kinds(view: DriftView) -> list[tuple[DriftKind, str]]:
    return [(e.kind, e.subject) for e in view.events]


# --- hypothesis -------------------------------------------------------------------------

MILESTONE_IDS = ("m1", "m2", "m3")


@st.composite
def items_st(draw: st.DrawFn, prefix: str = "P", max_size: int = 8) -> list[WorkItem]:
    numbers = draw(st.lists(st.integers(1, 200), unique=True, max_size=max_size))
    result = []
    for n in numbers:
        state = draw(st.sampled_from(ItemState))
        done = state is ItemState.DONE
        result.append(
            item(
                f"{prefix}-{n}",
                milestone=draw(st.sampled_from((*MILESTONE_IDS, None))),
                estimate=draw(st.one_of(st.none(), st.integers(0, 13).map(float))),
                state=state,
                created_ago=draw(st.integers(1, 90)),
                completed_at=ago(draw(st.integers(1, 50))) if done else None,
                spent_hours=draw(st.one_of(st.none(), st.floats(0, 40, allow_nan=False))),
                labels=draw(st.sampled_from(((), ("reason: agreed in a call",)))),
            )
        )
    return result


@st.composite
def snapshots_st(draw: st.DrawFn) -> Snapshot:
    ids = draw(st.lists(st.sampled_from(MILESTONE_IDS), unique=True, max_size=3))
    milestones = [
        milestone(
            mid,
            due=draw(st.one_of(st.none(), st.integers(-10, 60).map(days))),
            done=draw(st.booleans()),
        )
        for mid in ids
    ]
    return snapshot(draw(items_st()), milestones)
