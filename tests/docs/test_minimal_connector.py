"""The minimal connector of "Writing a connector" passes the contract every connector passes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientsync.errors import ConfigError
from clientsync.testing import ConnectorContract, ServerError
from docs.examples.minimal_connector import TasklistConnector
from docs.examples.minimal_fake import FakeTasklist

TOKEN = "tasklist-token-7f3a-never-printed"


class TasklistBackend:
    """The contract's control API over the fake: add, change, delete, fail."""

    secret = TOKEN

    def __init__(self, server: FakeTasklist) -> None:
        self.server = server

    @property
    def page_size(self) -> int:
        return self.server.page_size

    def add_item(self, key: str, title: str, **fields: Any) -> str:
        task_id = f"t{len(self.server.tasks) + 1}-{key}"
        now = self.server.touch()
        self.server.tasks[task_id] = {
            "id": task_id, "key": key, "title": title, "status": "open",
            "created": now, "updated": now, **fields,
        }  # fmt: skip
        return task_id

    def update_item(self, item_id: str, **fields: Any) -> None:
        self.server.tasks[item_id] |= {**fields, "updated": self.server.touch()}

    def delete_item(self, item_id: str) -> None:
        del self.server.tasks[item_id]

    def fail_next(self, exception_kind: str, times: int = 1) -> None:
        status = 503 if exception_kind == "transient" else 401
        self.server.fail_next(ServerError(status), times)

    def posted_count(self) -> int:
        return len(self.server.comments)


class TestTasklistContract(ConnectorContract):
    @pytest.fixture
    def tracker(self) -> Iterator[TasklistBackend]:
        with FakeTasklist(token=TOKEN, page_size=5) as server:
            yield TasklistBackend(server)

    @pytest.fixture
    def reader(self, tracker: TasklistBackend) -> TasklistConnector:
        return TasklistConnector(tracker.server.url, "demo", TOKEN, timeout=5)


def test_options_come_from_the_config_and_the_token_from_the_environment() -> None:
    options = {"url": "http://127.0.0.1:9", "project": "demo", "token_env": "MY_TOKEN"}
    connector = TasklistConnector.from_options(options, env={"MY_TOKEN": TOKEN}, base_dir=Path())
    assert (connector.url, connector.project) == ("http://127.0.0.1:9", "demo")
    assert TOKEN not in repr(connector)
    with pytest.raises(ConfigError, match="MY_TOKEN is not set"):
        TasklistConnector.from_options(options, env={}, base_dir=Path())
    with pytest.raises(ConfigError, match="unknown: colour"):
        TasklistConnector.from_options({**options, "colour": "red"}, env={}, base_dir=Path())


def test_a_malformed_task_is_reported_and_the_rest_is_read() -> None:
    with FakeTasklist(token=TOKEN) as server:
        backend = TasklistBackend(server)
        backend.add_item("T-1", "Fine")
        backend.add_item("T-2", "Broken", created="not a time")
        result = TasklistConnector(server.url, "demo", TOKEN).read(full=True)
    assert [i.key for i in result.items] == ["T-1"]
    assert [r.key for r in result.rejected] == ["T-2"]
