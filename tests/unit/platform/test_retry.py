from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.errors import FatalTrackerError, TrackerError, TransientTrackerError
from clientsync.retry import RetryPolicy, parse_retry_after
from clientsync.testing import FixedClock

NOW = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)


class Flaky:
    """Raises the scripted errors in turn, then returns "ok"; counts calls."""

    def __init__(self, *errors: Exception, on_call: Callable[[], None] | None = None) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.on_call = on_call

    def __call__(self) -> str:
        self.calls += 1
        if self.on_call is not None:
            self.on_call()
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy_on(clock: FixedClock, **overrides: float) -> RetryPolicy:
    return RetryPolicy(
        sleep=clock.sleep,
        clock=clock.monotonic,
        utcnow=clock.now,
        rng=random.Random(7),
        **overrides,  # type: ignore[arg-type]
    )


def transient(message: str = "tracker said 503", **kwargs: float | None) -> TransientTrackerError:
    return TransientTrackerError(message, status=503, **kwargs)


# -- parse_retry_after -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("-5", 0.0),
        ("Sat, 28 Nov 2026 14:00:00 GMT", 3600.0),
        ("Sat, 28 Nov 2026 13:00:30 -0000", 30.0),
        ("Sat, 28 Nov 2026 12:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


# -- Retry-After -------------------------------------------------------------------------


def test_retry_after_seconds_is_waited_exactly() -> None:
    clock = FixedClock(NOW)
    call = Flaky(TransientTrackerError("rate limited", status=429, retry_after=7))
    assert policy_on(clock).call(call) == "ok"
    assert clock.slept == [7.0]
    assert call.calls == 2


def test_retry_after_http_date_is_waited_until_that_time() -> None:
    clock = FixedClock(NOW)
    wait = parse_retry_after("Sat, 28 Nov 2026 13:00:45 GMT", now=clock.now())
    call = Flaky(TransientTrackerError("rate limited", status=429, retry_after=wait))
    assert policy_on(clock).call(call) == "ok"
    assert clock.slept == [45.0]


def test_retry_after_beyond_the_cap_raises_saying_when_to_retry_without_sleeping() -> None:
    clock = FixedClock(NOW)
    original = TransientTrackerError("tracker said 429", status=429, retry_after=3600)
    call = Flaky(original)
    with pytest.raises(TrackerError) as raised:
        policy_on(clock).call(call)
    message = str(raised.value)
    assert message.startswith(
        "rate limited; the tracker asks to retry after 2026-11-28 14:00 UTC (in 3600 s)"
    )
    assert "tracker said 429" in message
    assert raised.value.status == 429
    assert raised.value.__cause__ is original
    assert clock.slept == []
    assert call.calls == 1


def test_retry_after_within_the_cap_is_honoured_even_above_max_backoff() -> None:
    clock = FixedClock(NOW)
    call = Flaky(transient(retry_after=200))
    assert policy_on(clock, max_backoff=30, max_retry_after=300, max_total_seconds=600).call(call)
    assert clock.slept == [200.0]


# -- backoff -----------------------------------------------------------------------------


def test_backoff_without_jitter_doubles_up_to_the_maximum() -> None:
    clock = FixedClock(NOW)
    call = Flaky(*(transient() for _ in range(9)))
    policy = policy_on(clock, max_attempts=10, jitter=0.0, max_total_seconds=1000)
    assert policy.call(call) == "ok"
    assert clock.slept == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_jittered_backoff_grows_and_stays_bounded() -> None:
    clock = FixedClock(NOW)
    call = Flaky(*(transient() for _ in range(11)))
    policy = policy_on(clock, max_attempts=12, jitter=0.25, max_total_seconds=10_000)
    policy.call(call)
    waits = clock.slept
    assert len(waits) == 11
    rising = waits[:6]  # 0.5 .. 16 s before the 30 s ceiling: each at least 1.5x the last
    assert all(later > earlier for earlier, later in itertools.pairwise(rising))
    assert all(w <= 30.0 for w in waits)
    assert all(w >= 0.75 * 30.0 for w in waits[7:])
    assert len(set(waits[7:])) > 1, "jitter spreads the capped waits"


def test_jitter_comes_from_the_injected_random_so_runs_repeat() -> None:
    def run() -> list[float]:
        clock = FixedClock(NOW)
        policy_on(clock, max_attempts=5).call(Flaky(*(transient() for _ in range(4))))
        return clock.slept

    assert run() == run()


# -- what is not retried -----------------------------------------------------------------


def test_fatal_error_is_not_retried_and_not_changed() -> None:
    clock = FixedClock(NOW)
    error = FatalTrackerError("401 unauthorized; check the token", status=401)
    call = Flaky(error)
    with pytest.raises(FatalTrackerError) as raised:
        policy_on(clock).call(call)
    assert raised.value is error
    assert str(error) == "401 unauthorized; check the token"
    assert call.calls == 1
    assert clock.slept == []


def test_other_exceptions_are_not_retried() -> None:
    clock = FixedClock(NOW)
    call = Flaky(ValueError("a bug, not the network"))
    with pytest.raises(ValueError, match="a bug"):
        policy_on(clock).call(call)
    assert call.calls == 1


def test_write_without_idempotency_is_never_retried() -> None:
    clock = FixedClock(NOW)
    call = Flaky(transient())
    with pytest.raises(TransientTrackerError):
        policy_on(clock).call(call, idempotent=False)
    assert call.calls == 1
    assert clock.slept == []


def test_idempotent_write_is_retried() -> None:
    clock = FixedClock(NOW)
    call = Flaky(transient())
    assert policy_on(clock).call(call, idempotent=True) == "ok"
    assert call.calls == 2


# -- giving up ---------------------------------------------------------------------------


def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    clock = FixedClock(NOW)
    errors = [transient(f"tracker said 503 (try {n})") for n in range(1, 6)]
    call = Flaky(*errors)
    with pytest.raises(TransientTrackerError) as raised:
        policy_on(clock).call(call)
    assert raised.value is errors[-1]
    assert str(raised.value) == "tracker said 503 (try 5) (gave up after 5 attempts)"
    assert raised.value.status == 503
    assert call.calls == 5
    assert len(clock.slept) == 4


def test_total_time_budget_stops_before_waiting_past_it() -> None:
    clock = FixedClock(NOW)
    starts: list[float] = []

    def slow_call() -> None:
        starts.append(clock.monotonic())
        clock.advance(50)  # each attempt takes 50 s of tracker time

    call = Flaky(*(transient() for _ in range(10)), on_call=slow_call)
    policy = policy_on(clock, max_attempts=10, max_total_seconds=120, jitter=0.0)
    with pytest.raises(TransientTrackerError, match="gave up after 3 attempts"):
        policy.call(call)
    assert starts == [0.0, 50.5, 101.5]
    assert all(start <= 120 for start in starts)


def test_retrying_object_works_as_an_attempt_loop() -> None:
    clock = FixedClock(NOW)
    call = Flaky(transient(), transient())
    result = None
    for attempt in policy_on(clock).retrying():
        with attempt:
            result = call()
    assert result == "ok"
    assert call.calls == 3


def test_policy_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=1.5)


