"""Webhook deliveries mapped without a request, and the admin webhook registered once."""

from __future__ import annotations

import base64
import copy
import json
import urllib.error
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from clientsync_jira import JiraConnector
from clientsync_jira.testing import FakeJira
from clientsync_jira.webhooks import AUTOMATION_SECRET_HEADER

from clientsync.domain.model import EstimateUnit, ItemChange, ItemState
from clientsync.ports import RejectedItem, WebhookReader, WebhookRegistrar
from clientsync.retry import RetryPolicy
from clientsync.testing import Reply, ServerError

FIXTURE = Path(__file__).parent / "fixtures" / "webhook_issue_updated.json"
# Deliveries are mapped without `/field`: the custom fields are pinned by id.
PINS = {
    "story_points_field": "customfield_10016",
    "sprint_field": "customfield_10020",
    "flagged_field": "customfield_10021",
    "start_date_field": "customfield_10015",
}
HOOKS = "/rest/webhooks/1.0/webhook"
URL = "https://hooks.agency.example/clientsync/jira"


def delivery(event: str = "jira:issue_updated") -> dict[str, Any]:
    """The vendor-shaped `jira:issue_updated` capture (a due date moved), as `event`."""
    payload: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    payload["webhookEvent"] = event
    return copy.deepcopy(payload)


def change_item(field: str, before: str | None, after: str | None, **strings: Any) -> Any:
    return {
        "field": field,
        "fieldtype": "jira",
        "fieldId": strings.pop("field_id", field),
        "from": before,
        "fromString": strings.get("from_string", before),
        "to": after,
        "toString": strings.get("to_string", after),
    }


@pytest.fixture
def connector(fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any) -> JiraConnector:
    built: JiraConnector = jira_connect(fake_jira, "CS", retry, deployment="cloud", **PINS)
    return built


def assert_no_request(server: FakeJira, connector: JiraConnector) -> None:
    assert server.requests == []
    assert connector.api._client is None, "the jira SDK client was built for a delivery"


# -- deliveries --------------------------------------------------------------------------


def test_the_connector_implements_both_webhook_ports(connector: JiraConnector) -> None:
    assert isinstance(connector, WebhookReader) and isinstance(connector, WebhookRegistrar)


def test_issue_updated_maps_the_issue_and_its_changelog_without_a_request(
    fake_jira: FakeJira, connector: JiraConnector
) -> None:
    result = connector.read_webhook(delivery())
    assert_no_request(fake_jira, connector)
    (item,) = result.items
    assert (item.id, item.key, item.title) == ("10042", "CS-42", "Client SSO login via Okta")
    assert item.due == date(2025, 7, 22)
    assert (item.estimate, item.estimate_unit) == (5.0, EstimateUnit.POINTS)
    assert item.blocked and item.blocked_by == ("CS-40",)
    assert item.blocked_reason == "flagged: Impediment; blocked by CS-40"
    assert item.milestones == ("10101",) and item.extra["sprints"] == ["CS Sprint 12"]
    assert item.url == f"{fake_jira.url}/browse/CS-42"
    # Dated by the issue's `updated`, the instant Jira gives the same history on a read.
    assert result.changes == (
        ItemChange(
            key="CS-42", field="due", before="2025-07-15", after="2025-07-22", at=item.updated
        ),
    )
    assert item.updated == datetime(2025, 6, 12, 7, 30, 2, 228000, tzinfo=UTC)
    assert not result.census and result.cursor is None and result.census_ids is None
    assert result.deleted == () and result.rejected == () and result.milestones == ()
    assert result.project.id == "CS" and result.project.tracker == "jira"


def test_issue_created_maps_the_issue_without_initial_value_changes(
    fake_jira: FakeJira, connector: JiraConnector
) -> None:
    payload = delivery("jira:issue_created")
    payload["changelog"]["items"] = [change_item("status", None, "10000", to_string="To Do")]
    result = connector.read_webhook(payload)
    assert_no_request(fake_jira, connector)
    assert [i.key for i in result.items] == ["CS-42"]
    assert result.changes == ()  # a creation lists initial values: the sync records "created"


