"""Client updates as ADF comments (v3) or plain strings (v2), posted once per key."""

from __future__ import annotations

from typing import Any

from clientsync_jira.testing import FakeJira

from clientsync.retry import RetryPolicy
from clientsync.testing import ConnectionReset


def test_comment_is_adf_with_a_marker_and_idempotent(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    target = fake_jira.add_item("CS-9", "Client updates")
    connector = jira_connect(fake_jira, "CS", retry, deployment="cloud")
    first = connector.post_update("CS-9", "Status: green\nAll good.", idempotency_key="wk-48")
    again = connector.post_update("CS-9", "Status: green\nAll good.", idempotency_key="wk-48")
    assert first == again and fake_jira.posted_count() == 1
    body = fake_jira.data.comments[int(target)][0]["body"]
    assert body["type"] == "doc" and body["content"][0]["content"][0]["text"] == "Status: green"


def test_a_lost_post_response_is_not_posted_twice(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.add_item("CS-9", "Client updates")
    connector = jira_connect(fake_jira, "CS", retry, deployment="cloud")
    connector.api.deployment()
    # comments GET fine, then the POST lands but its connection drops before the answer.
    fake_jira.script(None, None)
    original = fake_jira._dispatch

    calls = {"n": 0}

    def dispatch(request: Any) -> Any:
        reply = original(request)
        if request.method == "POST":
            calls["n"] += 1
            if calls["n"] == 1:
                fake_jira.fail_next(ConnectionReset())
                raise ConnectionResetError
        return reply

    fake_jira._dispatch = dispatch  # type: ignore[method-assign]
    posted = connector.post_update("CS-9", "Report", idempotency_key="wk-49")
    assert fake_jira.posted_count() == 1
    assert posted == next(iter(fake_jira.data.comments.values()))[0]["id"]


def test_data_center_comment_is_a_string(retry: RetryPolicy, jira_connect: Any) -> None:
    with FakeJira(mode="datacenter") as server:
        target = server.add_item("CS-1", "Updates")
        jira_connect(server, "CS", retry).post_update("CS-1", "Hello", idempotency_key="k")
        body = server.data.comments[int(target)][0]["body"]
        assert isinstance(body, str) and body.startswith("Hello")


def test_update_as_an_issue_property_is_written_once_per_key(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    target = int(fake_jira.add_item("CS-9", "Client updates"))
    connector = jira_connect(fake_jira, "CS", retry, deployment="cloud", updates_as="property")
    first = connector.post_update("CS-9", "Status: green", idempotency_key="wk-48")
    puts = fake_jira.count("/rest/api/3/issue/CS-9/properties", method="PUT")
    again = connector.post_update("CS-9", "Status: green", idempotency_key="wk-48")
    assert first == again == "CS-9/properties/clientsync.update"
    assert fake_jira.count("/rest/api/3/issue/CS-9/properties", method="PUT") == puts == 1
    assert fake_jira.data.properties[(target, "clientsync.update")]["body"] == "Status: green"

    connector.post_update("CS-9", "Status: amber", idempotency_key="wk-49")
    assert fake_jira.count("/rest/api/3/issue/CS-9/properties", method="PUT") == 2
    assert fake_jira.data.properties[(target, "clientsync.update")]["body"] == "Status: amber"
    assert fake_jira.posted_count() == 0  # no comment was posted


def test_an_oversized_property_is_refused_with_a_clear_error(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    import pytest

    from clientsync.errors import FatalTrackerError

    fake_jira.add_item("CS-9", "Client updates")
    connector = jira_connect(fake_jira, "CS", retry, deployment="cloud", updates_as="property")
    with pytest.raises(FatalTrackerError, match="store issue property: HTTP 400"):
        connector.post_update("CS-9", "x" * 40_000, idempotency_key="big")
