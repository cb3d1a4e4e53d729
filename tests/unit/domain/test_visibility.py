"""No internal item, internal label, assignee or raw field reaches a client-level report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.baseline import capture_baseline
from clientsync.domain.model import (
    ItemChange,
    ItemState,
    Milestone,
    Project,
    Snapshot,
    Visibility,
    WorkItem,
)
from clientsync.domain.report import build_report
from clientsync.domain.settings import ForecastSettings, ReportSettings
from clientsync.domain.visibility import (
    DetailLevel,
    VisibilityPolicy,
    hidden_item_keys,
    visible_snapshot,
)
from clientsync.render.markdown import render_markdown

AS_OF = datetime(2026, 11, 27, 9, tzinfo=UTC)
CANARY = "zqxCANARYqxz"
POLICY = VisibilityPolicy(internal_labels=("internal", f"{CANARY}-label"))
FAST = ReportSettings(forecast=ForecastSettings(trials=200))


def make_item(n: int, **fields: object) -> WorkItem:
    base: dict[str, object] = {
        "id": str(n),
        "key": f"P-{n}",
        "title": f"Item {n}",
        "created": AS_OF - timedelta(days=60),
        "updated": AS_OF - timedelta(days=2),
        "milestones": ("m1",),
    }
    base.update(fields)
    return WorkItem.model_validate(base)


@st.composite
def leaky_snapshots(draw: st.DrawFn) -> Snapshot:
    items = []
    for n in range(draw(st.integers(1, 25))):
        internal_how = draw(st.sampled_from(["no", "flag", "label", "canary-label", "child"]))
        state = draw(st.sampled_from(list(ItemState)))
        done = state is ItemState.DONE
        fields: dict[str, object] = {
            "state": state,
            "completed_at": AS_OF - timedelta(days=draw(st.integers(0, 40))) if done else None,
            "due": draw(st.none() | st.dates(date(2026, 11, 1), date(2027, 2, 1))),
            "blocked": draw(st.booleans()),
            "client_request": draw(st.booleans()),
            "estimate": draw(st.none() | st.sampled_from([1.0, 3.0])),
            "assignee": f"{CANARY} person {n}",
            "extra": {"raw": f"{CANARY} raw {n}"},
            "labels": ("frontend",),
        }
        if internal_how == "flag":
            fields.update(visibility=Visibility.INTERNAL, title=f"{CANARY} secret {n}")
        elif internal_how == "label":
            fields.update(
                labels=("Internal",),
                title=f"{CANARY} labelled {n}",
                blocked_reason=f"{CANARY} reason",
            )
        elif internal_how == "canary-label":
            fields.update(labels=(f"{CANARY}-label",), key=f"{CANARY}-{n}")
        elif internal_how == "child" and items and items[0].visibility is Visibility.INTERNAL:
            fields.update(parent=items[0].key, title=f"{CANARY} child {n}")
        if items and draw(st.booleans()):
            fields["blocked_by"] = (items[-1].key,)
        items.append(make_item(n, **fields))
    return Snapshot(
        project=Project(id="p", name="P"),
        taken_at=AS_OF,
        items=tuple(items),
        milestones=(Milestone(id="m1", name="M1", due=date(2026, 12, 20)),),
    )


@settings(max_examples=60, deadline=None)
@given(leaky_snapshots(), st.sampled_from([DetailLevel.CLIENT, DetailLevel.EXECUTIVE]))
def test_no_canary_reaches_a_client_level_report(snapshot: Snapshot, level: DetailLevel) -> None:
    baseline = capture_baseline(snapshot, id="b1", captured_at=AS_OF - timedelta(days=20))
    # Assignee changes of every item, and title changes of the internal items.
    history = tuple(
        ItemChange(
            key=i.key,
            field=field,
            before=f"{CANARY} old",
            after=f"{CANARY} new",
            at=AS_OF - timedelta(days=1),
            reason=f"{CANARY} why",
        )
        for i in snapshot.items
        for field in ("title", "assignee")
        if field == "assignee" or CANARY in i.title or CANARY in i.key
    )
    report = build_report(
        snapshot,
        as_of=AS_OF,
        baseline=baseline,
        history=history,
        policy=POLICY,
        settings=FAST,
        level=level,
    )
    assert CANARY not in report.to_json()
    assert CANARY not in render_markdown(report)


def test_internal_level_sees_everything() -> None:
    snapshot = Snapshot(
        project=Project(id="p", name="P"),
        taken_at=AS_OF,
        items=(make_item(1, visibility=Visibility.INTERNAL, assignee="Dana"),),
    )
    assert visible_snapshot(snapshot, DetailLevel.INTERNAL, POLICY) == snapshot


def test_children_of_internal_items_are_hidden_too() -> None:
    snapshot = Snapshot(
        project=Project(id="p", name="P"),
        taken_at=AS_OF,
        items=(
            make_item(1, labels=("internal",)),
            make_item(2, parent="P-1"),
            make_item(3, parent="P-2"),
            make_item(4),
        ),
    )
    assert hidden_item_keys(snapshot, POLICY) == {"P-1", "P-2", "P-3"}
    assert [i.key for i in visible_snapshot(snapshot, DetailLevel.CLIENT, POLICY).items] == ["P-4"]


def test_client_level_blanks_people_and_raw_fields_but_keeps_the_work() -> None:
    snapshot = Snapshot(
        project=Project(id="p", name="P"),
        taken_at=AS_OF,
        items=(
            make_item(
                1,
                assignee="Dana",
                extra={"x": 1},
                labels=("ux", "internal-note"),
                spent_hours=3.0,
                blocked_by=("P-9",),
            ),
        ),
    )
    client = visible_snapshot(snapshot, DetailLevel.CLIENT, POLICY).items[0]
    assert client.assignee is None
    assert client.extra == {}
    assert client.labels == ("ux", "internal-note")
    assert client.spent_hours == 3.0
    assert client.blocked_by == ("P-9",)
    executive = visible_snapshot(snapshot, DetailLevel.EXECUTIVE, POLICY).items[0]
    assert executive.labels == ()
    assert executive.spent_hours is None