def test_issue_deleted_names_the_id(fake_jira: FakeJira, connector: JiraConnector) -> None:
    result = connector.read_webhook(delivery("jira:issue_deleted"))
    assert_no_request(fake_jira, connector)
    assert result.deleted == ("10042",)
    assert result.items == () and result.changes == () and result.rejected == ()


def test_due_date_moved_with_a_fix_version_swap(connector: JiraConnector) -> None:
    payload = delivery()
    payload["issue"]["fields"]["duedate"] = "2025-08-05"
    payload["changelog"]["items"] = [
        change_item("duedate", "2025-07-22", "2025-08-05"),
        change_item("Fix Version", "10100", None, field_id="fixVersions", from_string="1.0"),
        change_item("Fix Version", None, "10101", field_id="fixVersions", to_string="1.1"),
        change_item("summary", None, None),  # untracked: no change
    ]
    result = connector.read_webhook(payload)
    (item,) = result.items
    assert item.due == date(2025, 8, 5)
    found = {(c.field, str(c.before), str(c.after)) for c in result.changes}
    assert found == {("due", "2025-07-22", "2025-08-05"), ("milestones", "['10100']", "['10101']")}


def test_moved_to_done(connector: JiraConnector) -> None:
    payload = delivery()
    fields = payload["issue"]["fields"]
    fields["status"] = {"id": "10001", "name": "Done", "statusCategory": {"key": "done"}}
    fields["resolution"] = {"id": "10000", "name": "Done"}
    fields["resolutiondate"] = "2025-06-12T09:30:02.228+0200"
    payload["changelog"]["items"] = [
        change_item("status", "3", "10001", from_string="In Progress", to_string="Done"),
        change_item("resolution", None, "10000", to_string="Done"),
    ]
    result = connector.read_webhook(payload)
    (item,) = result.items
    assert item.state is ItemState.DONE and not item.is_open
    assert item.completed_at == datetime(2025, 6, 12, 7, 30, 2, 228000, tzinfo=UTC)
    assert [(c.field, c.before, c.after) for c in result.changes] == [
        ("status", "In Progress", "Done")
    ]


def test_blocked_by_the_flag(connector: JiraConnector) -> None:
    payload = delivery()
    fields = payload["issue"]["fields"]
    fields["issuelinks"] = []
    payload["changelog"]["items"] = [
        change_item(
            "Flagged",
            None,
            "[10019]",
            field_id="customfield_10021",
            to_string="Impediment",
        )
    ]
    result = connector.read_webhook(payload)
    (item,) = result.items
    assert item.blocked and item.blocked_reason == "flagged: Impediment"
    assert [(c.field, c.before, c.after) for c in result.changes] == [("flagged", False, True)]

    fields["customfield_10021"] = None
    payload["changelog"]["items"][0].update({"from": "[10019]", "fromString": "Impediment"})
    payload["changelog"]["items"][0].update({"to": None, "toString": None})
    unflagged = connector.read_webhook(payload)
    assert not unflagged.items[0].blocked
    assert [(c.before, c.after) for c in unflagged.changes] == [(True, False)]


def test_an_issue_of_another_project_is_ignored(
    fake_jira: FakeJira, connector: JiraConnector
) -> None:
    for event in ("jira:issue_updated", "jira:issue_created", "jira:issue_deleted"):
        payload = delivery(event)
        payload["issue"]["key"] = "OPS-7"
        payload["issue"]["fields"]["project"] = {"id": "10009", "key": "OPS", "name": "Ops"}
        result = connector.read_webhook(payload)
        assert (result.items, result.deleted, result.changes, result.rejected) == ((), (), (), ())
    assert_no_request(fake_jira, connector)


def test_an_issue_moved_to_another_project_leaves_this_one(connector: JiraConnector) -> None:
    payload = delivery()
    payload["issue"]["key"] = "OPS-7"
    payload["issue"]["fields"]["project"] = {"id": "10009", "key": "OPS", "name": "Ops"}
    payload["changelog"]["items"] = [change_item("Key", None, None, from_string="CS-42")]
    payload["changelog"]["items"][0].update({"fieldId": "issuekey", "toString": "OPS-7"})
    result = connector.read_webhook(payload)
    assert result.deleted == ("10042",) and result.items == ()


