"""The one retry policy: every tracker call that may be retried goes through `RetryPolicy`.

Connectors turn their SDK's own retries off and classify failures into
`TransientTrackerError` (408, 429, 5xx, resets, timeouts; with the server's `Retry-After`
in seconds) and `FatalTrackerError`. Only transient errors are retried, and only when the
call is safe to repeat: reads, and writes guarded by an idempotency key.
"""

from __future__ import annotations

import logging
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import tenacity
from tenacity import RetryCallState

from .errors import TrackerError, TransientTrackerError

__all__ = ["RetryPolicy", "parse_retry_after"]

log = logging.getLogger("clientsync.retry")

T = TypeVar("T")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP-date.

    Returns None when the header is absent or unreadable; a time in the past gives 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no claim about local time
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Retry transient tracker errors with capped, jittered exponential backoff.

    Waits `Retry-After` when the tracker sends it (refusing, with the time to come back,
    when it asks for more than `max_retry_after`); otherwise `backoff_base * 2**(n-1)`
    capped at `max_backoff`, less up to `jitter` of it at random. Stops after
    `max_attempts`, or before a wait would take the run past `max_total_seconds`, and then
    raises the last error. `sleep`, `clock` (monotonic seconds), `utcnow` and `rng` are
    injectable so tests never really wait.
    """

    max_attempts: int = 5
    max_total_seconds: float = 120.0
    backoff_base: float = 0.5
    max_backoff: float = 30.0
    jitter: float = 0.25
    max_retry_after: float = 300.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    utcnow: Callable[[], datetime] = field(default=_utcnow, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("RetryPolicy.jitter is a fraction between 0 and 1")
        for name in ("max_total_seconds", "backoff_base", "max_backoff", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"RetryPolicy.{name} must not be negative")

    def call(self, fn: Callable[..., T], *args: Any, idempotent: bool = True, **kwargs: Any) -> T:
        """Run `fn(*args, **kwargs)`, retrying transient errors if `idempotent`."""
        result: T = self.retrying(idempotent=idempotent)(fn, *args, **kwargs)
        return result

    def retrying(self, *, idempotent: bool = True) -> tenacity.Retrying:
        """A tenacity `Retrying` for this policy; use as a callable or `for attempt in ...`.

        A write without an idempotency key (`idempotent=False`) is never retried: a
        timeout may hide a write that landed, and repeating it would post twice.
        """
        started: weakref.WeakKeyDictionary[RetryCallState, float] = weakref.WeakKeyDictionary()

        def mark_start(state: RetryCallState) -> None:
            if state.attempt_number == 1:
                started[state] = self.clock()

        def over_budget(state: RetryCallState) -> bool:
            elapsed = self.clock() - started.get(state, self.clock())
            return elapsed + state.upcoming_sleep > self.max_total_seconds

        return tenacity.Retrying(
            retry=(
                tenacity.retry_if_exception_type(TransientTrackerError)
                if idempotent
                else tenacity.retry_never
            ),
            wait=self._wait,
            stop=_StopAny(tenacity.stop_after_attempt(self.max_attempts), over_budget),
            before=mark_start,
            before_sleep=self._log_retry,
            sleep=self.sleep,
            retry_error_callback=_raise_last_error,
        )

    def backoff(self, attempt: int) -> float:
        """The jittered wait after failed attempt number `attempt` (1-based), no Retry-After."""
        ceiling = min(self.max_backoff, self.backoff_base * 2.0 ** min(attempt - 1, 62))
        return ceiling * (1.0 - self.jitter * self.rng.random())

    def _wait(self, state: RetryCallState) -> float:
        error = _last_error(state)
        retry_after = error.retry_after if isinstance(error, TransientTrackerError) else None
        if retry_after is None or retry_after <= 0:
            return self.backoff(state.attempt_number)
        if retry_after > self.max_retry_after:
            raise self._too_long(error, retry_after) from error
        return retry_after

    def _too_long(self, error: BaseException | None, retry_after: float) -> TrackerError:
        when = self.utcnow().astimezone(UTC) + timedelta(seconds=retry_after)
        status = error.status if isinstance(error, TrackerError) else None
        return TransientTrackerError(
            f"rate limited; the tracker asks to retry after {when:%Y-%m-%d %H:%M} UTC "
            f"(in {retry_after:.0f} s), longer than the {self.max_retry_after:.0f} s "
            f"clientsync waits; run again after that time ({error})",
            status=status,
            retry_after=retry_after,
        )

    def _log_retry(self, state: RetryCallState) -> None:
        error = _last_error(state)
        asked = isinstance(error, TransientTrackerError) and bool(error.retry_after)
        # The message only: connectors scrub it; a repr or traceback could carry more.
        log.warning(
            "%s failed (attempt %d of %d): %s; retrying in %.2f s%s",
            _name_of(state),
            state.attempt_number,
            self.max_attempts,
            error,
            state.upcoming_sleep,
            " as the tracker asked (Retry-After)" if asked else "",
        )


class _StopAny(tenacity.stop.stop_base):
    """Stop when any condition holds; accepts plain callables as well as stop strategies."""

    def __init__(self, *conditions: Callable[[RetryCallState], bool]) -> None:
        self.conditions = conditions

    def __call__(self, retry_state: RetryCallState) -> bool:
        return any(condition(retry_state) for condition in self.conditions)


def _last_error(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None


def _name_of(state: RetryCallState) -> str:
    if state.fn is None:
        return "tracker call"
    return str(getattr(state.fn, "__qualname__", type(state.fn).__name__))


def _raise_last_error(state: RetryCallState) -> Any:
    """Give up: raise the last error itself, saying how many attempts were made."""
    error = _last_error(state)
    if error is None:  # stop only fires after a failure; keep tenacity's answer otherwise
        return state.outcome.result() if state.outcome is not None else None
    if error.args and isinstance(error.args[0], str):
        attempts = state.attempt_number
        plural = "s" if attempts != 1 else ""
        message = f"{error.args[0]} (gave up after {attempts} attempt{plural})"
        error.args = (message, *error.args[1:])
    raise error
