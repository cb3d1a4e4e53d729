"""Trello's REST API through py-trello's `fetch_json`, one retried call at a time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from clientsync.errors import FatalTrackerError, TrackerError, TransientTrackerError
from clientsync.retry import RetryPolicy

from .http import TooManyCardsError, TrelloHttpService, classify
from .pagination import BeforePaginator

BATCH_SIZE = 10
CARD_PARAMS: Mapping[str, str] = {
    "fields": "all",
    "customFieldItems": "true",
    "checklists": "all",
    "members": "true",
    "member_fields": "fullName,username",
}
# `/batch` separates its URLs with commas, so a batched card read leaves out list values.
_BATCH_CARD_QUERY = "&".join(f"{k}={v}" for k, v in CARD_PARAMS.items() if "," not in v)


def card_path(ident: str) -> str:
    """One card, as the cards pages return it, in a form `/batch` accepts."""
    return f"/cards/{ident}?{_BATCH_CARD_QUERY}"


class TrelloApi:
    """GETs through the one retry policy; POSTs only where the caller made them safe."""

    def __init__(self, client: Any, service: TrelloHttpService, retry: RetryPolicy) -> None:
        self.client = client
        self.service = service
        self.retry = retry

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self.retry.call(self.get_once, path, params or {})

    def get_once(self, path: str, params: Mapping[str, str]) -> Any:
        try:
            return self.client.fetch_json(path, query_params=dict(params))
        except Exception as error:
            # Scrubbed: one route (`/tokens/{token}/webhooks`) carries the token in its path.
            raise classify(error, self.service, self.service.scrub(f"GET {path}")) from None

    def post_once(self, path: str, body: Mapping[str, Any]) -> Any:
        return self.send_once("POST", path, body)

    def send_once(self, method: str, path: str, body: Mapping[str, Any]) -> Any:
        """One write (`POST`, `PUT`), never retried here: the caller makes it safe to repeat."""
        try:
            return self.client.fetch_json(path, http_method=method, post_args=dict(body))
        except Exception as error:
            raise classify(error, self.service, self.service.scrub(f"{method} {path}")) from None

    def batch(self, urls: Sequence[str]) -> list[Any | None]:
        """Each URL's body, in order, 10 to a request; None for a 404 (deleted since)."""
        bodies: list[Any | None] = []
        for start in range(0, len(urls), BATCH_SIZE):
            chunk = list(urls[start : start + BATCH_SIZE])
            bodies.extend(self.retry.call(self._batch_once, chunk))
        return bodies

    def _batch_once(self, urls: list[str]) -> list[Any | None]:
        answers = self.get_once("/batch", {"urls": ",".join(urls)})
        if not isinstance(answers, list) or len(answers) != len(urls):
            raise TransientTrackerError("GET /batch: Trello answered a different number of urls")
        bodies: list[Any | None] = []
        for url, answer in zip(urls, answers, strict=True):
            if isinstance(answer, dict) and "200" in answer:
                bodies.append(answer["200"])
                continue
            status = int(answer.get("statusCode", 0)) if isinstance(answer, dict) else 0
            what = f"GET {url.split('?', 1)[0]} (in a batch)"
            if status == 404:
                bodies.append(None)
            elif status in (408, 429) or status >= 500:
                raise TransientTrackerError(f"{what}: HTTP {status}", status=status)
            else:
                message = self.service.scrub(str(answer.get("message", "")))[:200]
                raise FatalTrackerError(f"{what}: HTTP {status} {message}", status=status)
        return bodies

    def pages(
        self, path: str, params: Mapping[str, str], *, limit: int, what: str
    ) -> Iterator[list[Any]]:
        """Newest-first pages by `limit`/`before`, halving the page when Trello says too many."""
        paginator = BeforePaginator(limit, what=what)
        while not paginator.done:
            try:
                page = self.get(path, {**params, **paginator.params()})
            except TooManyCardsError:
                if not paginator.shrink():
                    raise FatalTrackerError(
                        f"{what}: Trello refuses even {paginator.limit} cards per page"
                    ) from None
                continue
            if not isinstance(page, list):
                raise TrackerError(f"{what}: expected a JSON list from Trello")
            paginator.advance(page)
            yield page