def test_the_project_may_be_named_by_id_and_matches_without_case(
    retry: RetryPolicy, fake_jira: FakeJira, jira_connect: Any
) -> None:
    by_id = jira_connect(fake_jira, "10004", retry, **PINS)
    assert [i.key for i in by_id.read_webhook(delivery()).items] == ["CS-42"]
    lower = jira_connect(fake_jira, "cs", retry, **PINS)
    assert [i.key for i in lower.read_webhook(delivery()).items] == ["CS-42"]


@pytest.mark.parametrize(
    ("breakage", "field", "reason"),
    [
        (lambda f: f.pop("created"), "created", "missing"),
        (lambda f: f.update(duedate="soon"), "duedate", ""),
        (lambda f: f.update(status="In Progress"), "status", ""),
    ],
)
def test_a_malformed_issue_is_rejected_naming_key_and_field(
    connector: JiraConnector, breakage: Any, field: str, reason: str
) -> None:
    payload = delivery()
    breakage(payload["issue"]["fields"])
    result = connector.read_webhook(payload)
    assert result.items == () and result.changes == ()
    (rejected,) = result.rejected
    assert (rejected.source, rejected.key, rejected.field) == ("jira", "CS-42", field)
    assert reason in rejected.reason


def test_a_deletion_without_an_id_is_rejected(connector: JiraConnector) -> None:
    payload = delivery("jira:issue_deleted")
    del payload["issue"]["id"]
    assert connector.read_webhook(payload).rejected == (
        RejectedItem("jira", "CS-42", "id", "missing"),
    )


def test_other_events_and_shapes_are_ignored(fake_jira: FakeJira, connector: JiraConnector) -> None:
    comment = delivery("comment_created")
    comment["comment"] = {"id": "1", "body": "hello"}
    for payload in (comment, {"webhookEvent": "sprint_started", "sprint": {}}, {}):
        result = connector.read_webhook(payload)
        assert (result.items, result.deleted, result.milestones) == ((), (), ())
    assert_no_request(fake_jira, connector)


def test_an_automation_body_without_an_event_is_an_update(connector: JiraConnector) -> None:
    wrapped = delivery()
    del wrapped["webhookEvent"]
    assert [i.key for i in connector.read_webhook(wrapped).items] == ["CS-42"]
    bare = delivery()["issue"]
    assert [i.key for i in connector.read_webhook(bare).items] == ["CS-42"]


