"""The shared connector contract, run against FakeAsana through the real asana SDK."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from clientsync_asana import AsanaConnector
from clientsync_asana.testing import AsanaContractBackend

from clientsync.retry import RetryPolicy
from clientsync.testing import ConnectorContract


class TestAsanaContract(ConnectorContract):
    @pytest.fixture
    def tracker(self, backend: AsanaContractBackend) -> AsanaContractBackend:
        return backend

    @pytest.fixture
    def reader(
        self, tracker: AsanaContractBackend, make_connector: Callable[..., AsanaConnector]
    ) -> AsanaConnector:
        return make_connector(tracker.project)

    @pytest.fixture
    def retry_policy(self, no_sleep_policy: RetryPolicy) -> RetryPolicy:
        return no_sleep_policy
