"""Mapping Asana task payloads (the shared fixtures and variations) into the model."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from clientsync_asana.mapping import (
    AsanaSettings,
    AsanaTask,
    TaskIndex,
    to_milestone,
    to_work_item,
)
from pydantic import ValidationError

from clientsync.domain.model import EstimateUnit, ItemKind, ItemState, Visibility

PROJECT = "1207139462811000"
FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def task_payload() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("task_example.json")["data"])


def milestone_payload() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("milestone_example.json")["data"])


def item_of(payload: dict[str, Any], settings: AsanaSettings | None = None, **index: Any):
    task = AsanaTask.model_validate(payload)
    return to_work_item(task, TaskIndex(PROJECT, settings or AsanaSettings(), **index))


def test_fixture_task_maps_every_field() -> None:
    item = item_of(task_payload())
    assert item.id == item.key == "1207139462811245"
    assert item.title == "Build client onboarding dashboard"
    assert item.status == "In Progress"
    assert item.state is ItemState.IN_PROGRESS
    assert item.kind is ItemKind.TASK
    assert item.due == date(2024, 6, 21)
    assert item.start == date(2024, 6, 3)
    assert item.created == datetime(2024, 5, 2, 9, 14, 27, 512000, tzinfo=UTC)
    assert item.updated == datetime(2024, 6, 11, 16, 2, 45, 118000, tzinfo=UTC)
    assert item.assignee == "Priya Natarajan"
    assert item.estimate == 8  # number field "Story Points"
    assert item.estimate_unit is EstimateUnit.POINTS
    assert item.priority == "High"  # enum field
    assert item.labels == ("client-visible",)
    assert item.blocked_by == ("1207139462811240",)
    assert item.blocks == ("1207139462811301",)
    assert item.url is not None and item.url.endswith("/task/1207139462811245")
    assert item.extra["asana_custom_fields"]["Estimate (hours)"] == "12.5"
    assert item.visibility is Visibility.CLIENT


def test_estimate_from_a_named_number_field_in_hours() -> None:
    settings = AsanaSettings(estimate_field="estimate (HOURS)", estimate_unit=EstimateUnit.HOURS)
    item = item_of(task_payload(), settings)
    assert item.estimate == 12.5
    assert item.estimate_unit is EstimateUnit.HOURS


def test_empty_number_and_enum_fields_give_none() -> None:
    payload = task_payload()
    for field in payload["custom_fields"]:
        field.update(number_value=None, enum_value=None, display_value=None)
    item = item_of(payload)
    assert item.estimate is None
    assert item.priority is None


def test_negative_estimate_is_rejected_naming_the_field() -> None:
    payload = task_payload()
    payload["custom_fields"][0]["number_value"] = -3
    with pytest.raises(ValueError, match="Story Points"):
        item_of(payload)


def test_due_at_is_dated_in_the_project_time_zone() -> None:
    payload = task_payload()
    payload.update(due_on=None, due_at="2024-06-21T23:30:00.000Z")
    assert item_of(payload).due == date(2024, 6, 21)
    berlin = AsanaSettings(timezone="Europe/Berlin")
    assert item_of(payload, berlin).due == date(2024, 6, 22)
    la = AsanaSettings(timezone="America/Los_Angeles")
    payload["due_at"] = "2024-06-21T03:00:00.000Z"
    assert item_of(payload, la).due == date(2024, 6, 20)


def test_due_on_wins_over_due_at_and_is_never_shifted() -> None:
    payload = task_payload()
    payload.update(due_on="2024-06-21", due_at=None)
    assert item_of(payload, AsanaSettings(timezone="Pacific/Kiritimati")).due == date(2024, 6, 21)


def test_missing_assignee_and_no_dates() -> None:
    payload = task_payload()
    payload.update(assignee=None, due_on=None, start_on=None)
    item = item_of(payload)
    assert item.assignee is None
    assert item.due is None and item.start is None


def test_task_in_several_projects_takes_this_projects_section() -> None:
    payload = task_payload()
    other = {
        "project": {"gid": "999", "resource_type": "project", "name": "Other"},
        "section": {"gid": "998", "resource_type": "section", "name": "Done-ish review"},
    }
    payload["memberships"].insert(0, other)
    payload["memberships"][1]["section"]["name"] = "Backlog"
    item = item_of(payload)
    assert item.status == "Backlog"
    assert item.state is ItemState.TODO


def test_subtask_without_membership_names_its_parent_key() -> None:
    payload = task_payload()
    payload.update(memberships=[], parent={"gid": "1207139462811240", "resource_type": "task"})
    item = item_of(payload, keys={"1207139462811240": "WEB-7"})
    assert item.kind is ItemKind.SUBTASK
    assert item.parent == "WEB-7"
    assert item.status == ""
    assert item.state is ItemState.TODO


def test_completed_is_done_with_completion_time() -> None:
    payload = task_payload()
    payload.update(
        completed=True,
        completed_at="2024-06-20T10:00:00.000Z",
        tags=[{"gid": "1", "name": "Blocked"}],
    )
    item = item_of(payload)
    assert item.state is ItemState.DONE
    assert item.completed_at == datetime(2024, 6, 20, 10, tzinfo=UTC)
    assert item.status == "In Progress"
    assert not item.blocked


def test_blocked_by_an_incomplete_dependency_or_a_tag() -> None:
    payload = task_payload()
    payload["dependencies"] = [{"gid": "1207139462811240", "completed": False}]
    item = item_of(payload, keys={"1207139462811240": "WEB-3"})
    assert item.blocked and item.blocked_reason == "waiting on WEB-3"
    payload["dependencies"] = [{"gid": "1207139462811240", "completed": True}]
    assert not item_of(payload).blocked
    payload["tags"] = [{"gid": "7", "name": "blocked"}]
    tagged = item_of(payload)
    assert tagged.blocked and tagged.blocked_reason == "tagged blocked"


def test_dependency_completion_known_from_the_read_when_not_in_the_payload() -> None:
    payload = task_payload()
    assert item_of(payload, completed={"1207139462811240": False}).blocked
    assert not item_of(payload, completed={"1207139462811240": True}).blocked


def test_client_requests_by_tag_or_form_section_and_internal_tag() -> None:
    payload = task_payload()
    payload["tags"] = [{"gid": "1", "name": "Client-Request"}, {"gid": "2", "name": "internal"}]
    item = item_of(payload)
    assert item.client_request
    assert item.visibility is Visibility.INTERNAL
    payload["tags"] = []
    payload["memberships"][0]["section"]["name"] = "Client requests (form)"
    assert item_of(payload).client_request


def test_cancelled_and_custom_in_progress_sections() -> None:
    payload = task_payload()
    payload["memberships"][0]["section"]["name"] = "Cancelled"
    assert item_of(payload).state is ItemState.CANCELLED
    payload["memberships"][0]["section"]["name"] = "Building"
    assert item_of(payload).state is ItemState.TODO
    assert item_of(payload, AsanaSettings(in_progress_sections=("build*",))).state is (
        ItemState.IN_PROGRESS
    )


def test_key_from_a_custom_id_or_a_named_field() -> None:
    payload = task_payload()
    payload["custom_fields"].append(
        {
            "gid": "5",
            "name": "Task ID",
            "representation_type": "custom_id",
            "display_value": "WEB-42",
        }
    )
    assert item_of(payload).key == "WEB-42"
    assert item_of(payload, AsanaSettings(key_field="Priority")).key == "High"


def test_milestone_fixture() -> None:
    task = AsanaTask.model_validate(milestone_payload())
    index = TaskIndex.of(PROJECT, AsanaSettings(), [task])
    milestone = to_milestone(task, index)
    assert milestone.id == "1207139462811300"
    assert milestone.name == "M2: Client UAT sign-off"
    assert milestone.due == date(2024, 6, 27)
    assert milestone.done
    assert milestone.completed_at == datetime(2024, 6, 28, 15, 41, 9, 27000, tzinfo=UTC)
    assert milestone.deliverables == ("1207139462811245", "1207139462811251")


def test_milestone_without_a_due_date() -> None:
    payload = milestone_payload()
    payload.update(due_on=None, due_at=None, completed=False, completed_at=None)
    task = AsanaTask.model_validate(payload)
    milestone = to_milestone(task, TaskIndex.of(PROJECT, AsanaSettings(), [task]))
    assert milestone.due is None
    assert not milestone.done and milestone.completed_at is None


def test_milestone_membership_by_dependencies_and_by_section() -> None:
    milestone = AsanaTask.model_validate(milestone_payload())
    task_payload_ = task_payload()
    task_payload_["dependents"] = [{"gid": milestone.gid, "resource_type": "task"}]
    task = AsanaTask.model_validate(task_payload_)
    by_deps = TaskIndex.of(PROJECT, AsanaSettings(), [milestone, task])
    assert to_work_item(task, by_deps).milestones == (milestone.gid,)

    by_section = AsanaSettings(milestone_membership="section")
    index = TaskIndex.of(PROJECT, by_section, [milestone, task])
    assert to_work_item(task, index).milestones == ()  # "In Progress" holds no milestone
    task_payload_["memberships"][0]["section"] = {"gid": "1207139462811020", "name": "Milestones"}
    moved = AsanaTask.model_validate(task_payload_)
    assert to_work_item(moved, index).milestones == (milestone.gid,)


def test_malformed_payload_is_a_validation_error() -> None:
    payload = task_payload()
    payload["created_at"] = "not a time"
    with pytest.raises(ValidationError):
        AsanaTask.model_validate(payload)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="Mars/Olympus"):
        AsanaSettings(timezone="Mars/Olympus")


def test_events_sort_into_changed_deleted_and_history_stories() -> None:
    from clientsync_asana.records import Events

    seen = Events(load_fixture("webhook_events.json")["events"], PROJECT)
    assert seen.deleted == {"1207139462811251", "1207139462811260"}  # removed, deleted
    assert seen.changed == {"1207139462811245", "1207139462811410", "1207139462811300"}
    # the comment story marks its task changed; its kind (named here) is no history kind
    assert seen.stories == {}
    assert seen.earliest == datetime(2024, 6, 11, 16, 2, 44, 981000, tzinfo=UTC)
