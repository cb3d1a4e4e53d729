"""Webhook deliveries read back through FakeAsana, and webhook registration with a handshake."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from clientsync_asana import AsanaConnector
from clientsync_asana.mapping import TASK_FIELDS, AsanaSettings
from clientsync_asana.testing import FakeAsana, HookReceiver
from clientsync_asana.webhooks import WEBHOOK_TASK_FIELDS, Delivery
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from clientsync.ports import WebhookReader, WebhookRegistrar
from clientsync.testing import RateLimited

Make = Callable[..., AsanaConnector]
FIXTURE = Path(__file__).parent / "fixtures" / "webhook_events.json"
TASKS = "/api/1.0/tasks/"
WEBHOOKS = "/api/1.0/webhooks"

# The gids in the recorded delivery (fixtures/webhook_events.json).
PROJECT = "1207139462811000"
TASK = "1207139462811245"
MILESTONE_DONE = "1207139462811300"
MILESTONE_ADDED = "1207139462811410"
REMOVED = "1207139462811251"
DELETED = "1207139462811260"


def task_event(gid: str, action: str = "changed", parent: dict[str, str] | None = None) -> Any:
    return {
        "user": {"gid": "1", "resource_type": "user"},
        "created_at": "2024-06-11T16:02:44.981Z",
        "action": action,
        "resource": {"gid": gid, "resource_type": "task", "resource_subtype": "default_task"},
        "parent": parent,
        **({"change": {"field": "name", "action": "changed"}} if action == "changed" else {}),
    }


def in_project(gid: str) -> dict[str, str]:
    return {"gid": gid, "resource_type": "project"}


def task_reads(fake: FakeAsana) -> list[str]:
    return sorted(r.path[len(TASKS) :] for r in fake.requests if r.path.startswith(TASKS))


def test_the_connector_implements_both_ports(make_connector: Make) -> None:
    connector = make_connector("1")
    assert isinstance(connector, WebhookReader)
    assert isinstance(connector, WebhookRegistrar)


def test_the_recorded_delivery_is_read_back(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Website", gid=PROJECT)
    fake_asana.add_task(project, "Checkout", gid=TASK, due_on="2024-06-28")
    fake_asana.add_task(
        project, "Beta", gid=MILESTONE_DONE, resource_subtype="milestone", dependencies=[TASK]
    )
    fake_asana.update_task(MILESTONE_DONE, completed=True)
    fake_asana.add_task(project, "Launch", gid=MILESTONE_ADDED, resource_subtype="milestone")
    fake_asana.add_task(None, "Moved to another project", gid=REMOVED)
    payload = json.loads(FIXTURE.read_text(encoding="utf-8"))

    result = make_connector(project).read_webhook(payload)

    # Nine events name five tasks: three read back once each, two deleted without a read.
    assert task_reads(fake_asana) == [TASK, MILESTONE_DONE, MILESTONE_ADDED]
    assert len(fake_asana.requests) == 4  # and the project, once
    for request in fake_asana.requests:
        if request.path.startswith(TASKS):
            assert request.query["opt_fields"] == [WEBHOOK_TASK_FIELDS]
            assert WEBHOOK_TASK_FIELDS.startswith(TASK_FIELDS)
    assert [item.id for item in result.items] == [TASK]
    (item,) = result.items
    assert item.due == date(2024, 6, 28)
    assert item.milestones == (MILESTONE_DONE,)  # known without the cursor
    by_id = {m.id: m for m in result.milestones}
    assert set(by_id) == {MILESTONE_DONE, MILESTONE_ADDED}
    assert by_id[MILESTONE_DONE].done and by_id[MILESTONE_DONE].deliverables == (TASK,)
    assert not by_id[MILESTONE_ADDED].done
    assert result.deleted == (REMOVED, DELETED)
    assert result.project.name == "Website"
    assert not result.census and result.cursor is None and result.census_ids is None


def test_many_events_on_one_task_cost_one_read(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    task = fake_asana.add_task(project, "Busy")
    story = {
        "user": {"gid": "1", "resource_type": "user"},
        "created_at": "2024-06-11T16:05:31.229Z",
        "action": "added",
        "resource": {"gid": "99", "resource_type": "story", "resource_subtype": "comment_added"},
        "parent": {"gid": task, "resource_type": "task"},
    }
    events = [task_event(task) for _ in range(20)] + [story] * 5
    connector = make_connector(project)
    result = connector.read_webhook({"events": events})
    assert task_reads(fake_asana) == [task]
    assert [item.title for item in result.items] == ["Busy"]
    # A second delivery reuses the project already fetched: one request, the task's.
    before = len(fake_asana.requests)
    connector.read_webhook({"events": events})
    assert len(fake_asana.requests) - before == 1


def test_a_heartbeat_costs_nothing(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    result = make_connector(project).read_webhook({"events": []})
    assert fake_asana.requests == []
    assert not (result.items or result.milestones or result.deleted or result.rejected)
    assert result.project.id == project and not result.census


def test_events_about_other_projects_are_ignored_unread(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("P")
    other = fake_asana.add_project("Q")
    elsewhere = fake_asana.add_task(other, "Not ours")
    section = {
        "user": {"gid": "1", "resource_type": "user"},
        "created_at": "2024-06-11T16:02:44.981Z",
        "action": "changed",
        "resource": {"gid": "77", "resource_type": "section"},
        "parent": None,
    }
    events = [
        task_event(elsewhere, "added", in_project(other)),
        task_event(elsewhere, "removed", in_project(other)),
        section,
        "not an event",
    ]
    result = make_connector(project).read_webhook({"events": events})
    assert fake_asana.requests == []
    assert not (result.items or result.deleted)


def test_deleted_and_removed_need_no_read(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    gone, moved = fake_asana.add_task(project, "Gone"), fake_asana.add_task(project, "Moved")
    events = [
        task_event(gone),
        task_event(gone, "deleted"),
        task_event(moved, "removed", in_project(project)),
    ]
    result = make_connector(project).read_webhook({"events": events})
    assert result.deleted == tuple(sorted((gone, moved)))
    assert task_reads(fake_asana) == []
    assert result.items == ()


def test_a_task_that_404s_or_left_the_project_is_deleted(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("P")
    other = fake_asana.add_project("Q")
    kept = fake_asana.add_task(project, "Kept")
    left = fake_asana.add_task(project, "Left")
    fake_asana.add_to_project(left, other)
    fake_asana.remove_from_project(left, project)
    vanished = "1299999999999999"
    events = [task_event(kept), task_event(left), task_event(vanished)]
    result = make_connector(project).read_webhook({"events": events})
    assert task_reads(fake_asana) == sorted((kept, left, vanished))
    assert [item.id for item in result.items] == [kept]
    assert result.deleted == tuple(sorted((left, vanished)))


@pytest.mark.parametrize("include_subtasks", [False, True])
def test_a_subtask_event_rereads_its_parent(
    fake_asana: FakeAsana, make_connector: Make, include_subtasks: bool
) -> None:
    project = fake_asana.add_project("P")
    parent = fake_asana.add_task(project, "Parent")
    child = fake_asana.add_task(None, "Child", parent=parent)
    added = task_event(child, "added", {"gid": parent, "resource_type": "task"})
    connector = make_connector(project, include_subtasks=include_subtasks)
    result = connector.read_webhook({"events": [added]})
    assert task_reads(fake_asana) == sorted((parent, child))
    by_id = {item.id: item for item in result.items}
    assert by_id[parent].extra["asana_num_subtasks"] == 1
    assert (child in by_id) is include_subtasks
    assert result.deleted == ()


def test_section_milestones_are_found_from_the_section(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("Phases", with_default_section=False)
    phase1 = fake_asana.add_section(project, "Phase 1")
    fake_asana.add_section(project, "Phase 2")
    task = fake_asana.add_task(project, "Spec", section=phase1)
    milestone = fake_asana.add_task(
        project, "Phase 1 done", section=phase1, resource_subtype="milestone"
    )
    connector = make_connector(project, settings=AsanaSettings(milestone_membership="section"))
    result = connector.read_webhook({"events": [task_event(task)]})
    assert [item.milestones for item in result.items] == [(milestone,)]
    assert fake_asana.count(f"/api/1.0/sections/{phase1}/tasks") == 1


def test_a_malformed_delivery_is_reported_not_read(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    result = make_connector(fake_asana.add_project("P")).read_webhook({"events": "nope"})
    assert [r.field for r in result.rejected] == ["events"]
    assert fake_asana.requests == []


# -- registration ---------------------------------------------------------------------------


def test_register_creates_once_then_reuses(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Website")
    with HookReceiver() as target:
        url = target.hook_url
        first = make_connector(project).register_webhook(url, secret="ignored")
        assert first.created and first.webhook_id in fake_asana.webhooks
        assert target.secret == fake_asana.hook_secrets[first.webhook_id]
        second = make_connector(project).register_webhook(url)
    assert not second.created and second.webhook_id == first.webhook_id
    assert "reused" in second.instructions
    assert fake_asana.count(WEBHOOKS, "POST") == 1 and fake_asana.handshakes == 1
    assert len(fake_asana.webhooks) == 1
    listing = [r for r in fake_asana.requests if r.path == WEBHOOKS and r.method == "GET"]
    assert all(r.query["resource"] == [project] for r in listing)
    assert all(r.query["workspace"] == ["1100000000000000"] for r in listing)
    created = next(r for r in fake_asana.requests if r.method == "POST")
    assert json.loads(created.body) == {"data": {"resource": project, "target": url}}
    for registration in (first, second):
        assert (
            "ignored" not in registration.instructions
            and fake_asana.token not in registration.instructions
        )


def test_a_failed_handshake_gives_instructions(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Website")
    with HookReceiver(echo=False) as target:
        url = target.hook_url
        registration = make_connector(project).register_webhook(url)
    assert not registration.created and registration.webhook_id is None
    assert "handshake" in registration.instructions
    assert "X-Hook-Secret" in registration.instructions
    assert url in registration.instructions
    assert f"resource={project}" in registration.instructions  # the by-hand command
    assert fake_asana.token not in registration.instructions
    assert fake_asana.webhooks == {} and fake_asana.handshakes == 1


def test_an_unreachable_or_localhost_target_gives_instructions(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("Website")
    with HookReceiver() as closed:
        gone_url = closed.hook_url
    connector = make_connector(project)
    unreachable = connector.register_webhook(gone_url)
    local = connector.register_webhook("http://localhost:9/hook")
    assert not unreachable.created and "HTTP 400" in unreachable.instructions
    assert not local.created and "HTTP 403" in local.instructions
    assert fake_asana.handshakes == 1  # localhost is refused before any handshake
    assert fake_asana.webhooks == {}


def test_a_token_asana_refuses_gives_instructions(fake_asana: FakeAsana) -> None:
    project = fake_asana.add_project("Website")
    connector = AsanaConnector(
        project=project, token=SecretStr("wrong-token-value"), host=fake_asana.api_url
    )
    try:
        registration = connector.register_webhook("http://127.0.0.1:9/hook")
    finally:
        connector.close()
    assert not registration.created and "HTTP 401" in registration.instructions
    assert "wrong-token-value" not in registration.instructions


def test_a_429_during_register_is_retried(
    fake_asana: FakeAsana, make_connector: Make, sleeps: list[float]
) -> None:
    project = fake_asana.add_project("Website")
    # The project, the listing, then the POST is rate limited.
    fake_asana.script(None, None, RateLimited(retry_after=3))
    with HookReceiver() as target:
        registration = make_connector(project).register_webhook(target.hook_url)
    assert registration.created
    assert sleeps == [3.0]
    assert fake_asana.count(WEBHOOKS, "POST") == 2 and fake_asana.handshakes == 1
    assert list(fake_asana.webhooks) == [registration.webhook_id]


def test_a_registered_webhook_delivers_what_read_webhook_reads(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("Website")
    task = fake_asana.add_task(project, "Ship", due_on="2024-06-10")
    connector = make_connector(project)
    with HookReceiver() as target:
        registration = connector.register_webhook(target.hook_url)
        assert registration.webhook_id is not None
        for day in range(11, 16):
            fake_asana.update_task(task, due_on=f"2024-06-{day}")
        assert fake_asana.deliver(registration.webhook_id) == 200
        assert fake_asana.deliver(registration.webhook_id, []) == 200  # heartbeat
    assert target.refused == 0
    delivery, heartbeat = target.deliveries
    assert heartbeat == {"events": []}
    assert len(delivery["events"]) == 10  # a change and a due-date story each time
    before = set(task_reads(fake_asana))
    result = connector.read_webhook(delivery)
    assert task_reads(fake_asana).count(task) == 1 and not before
    assert [item.due for item in result.items] == [date(2024, 6, 15)]
    assert connector.read_webhook(heartbeat).items == ()


# -- the delivery's arithmetic ----------------------------------------------------------------

GIDS = st.sampled_from(["1", "2", "3"])
PARENTS = st.one_of(
    st.none(),
    st.builds(lambda g: {"gid": g, "resource_type": "task"}, GIDS),
    st.sampled_from(
        [in_project("P"), in_project("OTHER"), {"gid": "S", "resource_type": "section"}]
    ),
)
EVENTS = st.lists(
    st.builds(
        lambda kind, gid, action, parent: {
            "action": action,
            "resource": {"gid": gid, "resource_type": kind},
            "parent": parent,
        },
        st.sampled_from(["task", "story", "section"]),
        GIDS,
        st.sampled_from(["changed", "added", "removed", "deleted", "undeleted"]),
        PARENTS,
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(EVENTS)
def test_a_delivery_names_each_task_once(events: list[dict[str, Any]]) -> None:
    delivery = Delivery(events, "P")
    assert not delivery.reread & delivery.deleted
    named = {
        gid
        for e in events
        if e["parent"] != in_project("OTHER")
        for gid in (
            e["resource"]["gid"] if e["resource"]["resource_type"] == "task" else None,
            (e["parent"] or {}).get("gid")
            if (e["parent"] or {}).get("resource_type") == "task"
            else None,
        )
        if gid is not None
    }
    assert delivery.reread | delivery.deleted == named
    # A redelivered batch (Asana retries) names the same tasks the same way.
    again = Delivery(events + events, "P")
    assert (again.reread, again.deleted) == (delivery.reread, delivery.deleted)
