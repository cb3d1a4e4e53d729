"""The behaviour every connector promises, as a pytest base class to subclass.

A connector's test suite runs the contract in a few lines::

    class TestJiraContract(ConnectorContract):
        @pytest.fixture
        def tracker(self, fake_jira):              # drives the fake backend
            return fake_jira

        @pytest.fixture
        def reader(self, tracker):                 # the connector, pointed at the fake
            return JiraConnector(server=tracker.url, token=tracker.secret, project="C")

The backend implements `ContractBackend`, a small control API over the connector's fake
tracker. A connector that also writes (`TrackerWriter`) needs a `WritableContractBackend`.
A contract test that does not apply is marked, never deleted or rewritten:
`@pytest.mark.xfail(reason=...)` on an override that calls `super()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import pytest

from clientsync.errors import FatalTrackerError, TrackerError
from clientsync.ports import ReadResult, TrackerReader, TrackerWriter
from clientsync.retry import RetryPolicy

__all__ = ["ConnectorContract", "ContractBackend", "WritableContractBackend"]

FailureKind = Literal["transient", "fatal"]


@runtime_checkable
class ContractBackend(Protocol):
    """Controls the fake tracker behind the connector under test."""

    @property
    def page_size(self) -> int:
        """Items per page the fake serves; the contract reads more than two pages."""
        ...

    @property
    def secret(self) -> str:
        """The credential configured into the connector; it must never leak."""
        ...

    def add_item(self, key: str, title: str, **fields: Any) -> str:
        """Create an item under exactly this key; return the tracker's id for it."""
        ...

    def update_item(self, item_id: str, **fields: Any) -> None:
        """Change fields (the contract changes `title`), marking the item updated."""
        ...

    def delete_item(self, item_id: str) -> None: ...

    def fail_next(self, exception_kind: FailureKind, times: int = 1) -> None:
        """Fail the next `times` requests: "transient" (503/429) or "fatal" (401/403)."""
        ...


@runtime_checkable
class WritableContractBackend(ContractBackend, Protocol):
    def posted_count(self) -> int:
        """How many updates the fake tracker has received."""
        ...


def _keys(result: ReadResult) -> list[str]:
    return [item.key for item in result.items]


def _titles(result: ReadResult) -> dict[str, str]:
    return {item.key: item.title for item in result.items}


def _error_chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every cause or context a traceback would print."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None


