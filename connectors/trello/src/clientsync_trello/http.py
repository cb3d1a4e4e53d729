"""The HTTP service py-trello calls: timeouts, credentials out of URLs, errors classified.

py-trello sends `?key=…&token=…` in every URL, sets no timeout and raises bare
`ResourceUnavailable` for every non-200. This service, passed as `http_service=`, moves
the credentials into an `Authorization: OAuth …` header (which Trello accepts), so no
URL ever carries them into a log or an error; it points the hard-coded
`https://api.trello.com/1/` at `base_url`, applies the timeout, and keeps the last
response's headers for `Retry-After` and the rate-limit counters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from clientsync.errors import FatalTrackerError, TrackerError, TransientTrackerError
from clientsync.retry import parse_retry_after

TRELLO_BASE = "https://api.trello.com/1/"
_AT_URL = re.compile(r" at https?://\S+")
_CREDENTIAL_PARAM = re.compile(r"(?i)\b(key|token|oauth_token|oauth_consumer_key)=[^&\s'\"]*")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with key/token query values and every given secret value masked."""
    cleaned = _CREDENTIAL_PARAM.sub(lambda m: f"{m.group(1)}=***", text)
    for secret in secrets:
        if secret:
            cleaned = cleaned.replace(secret, "***")
    return cleaned


class TooManyCardsError(TrackerError):
    """Trello refused a cards page as too large: ask again for fewer cards."""


class TrelloHttpService:
    """A requests-compatible `http_service` for py-trello's `TrelloClient`."""

    def __init__(
        self,
        *,
        base_url: str = TRELLO_BASE,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = session or requests.Session()
        self._secrets = tuple(s for s in secrets if s)
        self.last_headers: Mapping[str, str] = {}

    def __repr__(self) -> str:
        return f"TrelloHttpService(base_url={self.base_url!r}, timeout={self.timeout})"

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        auth: Any = None,
        files: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        query = dict(params or {})
        sent_headers = dict(headers or {})
        key, token = query.pop("key", None), query.pop("token", None)
        if key is not None and token is not None:
            sent_headers["Authorization"] = (
                f'OAuth oauth_consumer_key="{key}", oauth_token="{token}"'
            )
        if url.startswith(TRELLO_BASE):
            url = self.base_url + url[len(TRELLO_BASE) :]
        try:
            response = self.session.request(
                method,
                url,
                params=query,
                headers=sent_headers,
                data=data,
                auth=auth,
                files=files,
                proxies=proxies or None,
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise TransientTrackerError(
                f"Trello did not answer {method} {self._path(url)} within {self.timeout:g} s"
            ) from None
        except requests.RequestException as error:
            # requests' messages can quote the URL; they are scrubbed and not chained.
            raise TransientTrackerError(
                f"Trello {method} {self._path(url)} failed: "
                f"{scrub(type(error).__name__ + ': ' + str(error), self._secrets)}"
            ) from None
        self.last_headers = dict(response.headers)
        return response

    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    def _path(self, url: str) -> str:
        path = url.split("?", 1)[0]
        path = path[len(self.base_url) - 1 :] if path.startswith(self.base_url) else path
        return self.scrub(path)  # `/tokens/{token}/webhooks` has the token in its path


def classify(error: Exception, service: TrelloHttpService, what: str) -> TrackerError:
    """py-trello's exception for a non-200 (or a bad body) as clientsync's error."""
    from trello.exceptions import ResourceUnavailable, Unauthorized

    if isinstance(error, TrackerError):
        return error
    if isinstance(error, Unauthorized):
        return FatalTrackerError(
            f"Trello refused the credentials for {what} (HTTP 401); check that TRELLO_API_KEY "
            "and TRELLO_TOKEN (or the variables the source names) hold a valid key and token",
            status=401,
        )
    if isinstance(error, ResourceUnavailable):
        status = int(getattr(error, "_status", 0) or 0)
        # py-trello quotes its own hard-coded URL; `what` already names the path.
        message = _AT_URL.sub("", service.scrub(str(error)))
        if status == 403 and (
            "API_TOO_MANY_CARDS_REQUESTED" in message or "Too many checklists" in message
        ):
            return TooManyCardsError(f"{what}: {message}", status=403)
        if status == 429 or status == 408 or status >= 500:
            return TransientTrackerError(
                f"{what}: {message}", status=status, retry_after=_retry_after(service, status)
            )
        hint = {
            403: "the token may not see this board",
            404: "check board_id (the id or the short link in the board's URL)",
        }.get(status, "")
        return FatalTrackerError(f"{what}: {message}{'; ' + hint if hint else ''}", status=status)
    if isinstance(error, ValueError):  # a 200 whose body is not JSON: cut short
        return TransientTrackerError(
            f"{what}: Trello sent an unreadable body ({type(error).__name__})"
        )
    return FatalTrackerError(f"{what}: {service.scrub(type(error).__name__ + ': ' + str(error))}")


def _retry_after(service: TrelloHttpService, status: int) -> float | None:
    """Trello documents no Retry-After: honour one if sent, else wait out the 10 s window."""
    headers = {k.lower(): v for k, v in service.last_headers.items()}
    value = headers.get("retry-after")
    if value is not None:
        return parse_retry_after(value, now=datetime.now(UTC))
    if status == 429:
        interval = headers.get("x-rate-limit-api-token-interval-ms")
        try:
            return float(interval) / 1000 if interval is not None else 10.0
        except ValueError:
            return 10.0
    return None