# -- logging -----------------------------------------------------------------------------


def test_one_warning_per_retry_with_message_attempt_and_wait_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "tok-9f8e7d6c5b4a"
    clock = FixedClock(NOW)

    def read(token: str) -> str:
        return call()

    call = Flaky(
        TransientTrackerError("GET /search: 503 from tracker", status=503),
        TransientTrackerError("rate limited", status=429, retry_after=4),
    )
    with caplog.at_level(logging.DEBUG, logger="clientsync.retry"):
        assert policy_on(clock, jitter=0.0).call(read, token=secret) == "ok"

    records = [r for r in caplog.records if r.name == "clientsync.retry"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    first, second = (r.getMessage() for r in records)
    assert "attempt 1 of 5" in first
    assert "GET /search: 503 from tracker" in first
    assert "retrying in 0.50 s" in first
    assert "attempt 2 of 5" in second
    assert "retrying in 4.00 s as the tracker asked (Retry-After)" in second
    assert all(r.exc_info is None for r in records)
    assert secret not in caplog.text


# -- properties --------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    retry_afters=st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=300)), max_size=12),
    max_attempts=st.integers(min_value=1, max_value=12),
    max_total=st.floats(min_value=0, max_value=400),
    base=st.floats(min_value=0.001, max_value=5),
    max_backoff=st.floats(min_value=0.01, max_value=60),
    jitter=st.floats(min_value=0, max_value=1),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_waits_are_bounded_and_fit_the_budget(
    retry_afters: list[float | None],
    max_attempts: int,
    max_total: float,
    base: float,
    max_backoff: float,
    jitter: float,
    seed: int,
) -> None:
    elapsed = 0.0
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        nonlocal elapsed
        sleeps.append(seconds)
        elapsed += seconds

    errors = [transient(retry_after=ra) for ra in retry_afters]
    policy = RetryPolicy(
        max_attempts=max_attempts,
        max_total_seconds=max_total,
        backoff_base=base,
        max_backoff=max_backoff,
        jitter=jitter,
        sleep=sleep,
        clock=lambda: elapsed,
        rng=random.Random(seed),
    )
    call = Flaky(*errors)
    try:
        policy.call(call)
    except TransientTrackerError:
        assert call.calls <= max_attempts
    for wait, asked in zip(sleeps, retry_afters, strict=False):
        if asked:
            assert wait == asked
        else:
            assert 0 <= wait <= max_backoff
    assert sum(sleeps) <= max_total
    assert len(sleeps) < max_attempts
