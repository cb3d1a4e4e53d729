"""The shared connector contract, run against the fake Trello through py-trello."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clientsync_trello import TrelloConnector
from clientsync_trello.options import MappingOptions
from clientsync_trello.testing import FakeTrello
from pydantic import SecretStr
from trello_support import KEY, TOKEN, TrelloContractBackend

from clientsync.retry import RetryPolicy
from clientsync.testing import ConnectorContract


class TestTrelloContract(ConnectorContract):
    @pytest.fixture
    def tracker(self) -> Iterator[TrelloContractBackend]:
        with FakeTrello(api_key=KEY, token=TOKEN) as server:
            yield TrelloContractBackend(server)

    @pytest.fixture
    def reader(self, tracker: TrelloContractBackend) -> TrelloConnector:
        return TrelloConnector(
            board_id=tracker.server.board_id,
            api_key=SecretStr(KEY),
            token=SecretStr(TOKEN),
            base_url=tracker.url + "/1/",
            page_size=tracker.page_size,
            retry=RetryPolicy(sleep=lambda seconds: None),
            mapping=MappingOptions(key_prefix="CT-"),
            timeout=5.0,
        )
