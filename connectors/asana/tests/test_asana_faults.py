"""Faults (429 + Retry-After, 5xx, resets, truncated bodies, timeouts) change nothing."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clientsync_asana import AsanaConnector
from clientsync_asana.client import Timeouts
from clientsync_asana.testing import FakeAsana
from pydantic import SecretStr

from clientsync.ports import ReadResult
from clientsync.retry import RetryPolicy
from clientsync.store import Store
from clientsync.sync import sync_source
from clientsync.testing import (
    ConnectionReset,
    Fault,
    RateLimited,
    ServerError,
    Slow,
    Truncated,
)

Make = Callable[..., AsanaConnector]


def build(server: FakeAsana, count: int, *, sections: int = 1) -> str:
    """A project with `count` tasks over `sections` columns, milestones and dependencies."""
    project = server.add_project("Acme", with_default_section=sections == 1)
    columns = (
        server.project_sections(project)
        if sections == 1
        else [server.add_section(project, n) for n in ("Backlog", "In Progress", "Review")]
    )
    rng = random.Random(5)
    gids: list[str] = []
    for n in range(count):
        gids.append(
            server.add_task(
                project,
                f"Task {n}",
                section=columns[n % len(columns)],
                due_on=f"2024-07-{n % 28 + 1:02d}" if n % 3 else None,
                tags=["blocked"] if n % 17 == 0 else [],
            )
        )
    for m in range(3):
        server.add_task(
            project,
            f"Milestone {m}",
            resource_subtype="milestone",
            due_on=f"2024-08-0{m + 1}",
            dependencies=rng.sample(gids, 20),
        )
    return project


def same(a: ReadResult, b: ReadResult) -> None:
    assert sorted(a.items, key=lambda i: i.id) == sorted(b.items, key=lambda i: i.id)
    assert sorted(a.milestones, key=lambda m: m.id) == sorted(b.milestones, key=lambda m: m.id)
    assert sorted(a.deleted) == sorted(b.deleted)


@pytest.mark.parametrize(
    ("fault", "waited"),
    [
        (RateLimited(retry_after=7), 7.0),
        (ServerError(500), None),
        (ServerError(503), None),
        (ConnectionReset(), None),
        (Truncated(missing=40), None),
        (Slow(seconds=5), None),
    ],
    ids=["429", "500", "503", "reset", "truncated", "timeout"],
)
def test_a_fault_anywhere_gives_the_fault_free_result(
    fake_asana: FakeAsana,
    make_connector: Make,
    sleeps: list[float],
    fault: Fault,
    waited: float | None,
) -> None:
    project = build(fake_asana, 250, sections=3)
    clean = make_connector(project).read(full=True)
    for position in range(7):  # each request of a full read in turn
        fake_asana.script(*([None] * position), fault, fault)
        connector = make_connector(project, timeouts=Timeouts(1.0, 0.25))
        same(connector.read(full=True), clean)
    if waited is not None:
        assert waited in sleeps
    faulted = sum(1 for r in fake_asana.requests if r.fault is not None)
    assert faulted >= 13
    assert len(sleeps) >= faulted, "every injected fault was retried"


def test_post_429_is_retried_after_retry_after(
    fake_asana: FakeAsana, make_connector: Make, sleeps: list[float]
) -> None:
    project = fake_asana.add_project("P")
    task = fake_asana.add_task(project, "T")
    connector = make_connector(project)
    fake_asana.script(None, RateLimited(retry_after=3))  # the lookup passes, the POST is refused
    connector.post_update(task, "Hello", idempotency_key="k1")
    assert sleeps == [3.0]
    assert len([s for s in fake_asana.stories[task] if s["type"] == "comment"]) == 1


def test_twenty_percent_failures_end_with_the_clean_store(tmp_path: Path) -> None:
    faults = (ServerError(503), ServerError(500), RateLimited(2), ConnectionReset(), Truncated())
    policy = RetryPolicy(max_attempts=60, max_total_seconds=1e9, sleep=lambda s: None)
    now = datetime(2024, 6, 2, tzinfo=UTC)
    with (
        FakeAsana(token="t") as clean_server,
        FakeAsana(token="t", fault_rate=0.2, rate_faults=faults, seed=11) as flaky_server,
        Store.open(tmp_path / "clean.db") as clean_store,
        Store.open(tmp_path / "flaky.db") as flaky_store,
    ):
        servers = (clean_server, flaky_server)
        projects = [build(server, 3000, sections=3) for server in servers]
        assert projects[0] == projects[1]
        readers = [
            AsanaConnector(project=projects[0], token=SecretStr("t"), host=s.api_url, retry=policy)
            for s in servers
        ]
        edits = random.Random(3)
        for round_ in range(4):
            now += timedelta(hours=1)
            if round_:
                gids = sorted(clean_server.tasks)
                chosen = edits.sample(gids, 60)
                for server in servers:
                    for n, gid in enumerate(chosen):
                        if n % 10 == 0:
                            server.delete_task(gid)
                        elif n % 3 == 0:
                            server.update_task(gid, completed=True)
                        else:
                            server.update_task(
                                gid, name=f"Edited {round_}-{n}", due_on="2024-09-01"
                            )
                    server.add_task(projects[0], f"New {round_}")
            full = round_ == 2
            expected = sync_source(clean_store, "asana", readers[0], now=now, full=full)
            got = sync_source(flaky_store, "asana", readers[1], now=now, full=full, retry=policy)
            assert expected.full == got.full == (round_ in (0, 2))
            assert (got.read, got.inserted, got.updated, got.deleted) == (
                expected.read,
                expected.inserted,
                expected.updated,
                expected.deleted,
            )
            assert flaky_store.snapshot("asana", taken_at=now) == clean_store.snapshot(
                "asana", taken_at=now
            )
            assert flaky_store.history() == clean_store.history()
        for reader in readers:
            reader.close()
        assert sum(1 for r in flaky_server.requests if r.fault is not None) > 10
