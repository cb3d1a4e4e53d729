"""Fixtures for the Asana connector tests: a running FakeAsana and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from clientsync_asana import AsanaConnector
from clientsync_asana.client import Timeouts
from clientsync_asana.testing import AsanaContractBackend, FakeAsana
from pydantic import SecretStr

from clientsync.retry import RetryPolicy

TOKEN = "0/1234567890123456:abcdefabcdefabcdefabcdefabcdef12"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def no_sleep_policy(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, max_attempts=8, jitter=0.0)


@pytest.fixture
def fake_asana() -> Iterator[FakeAsana]:
    with FakeAsana(token=TOKEN) as server:
        yield server
    assert not server.errors, server.errors


@pytest.fixture
def backend(fake_asana: FakeAsana) -> AsanaContractBackend:
    return AsanaContractBackend(fake_asana)


@pytest.fixture
def make_connector(
    fake_asana: FakeAsana, no_sleep_policy: RetryPolicy
) -> Iterator[Callable[..., AsanaConnector]]:
    made: list[AsanaConnector] = []

    def make(project: str, **options: Any) -> AsanaConnector:
        options.setdefault("retry", no_sleep_policy)
        options.setdefault("timeouts", Timeouts(2.0, 2.0))
        connector = AsanaConnector(
            project=project, token=SecretStr(TOKEN), host=fake_asana.api_url, **options
        )
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
