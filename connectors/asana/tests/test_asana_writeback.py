"""Write-back: project status updates and comments, each posted once per idempotency key."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from clientsync_asana import AsanaConnector
from clientsync_asana.testing import FakeAsana

from clientsync.errors import ConfigError
from clientsync.testing import ServerError, Truncated

Make = Callable[..., AsanaConnector]


def test_status_update_is_refused_unless_configured(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("P")
    with pytest.raises(ConfigError, match="status_updates = true"):
        make_connector(project).post_update("status:red", "Late", idempotency_key="k")
    assert fake_asana.status_updates == []


def test_status_update_maps_rag_and_title(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    connector = make_connector(project, status_updates=True)
    gid = connector.post_update(
        "status:amber", "Week 24: at risk\nUAT slipped two days.", idempotency_key="w24"
    )
    (update,) = fake_asana.status_updates
    assert update["gid"] == gid
    assert update["status_type"] == "at_risk"
    assert update["title"] == "Week 24: at risk"
    assert update["text"].startswith("UAT slipped two days.")
    with pytest.raises(ConfigError, match="needs a RAG"):
        connector.post_update("status:purple", "x", idempotency_key="w25")


def test_a_lost_response_does_not_post_twice(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    connector = make_connector(project, status_updates=True)
    # lookup ok, then the POST lands but its response is cut short; the retry finds it
    fake_asana.script(None, Truncated(missing=50))
    gid = connector.post_update("status:green", "All good", idempotency_key="week-1")
    assert len(fake_asana.status_updates) == 1
    assert fake_asana.status_updates[0]["gid"] == gid


def test_same_key_from_a_new_process_finds_the_first_post(
    fake_asana: FakeAsana, make_connector: Make
) -> None:
    project = fake_asana.add_project("P")
    task = fake_asana.add_task(project, "Status thread")
    first = make_connector(project, comment_task=task).post_update(
        "comment", "Status: on track", idempotency_key="r1"
    )
    again = make_connector(project, comment_task=task).post_update(
        "comment", "Status: on track", idempotency_key="r1"
    )
    assert again == first
    comments = [s for s in fake_asana.stories[task] if s["type"] == "comment"]
    assert len(comments) == 1
    assert comments[0]["text"].startswith("Status: on track")


def test_a_5xx_on_post_is_retried_after_checking(
    fake_asana: FakeAsana, make_connector: Make, sleeps: list[float]
) -> None:
    project = fake_asana.add_project("P")
    task = fake_asana.add_task(project, "T")
    connector = make_connector(project)
    fake_asana.script(None, ServerError(503))
    connector.post_update(task, "Note", idempotency_key="n1")
    assert len(sleeps) == 1
    assert len([s for s in fake_asana.stories[task] if s["type"] == "comment"]) == 1


def test_comment_target_needs_a_task(fake_asana: FakeAsana, make_connector: Make) -> None:
    project = fake_asana.add_project("P")
    with pytest.raises(ConfigError, match="comment_task"):
        make_connector(project).post_update("comment", "x", idempotency_key="k")
