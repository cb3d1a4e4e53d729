"""The `asana` SDK, wired the way clientsync needs it.

One `ApiClient` per connector, built on first use (importing `asana` is not free and the
SDK starts a thread pool). Its urllib3 retries are off (`Retry(0)`): `RetryPolicy` is the
one retry layer, and every SDK failure is classified here first. Each call gets a fresh
options dict (the SDK writes `limit`/`offset` into the one it is given), `opt_fields` as a
comma-joined string, a timeout, and `full_payload=True` so paging is ours to drive.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, TypeVar

from pydantic import SecretStr

from clientsync.errors import FatalTrackerError, TrackerError, TransientTrackerError
from clientsync.retry import RetryPolicy, parse_retry_after

__all__ = ["AdaptiveLimit", "AsanaClient", "SyncTokenExpiredError"]

T = TypeVar("T")

DEFAULT_HOST = "https://app.asana.com/api/1.0"
_TRANSIENT = frozenset({408, 429, 500, 502, 503, 504})


class SyncTokenExpiredError(Exception):
    """Asana's 412 on /events: the stored token is unknown or too old; `token` is a new one."""

    def __init__(self, token: str) -> None:
        super().__init__("Asana events sync token expired; a full read is needed")
        self.token = token


class AdaptiveLimit:
    """A concurrency bound that halves on a 429 and grows back by one per 20 successes."""

    def __init__(self, limit: int) -> None:
        self.ceiling = max(1, limit)
        self.limit = self.ceiling
        self.active = 0
        self._streak = 0
        self._cond = threading.Condition()

    def __enter__(self) -> AdaptiveLimit:
        with self._cond:
            while self.active >= self.limit:
                self._cond.wait()
            self.active += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self.active -= 1
            self._cond.notify_all()

    def rate_limited(self) -> None:
        with self._cond:
            self.limit = max(1, self.limit // 2)
            self._streak = 0

    def succeeded(self) -> None:
        with self._cond:
            self._streak += 1
            if self._streak >= 20 and self.limit < self.ceiling:
                self.limit += 1
                self._streak = 0
                self._cond.notify_all()


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0


class AsanaClient:
    """Classified, retried, time-limited calls into the asana SDK."""

    def __init__(
        self,
        *,
        token: SecretStr,
        host: str = DEFAULT_HOST,
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy | None = None,
        concurrency: int = 8,
    ) -> None:
        self._token = token
        self.host = host.rstrip("/")
        self.timeouts = timeouts
        self.retry = retry or RetryPolicy()
        self.limit = AdaptiveLimit(concurrency)
        self._api_client: Any = None
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AsanaClient(host={self.host!r}, token=SecretStr('**********'))"

    # -- the SDK -----------------------------------------------------------------------

    def api(self, name: str) -> Any:
        """An SDK API object (`TasksApi`, ...) over the one shared `ApiClient`."""
        with self._lock:
            if self._api_client is None:
                self._api_client = self._build()
            if name not in self._apis:
                import asana

                self._apis[name] = getattr(asana, name)(self._api_client)
            return self._apis[name]

    def _build(self) -> Any:
        try:
            import asana
            from urllib3.util.retry import Retry
        except ImportError as error:  # pragma: no cover - the dependency is declared
            raise FatalTrackerError(
                "the asana SDK is missing; install it with pip install clientsync-asana"
            ) from error
        config = asana.Configuration()
        config.host = self.host
        config.access_token = self._token.get_secret_value()
        # Before ApiClient(): the PoolManager takes its retry strategy when it is built.
        config.retry_strategy = Retry(total=0, connect=0, read=0, redirect=0, status=0)
        config.connection_pool_maxsize = max(4, self.limit.ceiling * 2)
        return asana.ApiClient(config)

    def close(self) -> None:
        with self._lock:
            client, self._api_client = self._api_client, None
            self._apis.clear()
        if client is not None:
            # The SDK's ApiClient starts a thread pool and keeps connections open.
            pool = getattr(client, "pool", None)
            if pool is not None:
                pool.close()
                pool.join()
            client.rest_client.pool_manager.clear()

    # -- calls -------------------------------------------------------------------------

    def page(
        self, api: str, method: str, *args: Any, opts: Mapping[str, Any], what: str
    ) -> dict[str, Any]:
        """One raw page (`full_payload=True`) of a list endpoint, retried."""

        def fetch() -> Any:
            return getattr(self.api(api), method)(
                *args, dict(opts), full_payload=True, _request_timeout=self._timeout()
            )

        result = self.call(fetch, what=what)
        if not isinstance(result, dict):
            raise TransientTrackerError(f"Asana {what}: the response was not a JSON object")
        return result

    def page_once(
        self, api: str, method: str, *args: Any, opts: Mapping[str, Any], what: str
    ) -> dict[str, Any]:
        """One raw page, one attempt: for callers that retry a larger unit themselves."""
        result = self.once(
            lambda: getattr(self.api(api), method)(
                *args, dict(opts), full_payload=True, _request_timeout=self._timeout()
            ),
            what=what,
        )
        if not isinstance(result, dict):
            raise TransientTrackerError(f"Asana {what}: the response was not a JSON object")
        return result

    def get(self, api: str, method: str, *args: Any, opts: Mapping[str, Any], what: str) -> Any:
        """A single-object read (the SDK unwraps `data`), retried."""
        return self.call(
            lambda: getattr(self.api(api), method)(
                *args, dict(opts), _request_timeout=self._timeout()
            ),
            what=what,
        )

    def write(self, api: str, method: str, body: Mapping[str, Any], *args: Any, what: str) -> Any:
        """A write, attempted once: the caller makes repeating it safe (idempotency)."""
        return self.once(
            lambda: getattr(self.api(api), method)(
                {"data": dict(body)}, *args, {}, _request_timeout=self._timeout()
            ),
            what=what,
        )

    def call(self, fn: Callable[[], T], *, what: str) -> T:
        result: T = self.retry.call(self.once, fn, what=what)
        return result

    def once(self, fn: Callable[[], T], *, what: str) -> T:
        """One attempt, with Asana's failures turned into clientsync's two kinds."""
        with self.limit:
            try:
                result = fn()
            except TrackerError:
                raise
            except Exception as error:
                classified = self._classify(error, what)
                if isinstance(classified, SyncTokenExpiredError):
                    raise classified from None
                if classified.status == 429:
                    self.limit.rate_limited()
                raise classified from None
        self.limit.succeeded()
        return result

    def _timeout(self) -> tuple[float, float]:
        return (self.timeouts.connect, self.timeouts.read)

    def _classify(self, error: Exception, what: str) -> TrackerError | SyncTokenExpiredError:
        from asana.rest import ApiException
        from urllib3.exceptions import HTTPError

        if isinstance(error, ApiException):
            status = int(error.status or 0)
            body = _json(error.body)
            if status == 412 and isinstance(body.get("sync"), str):
                return SyncTokenExpiredError(body["sync"])
            message = self._scrub(f"Asana {what}: HTTP {status} {_first_error(body)}".rstrip())
            if status == 0 or status in _TRANSIENT:
                headers = error.headers or {}
                retry_after = parse_retry_after(
                    headers.get("Retry-After"), now=self.retry.utcnow().astimezone(UTC)
                )
                return TransientTrackerError(message, status=status, retry_after=retry_after)
            return FatalTrackerError(f"{message}{_hint(status)}", status=status)
        if isinstance(error, HTTPError | OSError):
            return TransientTrackerError(
                self._scrub(f"Asana {what}: {type(error).__name__}: {error}")
            )
        if isinstance(error, ValueError):
            # A body cut short decodes as broken JSON: worth another try.
            return TransientTrackerError(self._scrub(f"Asana {what}: unreadable response"))
        return FatalTrackerError(self._scrub(f"Asana {what}: {type(error).__name__}: {error}"))

    def _scrub(self, text: str) -> str:
        secret = self._token.get_secret_value()
        return text.replace(secret, "**********") if secret else text


def _json(body: Any) -> dict[str, Any]:
    try:
        parsed = json.loads(body) if body else {}
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _first_error(body: Mapping[str, Any]) -> str:
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", ""))[:300]
    return ""


def _hint(status: int) -> str:
    return {
        401: "; check the token in ASANA_ACCESS_TOKEN (or the variable token_env names)",
        402: "; this needs a paid Asana plan",
        403: "; the token's user needs access to the project",
        404: "; check the project gid in the source's options",
    }.get(status, "")