def test_fields_named_not_pinned_are_looked_up_once_for_all_deliveries(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    named = jira_connect(fake_jira, "CS", retry, story_points_field="Story point estimate")
    # A deletion needs no field: no request.
    assert named.read_webhook(delivery("jira:issue_deleted")).deleted == ("10042",)
    assert fake_jira.requests == []
    (item,) = named.read_webhook(delivery()).items
    assert item.estimate == 5.0
    looked_up = len(fake_jira.requests)
    assert looked_up >= 1  # the site's field list, once
    named.read_webhook(delivery())
    assert len(fake_jira.requests) == looked_up  # later deliveries: no request


def test_fields_pinned_to_none_are_not_read(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    none = dict.fromkeys(PINS, "none")
    without = jira_connect(fake_jira, "CS", retry, **none)
    (item,) = without.read_webhook(delivery()).items
    assert (item.estimate, item.estimate_unit) == (16.0, EstimateUnit.HOURS)
    assert item.blocked_reason == "blocked by CS-40"  # Flagged is not read
    assert fake_jira.requests == []


def test_a_connector_that_has_read_maps_deliveries_without_pins(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 3, seed=1)
    connector = jira_connect(fake_jira, "CS", retry)
    connector.read(full=True)
    before = len(fake_jira.requests)
    (item,) = connector.read_webhook(delivery()).items
    assert item.estimate == 5.0 and len(fake_jira.requests) == before


def test_a_fake_delivery_maps_to_what_a_read_gives(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 30, seed=4)
    key = "CS-7"
    ident = str(fake_jira.data.by_key[key])
    fake_jira.update_item(ident, status="Done", resolution="Done", duedate="2026-05-29")
    payload = fake_jira.delivery("jira:issue_updated", key)
    hook = jira_connect(fake_jira, "CS", retry, deployment="cloud", **PINS)
    result = hook.read_webhook(payload)
    assert_no_request(fake_jira, hook)

    read = jira_connect(fake_jira, "CS", retry, deployment="cloud").read(full=True)
    (item,) = result.items
    assert item == next(i for i in read.items if i.id == ident)
    latest = {c for c in read.changes if c.key == key and c.at == item.updated}
    assert set(result.changes) == latest and len(latest) == 2  # status and due date


def test_epic_milestones_come_with_their_issue(connector: JiraConnector) -> None:
    epics = JiraConnector(
        connector.options.model_copy(update={"milestones": "epics"}),
        connector._credentials,
    )
    payload = delivery()
    payload["issue"]["fields"]["issuetype"] = {"id": "10000", "name": "Epic", "hierarchyLevel": 1}
    result = epics.read_webhook(payload)
    (milestone,) = result.milestones
    assert (milestone.id, milestone.name, milestone.due) == (
        "10042",
        "Client SSO login via Okta",
        date(2025, 7, 22),
    )
    assert not result.milestone_census


def test_a_version_event_rereads_the_versions(
    fake_jira: FakeJira, connector: JiraConnector
) -> None:
    fake_jira.data.generate("CS", 2, seed=1, versions=3)
    fake_jira.data.versions[1].release_date = "2026-06-30"
    payload = fake_jira.version_delivery("jira:version_updated", fake_jira.data.versions[1].id)
    result = connector.read_webhook(payload)
    assert [m.id for m in result.milestones] == [v.id for v in fake_jira.data.versions]
    assert result.milestones[1].due == date(2026, 6, 30)
    assert result.milestone_census and not result.census and result.items == ()
    assert {r.path for r in fake_jira.requests} == {"/rest/api/3/project/CS/version"}


def test_a_version_event_is_ignored_without_version_milestones(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 1, seed=1, versions=1)
    epics = jira_connect(fake_jira, "CS", retry, milestones="epics", **PINS)
    payload = fake_jira.version_delivery("jira:version_released", fake_jira.data.versions[0].id)
    assert epics.read_webhook(payload).milestones == ()
    assert fake_jira.requests == []


# -- registration ------------------------------------------------------------------------


def test_register_creates_once_then_reuses(fake_jira: FakeJira, connector: JiraConnector) -> None:
    first = connector.register_webhook(URL, secret="s3cret-value")
    assert first.created and first.webhook_id == "1"
    assert "s3cret-value" not in first.instructions
    (hook,) = fake_jira.data.webhooks.values()
    assert hook["url"] == URL and hook["name"] == "clientsync CS"
    assert hook["filters"] == {"issue-related-events-section": 'project = "CS"'}
    assert hook["excludeBody"] is False and hook["secret"] == "s3cret-value"
    assert hook["events"][:3] == ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"]
    assert "jira:version_released" in hook["events"]  # versions are the milestones

    again = connector.register_webhook(URL + "/", secret="s3cret-value")
    assert not again.created and again.webhook_id == "1"
    assert "already exists" in again.instructions and "But" not in again.instructions
    assert fake_jira.count(HOOKS, method="POST") == 1 and len(fake_jira.data.webhooks) == 1


def test_reusing_a_webhook_with_another_filter_says_so(
    fake_jira: FakeJira, connector: JiraConnector, retry: RetryPolicy, jira_connect: Any
) -> None:
    connector.register_webhook(URL)
    other = jira_connect(fake_jira, "OPS", retry, milestones="epics", **PINS)
    reused = other.register_webhook(URL)
    assert not reused.created and reused.webhook_id == "1"
    assert """its JQL is 'project = "CS"', not 'project = "OPS"'""" in reused.instructions
    assert "Settings > System > WebHooks" in reused.instructions


def test_register_prints_the_field_ids_to_pin(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    unpinned = jira_connect(fake_jira, "CS", retry, jql="labels != internal")
    done = unpinned.register_webhook(URL)
    assert done.created
    assert fake_jira.data.webhooks[1]["filters"]["issue-related-events-section"] == (
        'project = "CS" AND (labels != internal)'
    )
    for line in (
        'story_points_field = "customfield_10016"',
        'sprint_field = "customfield_10020"',
        'flagged_field = "customfield_10021"',
        'start_date_field = "customfield_10015"',
    ):
        assert line in done.instructions
    pinned = jira_connect(fake_jira, "CS", retry, **PINS).register_webhook(URL)
    assert "customfield_" not in pinned.instructions


@pytest.mark.parametrize("status", [401, 403])
def test_a_token_that_may_not_create_webhooks_gets_instructions(
    fake_jira: FakeJira, connector: JiraConnector, status: int
) -> None:
    if status == 403:
        fake_jira.admin = False
    else:
        fake_jira.fail_status(401)
    done = connector.register_webhook(URL, secret="s3cret-value")
    assert not done.created and done.webhook_id is None
    text = done.instructions
    assert f"HTTP {status}" in text
    assert "Settings > System > WebHooks" in text and URL in text
    assert 'JQL: project = "CS"' in text
    assert "jira:issue_created, jira:issue_updated, jira:issue_deleted" in text
    assert "Send web request" in text and AUTOMATION_SECRET_HEADER in text
    assert "Secret:" in text and "s3cret-value" not in text
    assert fake_jira.count(HOOKS, method="POST") == 0 and fake_jira.data.webhooks == {}


def test_a_transient_429_during_register_is_retried(
    fake_jira: FakeJira, connector: JiraConnector, sleeps: list[float]
) -> None:
    from clientsync.testing import RateLimited

    fake_jira.script(None, RateLimited(retry_after=3))  # the listing passes, the create is 429
    done = connector.register_webhook(URL)
    assert done.created and done.webhook_id == "1"
    assert sleeps == [3.0]
    assert fake_jira.count(HOOKS, method="POST") == 2 and len(fake_jira.data.webhooks) == 1


def test_a_create_whose_answer_is_lost_is_not_made_twice(
    fake_jira: FakeJira, connector: JiraConnector, sleeps: list[float]
) -> None:
    original = fake_jira._dispatch

    def dispatch(request: Any) -> Reply:
        reply = original(request)
        if request.method == "POST" and len(fake_jira.data.webhooks) == 1:
            fake_jira._dispatch = original  # type: ignore[method-assign]
            return Reply(503, {}, {"error": "the gateway lost the answer"})
        return reply

    fake_jira._dispatch = dispatch  # type: ignore[method-assign]
    done = connector.register_webhook(URL)
    assert done.created and done.webhook_id == "1" and len(sleeps) == 1
    assert fake_jira.count(HOOKS, method="POST") == 1 and len(fake_jira.data.webhooks) == 1


def test_a_server_error_on_listing_is_retried(
    fake_jira: FakeJira, connector: JiraConnector, sleeps: list[float]
) -> None:
    fake_jira.fail_next(ServerError(502), times=2)
    assert connector.register_webhook(URL).created
    assert len(sleeps) == 2


# -- the fake's webhook endpoints ----------------------------------------------------------


def call(server: FakeJira, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    token = base64.b64encode(f"{server.email}:{server.secret}".encode()).decode()
    request = urllib.request.Request(
        server.url_for(path),
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_the_fake_validates_webhooks(fake_jira: FakeJira) -> None:
    good = {"name": "n", "url": URL, "events": ["jira:issue_updated"], "excludeBody": False}
    for bad, problem in (
        ({**good, "events": ["jira:issue_exploded!"]}, "events"),
        ({**good, "events": []}, "events"),
        ({**good, "url": "ftp://x"}, "url"),
        ({**good, "filters": {"issue-related-events-section": "order by key"}}, "filters"),
        ({**good, "excludeBody": "no"}, "excludeBody"),
    ):
        status, answer = call(fake_jira, "POST", HOOKS, bad)
        assert status == 400 and problem in answer["errorMessages"][0]
    status, created = call(fake_jira, "POST", HOOKS, {**good, "secret": "x"})
    assert status == 201 and "secret" not in created
    assert call(fake_jira, "GET", HOOKS) == (200, [created])
    assert call(fake_jira, "GET", f"{HOOKS}/1")[1]["url"] == URL
    assert call(fake_jira, "DELETE", f"{HOOKS}/1")[0] == 204
    assert call(fake_jira, "GET", f"{HOOKS}/1")[0] == 404
    fake_jira.admin = False
    assert call(fake_jira, "GET", HOOKS)[0] == 403
