"""Reads through the real `jira` SDK against FakeJira: requests, paging, errors, history."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from clientsync_jira.pagination import PaginationLoopError
from clientsync_jira.testing import FakeJira

from clientsync.errors import FatalTrackerError
from clientsync.retry import RetryPolicy
from clientsync.testing import RateLimited, Reply

SEARCH = "/rest/api/3/search/jql"


def jqls(server: FakeJira) -> list[str]:
    return [json.loads(r.body)["jql"] for r in server.requests if r.path == SEARCH]


def test_full_read_makes_the_minimum_requests(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 450, seed=3)
    truncated = sum(1 for i in fake_jira.data.issues.values() if len(i.histories) > 40)
    result = jira_connect(fake_jira, "CS", retry).read(full=True)
    assert len(result.items) == 450 and result.census
    assert fake_jira.count("/rest/api/2/serverInfo") == 1
    assert fake_jira.count("/rest/api/3/field") == 1
    assert fake_jira.count(SEARCH) == 1  # 450 ids in one fields=id page
    assert fake_jira.count("/rest/api/3/issue/bulkfetch") == 5  # ceil(450 / 100)
    assert fake_jira.count("/rest/api/3/project/CS/version") == 1
    assert truncated and fake_jira.count("/rest/api/3/changelog/bulkfetch") == 1
    assert len(fake_jira.requests) == 10
    # Field selection, never *all:
    bodies = [json.loads(r.body) for r in fake_jira.requests if r.path.endswith("bulkfetch")]
    assert all("*all" not in (b.get("fields") or []) for b in bodies)


def test_truncated_changelogs_are_completed(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 1, seed=1)  # issue 1 of every 97 has 45 transitions
    issue = next(iter(fake_jira.data.issues.values()))
    assert len(issue.histories) == 45
    result = jira_connect(fake_jira, "CS", retry).read(full=True)
    statuses = [c for c in result.changes if c.field == "status"]
    assert len(statuses) == 45, "the oldest transitions beyond the embedded 40 were lost"
    assert statuses[0].before == "To Do" and statuses[0].after == "In Progress"


def test_incremental_read_uses_epoch_ms_and_at_most_5_requests(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 5000, seed=2)
    connector = jira_connect(fake_jira, "CS", retry)
    first = connector.read()
    changed = sorted(fake_jira.data.issues)[:100]
    fake_jira.data.tick(3_600_000)
    for ident in changed:
        fake_jira.update_item(str(ident), title=f"changed {ident}")
    before = len(fake_jira.requests)
    later = jira_connect(fake_jira, "CS", retry)  # a new process: metadata again
    second = later.read(cursor=first.cursor)
    assert len(fake_jira.requests) - before <= 5
    read = {i.id for i in second.items}
    assert {str(i) for i in changed} <= read
    assert len(read) - len(changed) <= 1, "only the overlap window's last issue is re-read"
    query = jqls(fake_jira)[-1]
    since = json.loads(first.cursor)["updated_ms"] - 5 * 60_000
    assert f"updated >= {since} " in query


def test_census_every_n_syncs_reports_deletions(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 30, seed=2)
    connector = jira_connect(fake_jira, "CS", retry, census_every=2)
    cursor = connector.read().cursor
    gone = str(min(fake_jira.data.issues))
    fake_jira.delete_item(gone)
    one = connector.read(cursor=cursor)
    assert one.census_ids is None
    two = connector.read(cursor=one.cursor)
    assert two.census_ids is not None and gone not in two.census_ids
    assert len(two.census_ids) == 29


def test_user_jql_filter_is_anded_with_the_project(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 40, seed=2)
    result = jira_connect(fake_jira, "CS", retry, jql="labels = phase-1").read(full=True)
    assert result.items and all("phase-1" in i.labels for i in result.items)
    assert jqls(fake_jira)[0].startswith('project = "CS" AND (labels = phase-1)')


def test_sequential_search_mode_reads_the_same(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 230, seed=4)
    fast = jira_connect(fake_jira, "CS", retry).read(full=True)
    plain = jira_connect(fake_jira, "CS", retry, full_read="search").read(full=True)
    assert sorted(fast.items, key=lambda i: i.id) == sorted(plain.items, key=lambda i: i.id)


def test_data_center_uses_v2_search_with_start_at(retry: RetryPolicy, jira_connect: Any) -> None:
    with FakeJira(mode="datacenter") as server:
        server.data.generate("CS", 250, seed=5)
        result = jira_connect(server, "CS", retry).read(full=True)
        assert len(result.items) == 250
        starts = [r.query["startAt"][0] for r in server.requests if r.path == "/rest/api/2/search"]
        assert starts == ["0", "100", "200"]
        assert not server.count("/rest/api/3")


def test_old_search_on_cloud_is_410_and_a_clear_fatal_error(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 3)
    connector = jira_connect(fake_jira, "CS", retry, deployment="datacenter")
    with pytest.raises(FatalTrackerError, match="410") as caught:
        connector.read(full=True)
    assert "search/jql" in str(caught.value)
    assert fake_jira.count("/rest/api/2/search") == 1, "a 410 is never retried"


@pytest.mark.parametrize(("status", "words"), [(401, "credentials"), (403, "permission")])
def test_401_and_403_are_clear_and_not_retried(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any, status: int, words: str
) -> None:
    fake_jira.fail_status(status)
    with pytest.raises(FatalTrackerError, match=words) as caught:
        jira_connect(fake_jira, "CS", retry).read(full=True)
    assert caught.value.status == status
    assert len(fake_jira.requests) == 1
    assert fake_jira.secret not in str(caught.value)


def test_429_retry_after_is_honoured(
    fake_jira: FakeJira,
    retry: RetryPolicy,
    jira_connect: Any,
    sleeps: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_jira.data.generate("CS", 5)
    fake_jira.fail_next(RateLimited(retry_after=7))
    with caplog.at_level(logging.WARNING):
        result = jira_connect(fake_jira, "CS", retry).read(full=True)
    assert len(result.items) == 5
    assert sleeps == [7.0]
    assert fake_jira.secret not in caplog.text


def test_a_repeated_page_token_stops_instead_of_looping(
    fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any
) -> None:
    fake_jira.data.generate("CS", 3)

    def looping(request: Any) -> Reply:
        return Reply(200, {}, {"issues": [{"id": "1", "key": "CS-1"}], "nextPageToken": "same"})

    fake_jira._routes.insert(0, ("POST", __import__("re").compile(SEARCH), looping))
    with pytest.raises(PaginationLoopError):
        jira_connect(fake_jira, "CS", retry).read(full=True)
    assert fake_jira.count(SEARCH) == 2


def test_epics_as_milestones(fake_jira: FakeJira, retry: RetryPolicy, jira_connect: Any) -> None:
    epic = fake_jira.add_item("CS-1", "Launch", issuetype="Epic", duedate="2026-06-01")
    fake_jira.data.add_issue("CS-2", "Story", "CS", parent="CS-1")
    result = jira_connect(fake_jira, "CS", retry, milestones="epics").read(full=True)
    assert [(m.id, m.name, str(m.due)) for m in result.milestones] == [
        (epic, "Launch", "2026-06-01")
    ]
    story = next(i for i in result.items if i.key == "CS-2")
    assert story.milestones == (epic,)
    assert not fake_jira.count("/rest/api/3/project/CS/version")
