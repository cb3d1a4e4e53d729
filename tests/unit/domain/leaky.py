"""Snapshots salted with a canary string wherever a client must not look, for leak tests.

The canary sits in internal items (by flag, by label, beneath an internal parent), in an
internal label's name, in every assignee and `extra`, and in the history of all of them.

Internal comments: the domain model has no comments. No connector reads one into it (Jira
asks for no `comment` field and reads comments only to find its own write-back marker;
Trello's history maps create/update/delete card actions only and skips `commentCard`;
Asana's history keeps system stories only), and `ItemChange.reason` is set by none. A
connector that kept raw comments would put them in `extra`, so a canary sits there, in
`extra["comments"]`, as Jira's internal comments look (`jsdPublic: false`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
from clientsync.domain.report import Report, build_report
from clientsync.domain.settings import ForecastSettings, ReportSettings
from clientsync.domain.visibility import DetailLevel, VisibilityPolicy

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
            "extra": {
                "raw": f"{CANARY} raw {n}",
                "comments": [{"body": f"{CANARY} internal comment {n}", "jsdPublic": False}],
            },
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


def leaky_report(snapshot: Snapshot, level: DetailLevel) -> Report:
    baseline = capture_baseline(snapshot, id="b1", captured_at=AS_OF - timedelta(days=20))
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
    return build_report(
        snapshot,
        as_of=AS_OF,
        baseline=baseline,
        history=history,
        policy=POLICY,
        settings=FAST,
        level=level,
    )
