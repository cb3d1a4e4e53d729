"""Mapping unit tests on the shared Jira fixtures and edge cases of real payloads."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from clientsync_jira.history import map_changes
from clientsync_jira.mapping import (
    CustomFieldIds,
    MappingError,
    MappingRules,
    map_issue,
    map_version,
    resolve_custom_fields,
)
from clientsync_jira.wire import EmbeddedChangelog

from clientsync.domain.model import EstimateUnit, ItemKind, ItemState, Visibility

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


CUSTOM = CustomFieldIds(
    story_points="customfield_10016", sprint="customfield_10020", flagged="customfield_10021"
)
RULES = MappingRules(base_url="https://acme.atlassian.net", custom=CUSTOM)


def issue() -> dict[str, Any]:
    return copy.deepcopy(load_fixture("issue_example.json")["issues"][0])


def test_fixture_issue_maps_every_field() -> None:
    item = map_issue(issue(), RULES)
    assert (item.id, item.key, item.title) == ("10042", "CS-42", "Client SSO login via Okta")
    assert item.url == "https://acme.atlassian.net/browse/CS-42"
    assert item.kind is ItemKind.STORY
    assert (item.status, item.state) == ("In Progress", ItemState.IN_PROGRESS)
    assert item.blocked and item.blocked_by == ("CS-40",)
    assert "flagged: Impediment" in (item.blocked_reason or "")
    assert item.milestones == ("10101",)
    assert item.parent == "CS-30"
    assert item.due == date(2025, 7, 15)
    assert item.created == datetime(2025, 5, 2, 9, 14, 27, 513000, tzinfo=UTC)
    assert (item.estimate, item.estimate_unit) == (5.0, EstimateUnit.POINTS)
    assert item.spent_hours == 4.0
    assert item.priority == "High"
    assert item.labels == ("client-visible", "phase-2")
    assert item.extra["sprints"] == ["CS Sprint 12"]
    assert item.visibility is Visibility.CLIENT


def test_fixture_changelog_becomes_item_changes() -> None:
    raw = issue()
    log = EmbeddedChangelog.model_validate(raw["changelog"])
    changes = map_changes("CS-42", log.histories, ["10101"], RULES)
    by_field = {(c.field, str(c.before), str(c.after)) for c in changes}
    assert ("status", "To Do", "In Progress") in by_field
    assert ("due", "2025-06-30", "2025-07-15") in by_field
    assert ("due", "None", "2025-06-30") in by_field
    assert ("milestones", "['10100']", "['10101']") in by_field
    assert ("milestones", "[]", "['10100']") in by_field
    assert ("flagged", "False", "True") in by_field
    assert ("story_points", "3.0", "5.0") in by_field
    assert ("original_estimate", "None", "16.0") in by_field
    assert [c.at for c in changes] == sorted(c.at for c in changes)


def test_missing_and_null_fields_map_to_defaults() -> None:
    raw = {
        "id": "1",
        "key": "CS-1",
        "fields": {
            "created": "2025-01-01T00:00:00.000+0000",
            "updated": "2025-01-02T00:00:00.000+0000",
            "summary": None,
            "status": None,
            "labels": None,
            "fixVersions": None,
            "priority": None,
            "customfield_10016": None,
            "customfield_10021": None,
            "issuelinks": None,
        },
    }
    item = map_issue(raw, RULES)
    assert item.title == "" and item.state is ItemState.TODO
    assert item.labels == () and item.milestones == () and not item.blocked
    assert item.estimate is None


@pytest.mark.parametrize("missing", ["created", "updated"])
def test_an_issue_without_times_is_rejected_naming_the_field(missing: str) -> None:
    raw = issue()
    del raw["fields"][missing]
    with pytest.raises(MappingError) as caught:
        map_issue(raw, RULES)
    assert caught.value.field == missing


def test_unknown_status_category_is_todo_and_overrides_win() -> None:
    raw = issue()
    raw["fields"]["status"]["statusCategory"]["key"] = "undefined"
    assert map_issue(raw, RULES).state is ItemState.TODO
    raw["fields"]["status"]["statusCategory"] = None
    assert map_issue(raw, RULES).state is ItemState.TODO
    rules = MappingRules(base_url="x", status_states={"in progress": ItemState.DONE})
    assert map_issue(issue(), rules).state is ItemState.DONE


def test_wont_do_resolution_is_cancelled() -> None:
    raw = issue()
    raw["fields"]["status"]["statusCategory"]["key"] = "done"
    raw["fields"]["resolution"] = {"id": "10001", "name": "Won't Do"}
    raw["fields"]["resolutiondate"] = "2025-06-11T10:00:00.000+0200"
    item = map_issue(raw, RULES)
    assert item.state is ItemState.CANCELLED
    assert item.completed_at == datetime(2025, 6, 11, 8, tzinfo=UTC)


@pytest.mark.parametrize("hours", [-12, -9.5, -5, 0, 5.75, 9, 13, 14])
def test_time_zones_from_minus_12_to_plus_14_give_the_same_instant(hours: float) -> None:
    instant = datetime(2025, 6, 10, 14, 3, 51, 882000, tzinfo=UTC)
    local = instant.astimezone(timezone(timedelta(hours=hours)))
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + "882" + local.strftime("%z")
    raw = issue()
    raw["fields"]["updated"] = text
    assert map_issue(raw, RULES).updated == instant


@pytest.mark.parametrize("value", [None, [], [1, 2], {"value": 3}, "n/a", -1])
def test_odd_story_points_are_dropped_not_fatal(value: Any) -> None:
    raw = issue()
    raw["fields"]["customfield_10016"] = value
    raw["fields"]["timeoriginalestimate"] = None
    raw["fields"]["timetracking"] = {}
    item = map_issue(raw, RULES)
    assert item.estimate is None


def test_custom_fields_absent_from_the_payload() -> None:
    raw = issue()
    for field in ("customfield_10016", "customfield_10020", "customfield_10021"):
        del raw["fields"][field]
    item = map_issue(raw, RULES)
    assert item.estimate == 16.0 and item.estimate_unit is EstimateUnit.HOURS
    assert "sprints" not in item.extra
    assert item.blocked_by == ("CS-40",)


def test_sprint_field_in_the_old_server_string_form() -> None:
    raw = issue()
    raw["fields"]["customfield_10020"] = [
        "com.atlassian.greenhopper.service.sprint.Sprint@1f[id=36,state=CLOSED,name=Sprint 3,x=1]"
    ]
    assert map_issue(raw, RULES).extra["sprints"] == ["Sprint 3"]


def test_labels_security_and_reporter_domain_drive_visibility_and_requests() -> None:
    rules = MappingRules(
        base_url="x",
        internal_security_levels=frozenset({"staff only"}),
        client_request_domains=frozenset({"acme.example"}),
    )
    raw = issue()
    raw["fields"]["security"] = {"id": "1", "name": "Staff only"}
    raw["fields"]["reporter"]["emailAddress"] = "jordan@ACME.example"
    item = map_issue(raw, rules)
    assert item.visibility is Visibility.INTERNAL
    assert item.client_request


def test_a_done_blocker_no_longer_blocks() -> None:
    raw = issue()
    raw["fields"]["customfield_10021"] = None
    link = raw["fields"]["issuelinks"][0]
    link["inwardIssue"]["fields"]["status"]["statusCategory"]["key"] = "done"
    item = map_issue(raw, RULES)
    assert not item.blocked and item.blocked_by == ()


def test_versions_fixture_maps_to_milestones() -> None:
    milestones = [map_version(v) for v in load_fixture("versions_example.json")]
    first = milestones[0]
    assert (first.id, first.name, first.due, first.start, first.done) == (
        "10100",
        "1.0",
        date(2025, 6, 30),
        date(2025, 4, 1),
        True,
    )
    later = next(m for m in milestones if m.name == "Later")
    assert later.due is None and not later.done
    paged = load_fixture("versions_paged_example.json")["values"]
    assert [map_version(v).id for v in paged] == ["10090", "10102"]


def test_custom_fields_are_discovered_and_overridable() -> None:
    fields = [
        {
            "id": "customfield_10016",
            "name": "Story point estimate",
            "custom": True,
            "clauseNames": ["cf[10016]"],
            "schema": {"custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
        },
        {"id": "customfield_10030", "name": "Story Points", "custom": True, "clauseNames": []},
        {"id": "customfield_10021", "name": "Flagged", "custom": True},
        {
            "id": "customfield_10020",
            "name": "Sprint",
            "custom": True,
            "schema": {"custom": "com.pyxis.greenhopper.jira:gh-sprint"},
        },
    ]
    found = resolve_custom_fields(fields, {})
    assert (found.story_points, found.sprint, found.flagged, found.start_date) == (
        "customfield_10016",
        "customfield_10020",
        "customfield_10021",
        None,
    )
    override = resolve_custom_fields(fields, {"story_points": "story points"})
    assert override.story_points == "customfield_10030"
    with pytest.raises(LookupError, match="Effort"):
        resolve_custom_fields(fields, {"story_points": "Effort"})


def test_webhook_v2_issue_maps_like_the_search_shape() -> None:
    hook = load_fixture("webhook_issue_updated.json")
    item = map_issue(hook["issue"], RULES)
    assert (item.id, item.key) == ("10042", "CS-42")
    assert item.due == date(2025, 7, 22)
    # The webhook changelog has no `created`: it is dated by the delivery timestamp.
    from clientsync_jira.wire import History

    at = datetime.fromtimestamp(hook["timestamp"] / 1000, tz=UTC).isoformat()
    history = History.model_validate({**hook["changelog"], "created": at})
    (change,) = map_changes(item.key, [history], list(item.milestones), RULES)
    assert (change.field, change.before, change.after) == ("due", "2025-07-15", "2025-07-22")
