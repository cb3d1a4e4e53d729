"""Fixtures for the Jira connector tests: a fake Jira on loopback and a connector on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from clientsync_jira import JiraConnector
from clientsync_jira.testing import FakeJira

from clientsync.retry import RetryPolicy


class Sleeps(list[float]):
    """An injected sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps, max_attempts=8, max_total_seconds=10_000)


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    with FakeJira() as server:
        yield server


def connect(server: FakeJira, project: str, retry: RetryPolicy, **options: Any) -> JiraConnector:
    """A connector on `server`: basic auth on Cloud, a bearer token on Data Center."""
    email = server.email if server.cloud else None
    options.setdefault("timeout_seconds", 5)
    return JiraConnector.connect(
        server.url, project, token=server.secret, email=email, retry=retry, **options
    )


@pytest.fixture
def jira_connect() -> Any:
    """`jira_connect(server, project, retry, **options)`: a connector on a FakeJira."""
    return connect
