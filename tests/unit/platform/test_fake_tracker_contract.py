from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clientsync.domain.model import Milestone, Project, WorkItem
from clientsync.errors import FatalTrackerError, TransientTrackerError
from clientsync.ports import TrackerReader, TrackerWriter
from clientsync.retry import RetryPolicy
from clientsync.testing import (
    ConnectorContract,
    ContractBackend,
    FakeTracker,
    FakeTrackerBackend,
    FixedClock,
    WritableContractBackend,
)


class TestFakeTrackerContract(ConnectorContract):
    @pytest.fixture
    def tracker(self) -> FakeTrackerBackend:
        return FakeTrackerBackend(page_size=3)

    @pytest.fixture
    def reader(self, tracker: FakeTrackerBackend) -> FakeTracker:
        return tracker.fake


# -- the fake itself ---------------------------------------------------------------------

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PROJECT = Project(id="acme", name="Acme portal")


def item(n: int, title: str | None = None) -> WorkItem:
    return WorkItem(id=f"id-{n}", key=f"AC-{n}", title=title or f"Item {n}", created=T0, updated=T0)


def test_backend_adapter_satisfies_the_contract_protocols() -> None:
    backend: WritableContractBackend = FakeTrackerBackend()  # checked by mypy too
    assert isinstance(backend, ContractBackend)
    assert isinstance(backend, WritableContractBackend)


def test_fake_tracker_implements_both_ports() -> None:
    fake = FakeTracker(PROJECT)
    assert isinstance(fake, TrackerReader)
    assert isinstance(fake, TrackerWriter)


def test_census_then_incremental_reads_follow_the_version_cursor() -> None:
    fake = FakeTracker(PROJECT, [item(1), item(2), item(3)], [Milestone(id="m1", name="Beta")])
    first = fake.read()
    assert first.census
    assert [i.key for i in first.items] == ["AC-1", "AC-2", "AC-3"]
    assert [m.id for m in first.milestones] == ["m1"]
    assert first.cursor == str(fake.version)

    fake.put_item(item(2, "Renamed"))
    fake.delete_item("id-3")
    fake.put_item(item(4))
    second = fake.read(cursor=first.cursor)
    assert not second.census
    assert [(i.key, i.title) for i in second.items] == [("AC-2", "Renamed"), ("AC-4", "Item 4")]
    assert second.deleted == ("id-3",)

    third = fake.read(cursor=second.cursor)
    assert third.items == ()
    assert third.deleted == ()
    assert fake.read(cursor=second.cursor, full=True).census
    assert fake.calls == 4


def test_readding_a_deleted_item_clears_its_deletion() -> None:
    fake = FakeTracker(PROJECT, [item(1)])
    start = fake.read().cursor
    fake.delete_item("id-1")
    fake.put_item(item(1, "Back"))
    result = fake.read(cursor=start)
    assert result.deleted == ()
    assert [i.title for i in result.items] == ["Back"]


def test_a_cursor_it_did_not_issue_is_fatal() -> None:
    fake = FakeTracker(PROJECT, [item(1)])
    with pytest.raises(FatalTrackerError, match="not issued"):
        fake.read(cursor="99")
    with pytest.raises(FatalTrackerError):
        fake.read(cursor="yesterday")


def test_reads_are_served_in_pages() -> None:
    fake = FakeTracker(PROJECT, [item(n) for n in range(1, 8)], page_size=3)
    assert len(fake.read().items) == 7
    assert fake.pages_served == 3
    fake.read(cursor=fake.read().cursor)  # nothing changed: still one (empty) page
    assert fake.pages_served == 7


def test_script_fails_the_pages_in_order() -> None:
    boom = FatalTrackerError("fake: 403", status=403)
    fake = FakeTracker(PROJECT, [item(n) for n in range(1, 5)], page_size=2, script=[None, boom])
    with pytest.raises(FatalTrackerError):
        fake.read()  # page 1 served, page 2 fails
    assert fake.pages_served == 1
    assert len(fake.read().items) == 4


def test_fail_rate_is_seeded_and_recoverable_with_retries() -> None:
    def statuses(seed: int) -> list[int | None]:
        fake = FakeTracker(PROJECT, [item(1)], fail_rate=0.5, seed=seed)
        seen: list[int | None] = []
        for _ in range(20):
            try:
                fake.read()
                seen.append(200)
            except TransientTrackerError as error:
                seen.append(error.status)
        return seen

    assert statuses(3) == statuses(3)
    assert set(statuses(3)) == {200, 503}

    fake = FakeTracker(PROJECT, [item(n) for n in range(1, 30)], fail_rate=0.3, seed=1)
    policy = RetryPolicy(max_attempts=50, sleep=lambda s: None)
    assert len(policy.call(fake.read).items) == 29


def test_lost_access_reads_succeed_with_nothing() -> None:
    fake = FakeTracker(PROJECT, [item(1), item(2)])
    cursor = fake.read().cursor
    fake.set_lost_access(True)
    lost = fake.read(cursor=cursor)
    assert lost.census
    assert lost.items == ()
    fake.set_lost_access(False)
    assert len(fake.read().items) == 2


def test_post_update_is_idempotent_per_key_and_records_posts() -> None:
    fake = FakeTracker(PROJECT, [item(1)])
    first = fake.post_update("AC-1", "On track", idempotency_key="k1")
    assert fake.post_update("AC-1", "On track", idempotency_key="k1") == first
    second = fake.post_update("AC-1", "At risk", idempotency_key="k2")
    assert second != first
    assert fake.posted == [("AC-1", "On track", "k1", first), ("AC-1", "At risk", "k2", second)]


def test_failed_post_is_not_recorded_and_a_retry_posts_once() -> None:
    fake = FakeTracker(PROJECT, script=[TransientTrackerError("fake: 503", status=503)])
    policy = RetryPolicy(sleep=lambda s: None)
    post_id = policy.call(fake.post_update, "AC-1", "Hello", idempotency_key="k")
    assert fake.posted == [("AC-1", "Hello", "k", post_id)]


def test_fail_next_raises_a_fresh_error_each_time() -> None:
    fake = FakeTracker(PROJECT)
    fake.fail_next(TransientTrackerError("fake: 503", status=503), times=2)
    raised = []
    for _ in range(2):
        with pytest.raises(TransientTrackerError) as error:
            fake.read()
        raised.append(error.value)
    assert raised[0] is not raised[1]
    assert raised[1].status == 503
    assert fake.read().census


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    assert clock.now() == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    clock.advance(timedelta(minutes=5))
    clock.advance(30)
    clock.sleep(2.5)
    assert clock.now() == datetime(2026, 11, 2, 10, 5, 32, 500000, tzinfo=UTC)
    assert clock.monotonic() == 332.5
    assert clock.slept == [2.5]
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 11, 2))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
