"""The shared connector contract, run against the real `jira` SDK and a loopback FakeJira."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from clientsync_jira import JiraConnector
from clientsync_jira.testing import FakeJira

from clientsync.retry import RetryPolicy
from clientsync.testing import ConnectorContract


class TestJiraContract(ConnectorContract):
    # The overlap window re-sends recently updated, unchanged issues (the engine dedupes).
    exact_incremental = False

    @pytest.fixture
    def tracker(self) -> Iterator[FakeJira]:
        with FakeJira(field_page_cap=5, id_page_cap=5) as server:
            yield server

    @pytest.fixture
    def reader(
        self, tracker: FakeJira, retry_policy: RetryPolicy, jira_connect: Any
    ) -> JiraConnector:
        return jira_connect(tracker, "CT", retry_policy, census_every=1, page_size=5)


class TestJiraDataCenterContract(TestJiraContract):
    @pytest.fixture
    def tracker(self) -> Iterator[FakeJira]:
        with FakeJira(mode="datacenter", field_page_cap=5, id_page_cap=5) as server:
            yield server
