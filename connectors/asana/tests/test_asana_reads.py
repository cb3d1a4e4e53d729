"""Full and incremental reads against FakeAsana: requests, events, milestones, history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from clientsync_asana import AsanaConnector
from clientsync_asana.mapping import AsanaSettings
from clientsync_asana.testing import FakeAsana

from clientsync.errors import ConfigError

Make = Callable[..., AsanaConnector]
EVENTS = "/api/1.0/events"


def fill(server: FakeAsana, project: str, count: int, *, section: str | None = None) -> list[str]:
    return [server.add_task(project, f"Task {n}", section=section) for n in range(count)]


def test_full_read_uses_the_fewest_requests(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Website")
    fill(fake_asana, project, 250)
    result = make_connector(project, concurrency=1).read(full=True)
    assert len(result.items) == 250
    assert result.census and result.milestone_census
    # project + sync token (412) + 3 pages of 100
    assert len(fake_asana.requests) == 5
    pages = [r for r in fake_asana.requests if r.path.endswith("/tasks")]
    assert [r.query["limit"] for r in pages] == [["100"]] * 3
    assert all(r.query["opt_fields"][0].startswith("name,completed,") for r in pages)
    assert result.project.name == "Website"


def test_sections_are_read_concurrently(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Big", with_default_section=False)
    sections = [fake_asana.add_section(project, f"Column {n}") for n in range(4)]
    expected = set()
    for section in sections:
        expected |= set(fill(fake_asana, project, 150, section=section))
    result = make_connector(project, concurrency=4).read(full=True)
    assert {item.id for item in result.items} == expected
    # project, token, sections, 2 pages per section, the after-read events check
    assert len(fake_asana.requests) == 3 + 8 + 1
    assert result.census_ids is None  # nothing moved during the read


def test_concurrency_backs_off_on_429(
    fake_asana: FakeAsana, make_connector: Make, sleeps: list[float]
) -> None:
    project = fake_asana.add_project("Busy", with_default_section=False)
    for n in range(6):
        fill(fake_asana, project, 120, section=fake_asana.add_section(project, f"S{n}"))
    fake_asana.latency = 0.01
    fake_asana.max_concurrent_gets = 2
    connector = make_connector(project, concurrency=6)
    result = connector.read(full=True)
    assert len(result.items) == 720
    assert fake_asana.rate_limited > 0
    assert 1.0 in sleeps  # the fake's Retry-After
    assert connector.client.limit.limit < 6


def test_milestones_by_dependencies(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Launch")
    design, build, other = fill(fake_asana, project, 3)
    milestone = fake_asana.add_task(
        project,
        "M1 Beta",
        resource_subtype="milestone",
        due_on="2024-07-01",
        dependencies=[design, build],
    )
    fake_asana.update_task(design, completed=True)
    result = make_connector(project).read(full=True)
    assert [m.id for m in result.milestones] == [milestone]
    assert result.milestones[0].due == date(2024, 7, 1)
    by_id = {item.id: item for item in result.items}
    assert milestone not in by_id
    assert by_id[design].milestones == by_id[build].milestones == (milestone,)
    assert by_id[other].milestones == ()


def test_milestones_by_section(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Phases", with_default_section=False)
    phase1, phase2 = (fake_asana.add_section(project, n) for n in ("Phase 1", "Phase 2"))
    first = fake_asana.add_task(project, "Spec", section=phase1)
    second = fake_asana.add_task(project, "Code", section=phase2)
    m1 = fake_asana.add_task(project, "Phase 1 done", section=phase1, resource_subtype="milestone")
    settings = AsanaSettings(milestone_membership="section")
    result = make_connector(project, settings=settings).read(full=True)
    by_id = {item.id: item for item in result.items}
    assert by_id[first].milestones == (m1,)
    assert by_id[second].milestones == ()


def test_incremental_after_50_changes_takes_two_requests(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("Website")
    gids = fill(fake_asana, project, 300)
    connector = make_connector(project, concurrency=1)
    first = connector.read(full=True)
    for gid in gids[:50]:
        fake_asana.update_task(gid, name=f"Renamed {gid}")
    before = len(fake_asana.requests)
    second = connector.read(cursor=first.cursor)
    assert len(fake_asana.requests) - before == 2  # events + one page of changed tasks
    assert not second.census
    assert {item.id for item in second.items} == set(gids[:50])
    before = len(fake_asana.requests)
    third = connector.read(cursor=second.cursor)
    assert len(fake_asana.requests) - before == 1
    assert third.items == () and third.deleted == ()


def test_event_pages_follow_has_more(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("Chatty")
    gids = fill(fake_asana, project, 10)
    connector = make_connector(project)
    first = connector.read(full=True)
    for n in range(130):
        fake_asana.update_task(gids[n % 10], name=f"Edit {n}")
    before = fake_asana.count(EVENTS)
    second = connector.read(cursor=first.cursor)
    assert fake_asana.count(EVENTS) - before == 2
    assert {item.title for item in second.items} == {f"Edit {n}" for n in range(120, 130)}


def test_deleted_and_removed_tasks_are_reported(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("P")
    other = fake_asana.add_project("Q")
    gone, moved, kept = fill(fake_asana, project, 3)
    connector = make_connector(project)
    first = connector.read()
    fake_asana.delete_task(gone)
    fake_asana.add_to_project(moved, other)
    fake_asana.remove_from_project(moved, project)
    second = connector.read(cursor=first.cursor)
    assert set(second.deleted) == {gone, moved}
    assert kept not in second.deleted
    full = connector.read(full=True)
    assert [item.id for item in full.items] == [kept]


def test_expired_sync_token_means_a_full_read(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    fill(fake_asana, project, 3)
    connector = make_connector(project)
    first = connector.read()
    fake_asana.expire_sync_tokens()
    second = connector.read(cursor=first.cursor)
    assert second.census and len(second.items) == 3
    third = connector.read(cursor=second.cursor)
    assert not third.census and third.items == ()


def test_milestone_layout_change_means_a_full_read(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("P")
    a, b = fill(fake_asana, project, 2)
    milestone = fake_asana.add_task(project, "M", resource_subtype="milestone", dependencies=[a])
    connector = make_connector(project)
    first = connector.read()
    fake_asana.update_task(milestone, dependencies=[a, b])
    second = connector.read(cursor=first.cursor)
    assert second.census
    assert {i.id: i.milestones for i in second.items} == {a: (milestone,), b: (milestone,)}


def test_modified_since_fallback(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    a, _ = fill(fake_asana, project, 2)
    connector = make_connector(project, incremental="modified_since")
    first = connector.read()
    assert fake_asana.count(EVENTS) == 0
    fake_asana.update_task(a, name="Changed")
    second = connector.read(cursor=first.cursor)
    assert not second.census
    assert "Changed" in {item.title for item in second.items}
    assert fake_asana.count("/api/1.0/tasks", "GET") >= 1


def test_history_from_stories(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    doing = fake_asana.add_section(project, "In Progress")
    task = fake_asana.add_task(project, "Ship", due_on="2024-06-10")
    connector = make_connector(project)
    first = connector.read()
    fake_asana.update_task(task, due_on="2024-06-20")
    fake_asana.move_task(task, doing)
    fake_asana.update_task(task, completed=True)
    second = connector.read(cursor=first.cursor)
    changes = {(c.field, c.before, c.after) for c in second.changes}
    assert ("due", "2024-06-10", "2024-06-20") in changes
    assert ("status", "Untitled section", "In Progress") in changes
    assert any(f == "completed_at" and after for f, _, after in changes)
    assert all(c.key == task for c in second.changes)
    # the stories of that window only: a later read reports nothing again
    third = connector.read(cursor=second.cursor)
    assert third.changes == ()


def test_subtasks_when_configured(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    (parent,) = fill(fake_asana, project, 1)
    child = fake_asana.add_task(None, "Child", parent=parent)
    assert {i.id for i in make_connector(project).read().items} == {parent}
    connector = make_connector(project, include_subtasks=True)
    first = connector.read()
    by_id = {i.id: i for i in first.items}
    assert by_id[child].parent == parent
    assert by_id[child].kind.value == "subtask"


def test_from_options_reads_the_token_from_the_environment(fake_asana: FakeAsana) -> None:
    options = {"project": "123", "host": fake_asana.api_url, "estimate_field": "Points"}
    with pytest.raises(ConfigError, match="ASANA_ACCESS_TOKEN"):
        AsanaConnector.from_options(options, env={}, base_dir=Path())
    connector = AsanaConnector.from_options(
        options, env={"ASANA_ACCESS_TOKEN": "s3cret-token-value"}, base_dir=Path()
    )
    assert connector.settings.estimate_field == "Points"
    assert "s3cret" not in repr(connector) and "s3cret" not in repr(connector.client)


def test_bad_options_name_the_option() -> None:
    with pytest.raises(ConfigError, match="project"):
        AsanaConnector.from_options({"project": "my-project"}, env={}, base_dir=Path())
    with pytest.raises(ConfigError, match="unknown option 'colour'"):
        AsanaConnector.from_options({"project": "1", "colour": 1}, env={}, base_dir=Path())
    with pytest.raises(ConfigError, match="milestone_membership"):
        AsanaConnector.from_options(
            {"project": "1", "milestone_membership": "tags"}, env={}, base_dir=Path()
        )
