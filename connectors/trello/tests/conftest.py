"""Fixtures for the Trello connector's tests: the fake Trello and connectors pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from clientsync_trello import TrelloConnector
from clientsync_trello.options import MappingOptions
from clientsync_trello.testing import FakeTrello
from pydantic import SecretStr
from trello_support import KEY, TOKEN, ConnectorFor

from clientsync.retry import RetryPolicy


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def retry(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, max_attempts=8)


@pytest.fixture
def fake() -> Iterator[FakeTrello]:
    with FakeTrello(api_key=KEY, token=TOKEN) as server:
        yield server


@pytest.fixture
def connector_for(retry: RetryPolicy) -> ConnectorFor:
    def build(server: FakeTrello, **options: Any) -> TrelloConnector:
        mapping = MappingOptions(**options.pop("mapping", {}))
        return TrelloConnector(
            board_id=server.board_id,
            api_key=SecretStr(KEY),
            token=SecretStr(TOKEN),
            base_url=server.url + "/1/",
            retry=options.pop("retry", retry),
            timeout=options.pop("timeout", 5.0),
            mapping=mapping,
            **options,
        )

    return build