class ConnectorContract:
    """Contract tests for a connector; subclass with `tracker` and `reader` fixtures.

    Set `exact_incremental = False` when incremental reads re-send unchanged items from an
    overlap window: the contract then only requires those extras to be unchanged.
    """

    exact_incremental: ClassVar[bool] = True

    @pytest.fixture
    def tracker(self) -> ContractBackend:
        pytest.fail(f"{type(self).__name__} must define a `tracker` fixture (a ContractBackend)")

    @pytest.fixture
    def reader(self, tracker: ContractBackend) -> TrackerReader:
        pytest.fail(f"{type(self).__name__} must define a `reader` fixture: the connector")

    @pytest.fixture
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(sleep=lambda seconds: None)

    def test_full_read_returns_every_item(
        self, tracker: ContractBackend, reader: TrackerReader
    ) -> None:
        ids = {tracker.add_item(f"CT-{n}", f"Contract item {n}"): f"CT-{n}" for n in (1, 2, 3)}
        result = reader.read(full=True)
        assert result.census, "a full read is a census of the live items"
        assert sorted(_keys(result)) == ["CT-1", "CT-2", "CT-3"]
        assert _titles(result) == {f"CT-{n}": f"Contract item {n}" for n in (1, 2, 3)}
        assert {item.id: item.key for item in result.items} == ids

    def test_first_read_without_cursor_is_a_census_with_a_cursor(
        self, tracker: ContractBackend, reader: TrackerReader
    ) -> None:
        tracker.add_item("CT-1", "First")
        result = reader.read()
        assert result.census
        assert _keys(result) == ["CT-1"]
        assert result.cursor is not None, "the next read needs a cursor to go on from"

    def test_incremental_read_returns_only_changed_items(
        self, tracker: ContractBackend, reader: TrackerReader
    ) -> None:
        tracker.add_item("CT-1", "Unchanged")
        changed_id = tracker.add_item("CT-2", "Before")
        tracker.add_item("CT-3", "Unchanged too")
        first = reader.read()
        assert first.cursor is not None
        tracker.update_item(changed_id, title="After")
        tracker.add_item("CT-4", "New")

        second = reader.read(cursor=first.cursor)
        titles = _titles(second)
        if second.census:
            assert sorted(titles) == ["CT-1", "CT-2", "CT-3", "CT-4"]
        else:
            assert {"CT-2", "CT-4"} <= set(titles)
            extras = set(titles) - {"CT-2", "CT-4"}
            if self.exact_incremental:
                assert not extras, f"unchanged items re-sent: {sorted(extras)}"
            before = _titles(first)
            assert all(titles[key] == before[key] for key in extras)
        assert titles["CT-2"] == "After"
        assert titles["CT-4"] == "New"

        if self.exact_incremental and not second.census:
            assert second.cursor is not None
            third = reader.read(cursor=second.cursor)
            assert third.census or not third.items, "a read with nothing changed sends nothing"

    def test_deletions_are_reported(self, tracker: ContractBackend, reader: TrackerReader) -> None:
        gone = tracker.add_item("CT-1", "Will be deleted")
        kept = tracker.add_item("CT-2", "Stays")
        first = reader.read()
        tracker.delete_item(gone)

        second = reader.read(cursor=first.cursor)
        live = {item.id for item in second.items}
        if second.census:
            assert gone not in live
            assert kept in live
        elif second.census_ids is not None:
            assert gone not in second.census_ids
            assert kept in second.census_ids
        else:
            assert gone in second.deleted, "an incremental read reports deleted ids"
        assert kept not in second.deleted

        full = reader.read(full=True)
        assert _keys(full) == ["CT-2"]

    def test_paging_delivers_every_item_once(
        self, tracker: ContractBackend, reader: TrackerReader
    ) -> None:
        count = tracker.page_size * 2 + 1
        for n in range(count):
            tracker.add_item(f"CT-{n + 1}", f"Paged item {n + 1}")
        result = reader.read(full=True)
        keys = _keys(result)
        assert len(keys) == count, f"expected {count} items over 3 pages, got {len(keys)}"
        assert set(keys) == {f"CT-{n + 1}" for n in range(count)}
        assert len({item.id for item in result.items}) == count, "an item arrived twice"

    def test_transient_failure_then_success_gives_the_full_result(
        self,
        tracker: ContractBackend,
        reader: TrackerReader,
        retry_policy: RetryPolicy,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        for n in (1, 2, 3):
            tracker.add_item(f"CT-{n}", f"Item {n}")
        tracker.fail_next("transient", times=2)
        with caplog.at_level(logging.WARNING, logger="clientsync.retry"):
            result = retry_policy.call(reader.read, full=True)
        assert result.census
        assert sorted(_keys(result)) == ["CT-1", "CT-2", "CT-3"]
        retries = [r for r in caplog.records if r.name == "clientsync.retry"]
        assert retries, "the transient failures were expected to be retried"
        assert tracker.secret not in caplog.text

    def test_fatal_failure_raises_fatal_error_without_retrying(
        self,
        tracker: ContractBackend,
        reader: TrackerReader,
        retry_policy: RetryPolicy,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        tracker.add_item("CT-1", "Item")
        tracker.fail_next("fatal")
        with (
            caplog.at_level(logging.WARNING, logger="clientsync.retry"),
            pytest.raises(FatalTrackerError),
        ):
            retry_policy.call(reader.read, full=True)
        assert not [r for r in caplog.records if r.name == "clientsync.retry"]

    def test_repeated_post_update_posts_once(
        self, tracker: ContractBackend, reader: TrackerReader
    ) -> None:
        if not isinstance(reader, TrackerWriter):
            pytest.skip("the connector does not write to the tracker")
        if not isinstance(tracker, WritableContractBackend):
            pytest.fail("a writing connector needs a backend with posted_count()")
        tracker.add_item("CT-1", "Target")
        first = reader.post_update("CT-1", "Status: on track", idempotency_key="contract-1")
        again = reader.post_update("CT-1", "Status: on track", idempotency_key="contract-1")
        assert again == first
        assert tracker.posted_count() == 1
        other = reader.post_update("CT-1", "Status: at risk", idempotency_key="contract-2")
        assert other != first
        assert tracker.posted_count() == 2

    def test_errors_do_not_reveal_the_secret(
        self, tracker: ContractBackend, reader: TrackerReader
    ) -> None:
        tracker.add_item("CT-1", "Item")
        raised: list[BaseException] = []
        for kind in ("fatal", "transient"):
            tracker.fail_next(kind)
            try:
                reader.read(full=True)
            except TrackerError as failure:
                raised.append(failure)
        assert raised, "a fatal failure was injected but nothing was raised"
        for error in raised:
            for link in _error_chain(error):
                assert tracker.secret not in str(link), f"secret in {type(link).__name__}"
                assert tracker.secret not in repr(link), f"secret in repr of {type(link)}"
                assert tracker.secret not in repr(link.args)

    def test_repr_does_not_reveal_the_secret(
        self, tracker: ContractBackend, reader: TrackerReader
    ) -> None:
        assert tracker.secret not in repr(reader)
        assert tracker.secret not in str(reader)

    def test_contract_tests_not_overridden(self) -> None:
        for name, contract_test in vars(ConnectorContract).items():
            if not name.startswith("test_"):
                continue
            own = getattr(type(self), name)
            if own is contract_test:
                continue
            marks = {mark.name for mark in getattr(own, "pytestmark", [])}
            if not marks & {"xfail", "skip", "skipif"}:
                pytest.fail(
                    f"{type(self).__name__}.{name} replaces a contract test; keep it, or "
                    "override it with @pytest.mark.xfail(reason=...) saying why it cannot pass"
                )
