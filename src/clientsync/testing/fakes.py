"""In-memory fakes for tests: a fixed clock and a deterministic tracker.

`FakeTracker` is a real implementation of the ports (moto-style), not a mock: it keeps
items in memory, hands out cursors, pages, deduplicates writes by idempotency key and
fails on request, the same way every time for the same seed.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from clientsync.domain.model import Milestone, Project, WorkItem
from clientsync.errors import FatalTrackerError, TransientTrackerError
from clientsync.ports import ReadResult

__all__ = ["FakeTracker", "FakeTrackerBackend", "FixedClock"]


class FixedClock:
    """A clock that moves only when told to; `sleep` moves it instead of waiting.

    Inject `sleep` as `RetryPolicy(sleep=...)`, `monotonic` as its `clock` and `now` as its
    `utcnow`: retry waits then pass in clock time only, recorded in `slept`.
    """

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime, e.g. datetime(..., tzinfo=UTC)")
        self._start = now.astimezone(UTC)
        self._now = self._start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("FixedClock cannot go backwards")
        self._now += step
        return self._now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def monotonic(self) -> float:
        """Seconds since the clock was made: a stand-in for `time.monotonic`."""
        return (self._now - self._start).total_seconds()

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"


class FakeTracker:
    """An in-memory tracker implementing `TrackerReader` and `TrackerWriter`.

    Every mutation bumps a version counter; a cursor is that version as a string. A read
    without a cursor (or `full=True`) is a census of all items; a read with a cursor returns
    the items changed after it and the ids deleted after it. Reads are served in pages of
    `page_size`; before each page (and each post) the next `script` entry is raised when it
    is an exception, then a transient 503 is raised with probability `fail_rate`.
    """

    def __init__(
        self,
        project: Project,
        items: Iterable[WorkItem] = (),
        milestones: Iterable[Milestone] = (),
        *,
        fail_rate: float = 0.0,
        seed: int = 0,
        script: Sequence[Exception | None] = (),
        page_size: int = 100,
    ) -> None:
        if page_size < 1:
            raise ValueError("FakeTracker.page_size must be at least 1")
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError("FakeTracker.fail_rate is a probability between 0 and 1")
        self.project = project
        self.page_size = page_size
        self.fail_rate = fail_rate
        self._rng = random.Random(seed)
        self._script: deque[Exception | None] = deque(script)
        self._version = 0
        self._items: dict[str, tuple[int, WorkItem]] = {}
        self._deleted: dict[str, int] = {}
        self._milestones: dict[str, Milestone] = {}
        self._posts_by_key: dict[str, str] = {}
        self._post_ids = itertools.count(1)
        self._lost_access = False
        self.posted: list[tuple[str, str, str, str]] = []
        self.calls = 0
        self.pages_served = 0
        for item in items:
            self.put_item(item)
        for milestone in milestones:
            self.put_milestone(milestone)

    # -- control -----------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._version

    @property
    def items(self) -> tuple[WorkItem, ...]:
        return tuple(item for _, item in self._items.values())

    def put_item(self, item: WorkItem) -> None:
        self._version += 1
        self._items[item.id] = (self._version, item)
        self._deleted.pop(item.id, None)

    def delete_item(self, item_id: str) -> None:
        if item_id not in self._items:
            raise KeyError(f"FakeTracker has no item with id {item_id!r}")
        self._version += 1
        del self._items[item_id]
        self._deleted[item_id] = self._version

    def put_milestone(self, milestone: Milestone) -> None:
        self._version += 1
        self._milestones[milestone.id] = milestone

    def set_lost_access(self, lost: bool = True) -> None:
        """While lost, reads succeed with nothing in them, as a revoked token often does."""
        self._lost_access = lost

    def fail_next(self, error: Exception, times: int = 1) -> None:
        """Raise `error` (a fresh copy each time) on the next `times` served pages or posts."""
        self._script.extend(copy.copy(error) for _ in range(times))

    # -- ports -------------------------------------------------------------------------

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        self.calls += 1
        since = None if full or cursor is None else self._parse_cursor(cursor)
        version = self._version
        if self._lost_access:
            self._serve_page()
            return ReadResult(project=self.project, cursor=str(version), census=True)
        changed = sorted(
            (entry for entry in self._items.values() if since is None or entry[0] > since),
            key=lambda entry: entry[0],
        )
        items: list[WorkItem] = []
        for start in range(0, max(len(changed), 1), self.page_size):
            self._serve_page()
            items.extend(item for _, item in changed[start : start + self.page_size])
        deleted = () if since is None else tuple(i for i, v in self._deleted.items() if v > since)
        return ReadResult(
            project=self.project,
            items=tuple(items),
            milestones=tuple(self._milestones.values()),
            deleted=deleted,
            cursor=str(version),
            census=since is None,
        )

    def post_update(self, target: str, body: str, *, idempotency_key: str) -> str:
        if idempotency_key in self._posts_by_key:
            return self._posts_by_key[idempotency_key]
        self._fault()
        post_id = f"post-{next(self._post_ids)}"
        self._posts_by_key[idempotency_key] = post_id
        self.posted.append((target, body, idempotency_key, post_id))
        return post_id

    # -- internals ---------------------------------------------------------------------

    def _parse_cursor(self, cursor: str) -> int:
        try:
            since = int(cursor)
        except ValueError:
            since = -1
        if not 0 <= since <= self._version:
            raise FatalTrackerError(f"fake: cursor {cursor!r} was not issued by this tracker")
        return since

    def _serve_page(self) -> None:
        self._fault()
        self.pages_served += 1

    def _fault(self) -> None:
        if self._script:
            scripted = self._script.popleft()
            if scripted is not None:
                raise scripted
        if self.fail_rate and self._rng.random() < self.fail_rate:
            raise TransientTrackerError("fake: 503", status=503)

    def __repr__(self) -> str:
        return (
            f"FakeTracker(project={self.project.id!r}, items={len(self._items)}, "
            f"version={self._version})"
        )


FailureKind = Literal["transient", "fatal"]


class FakeTrackerBackend:
    """Drives a `FakeTracker` through the `ContractBackend` control API.

    `fake` is both the backend and the connector under test, which is how the contract
    suite checks itself against the reference fake.
    """

    secret = "fake-token-s3cr3t-0b1c"

    def __init__(self, project: Project | None = None, *, page_size: int = 5) -> None:
        self.project = project or Project(id="FAKE", name="Fake project", tracker="fake")
        self.page_size = page_size
        self.fake = FakeTracker(self.project, page_size=page_size)
        self.clock = FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        self._ids = itertools.count(1)

    def add_item(self, key: str, title: str, **fields: Any) -> str:
        item_id = f"item-{next(self._ids)}"
        now = self.clock.advance(60)
        values = {"created": now, "updated": now, **fields}
        self.fake.put_item(WorkItem(id=item_id, key=key, title=title, **values))
        return item_id

    def update_item(self, item_id: str, **fields: Any) -> None:
        current = next((i for i in self.fake.items if i.id == item_id), None)
        if current is None:
            raise KeyError(f"no item with id {item_id!r}")
        data = current.model_dump() | {"updated": self.clock.advance(60)} | fields
        self.fake.put_item(WorkItem.model_validate(data))

    def delete_item(self, item_id: str) -> None:
        self.fake.delete_item(item_id)

    def fail_next(self, exception_kind: FailureKind, times: int = 1) -> None:
        error: Exception
        if exception_kind == "transient":
            error = TransientTrackerError("fake: 503", status=503)
        else:
            error = FatalTrackerError("fake: 401 unauthorized; check the token", status=401)
        self.fake.fail_next(error, times)

    def posted_count(self) -> int:
        return len(self.fake.posted)
