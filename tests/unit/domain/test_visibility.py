"""No internal item, internal label, assignee or raw field reaches a client-level report."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.model import (
    Project,
    Snapshot,
    Visibility,
)
from clientsync.domain.visibility import (
    DetailLevel,
    hidden_item_keys,
    visible_snapshot,
)
from clientsync.render.markdown import render_markdown

from .leaky import AS_OF, CANARY, POLICY, leaky_report, leaky_snapshots, make_item


@settings(max_examples=60, deadline=None)
@given(leaky_snapshots(), st.sampled_from([DetailLevel.CLIENT, DetailLevel.EXECUTIVE]))
def test_no_canary_reaches_a_client_level_report(snapshot: Snapshot, level: DetailLevel) -> None:
    report = leaky_report(snapshot, level)
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
