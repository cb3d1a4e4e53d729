"""The connector's seam to Jira: the `jira` package, its retries off, behind one retry policy.

`JiraApi` builds `jira.JIRA` lazily (never at import), with `max_retries=0`, a timeout
on every call and `get_server_info=False`; it learns the deployment from `serverInfo`
(or config) and sets it on the client itself, because a client that does not know it is
on Cloud silently answers `None` to `enhanced_search_issues`. Each call is classified
(`TransientTrackerError` for 408/429/5xx, resets, timeouts and cut-off bodies;
`FatalTrackerError` otherwise) and retried by `clientsync.retry.RetryPolicy` alone.
Errors are raised `from None` with scrubbed text: the SDK's own `JIRAError` prints the
request headers, so it never travels up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import SecretStr

from clientsync.errors import ConfigError, FatalTrackerError, TransientTrackerError
from clientsync.retry import RetryPolicy, parse_retry_after

__all__ = ["AdaptiveLimit", "Credentials", "Deployment", "JiraApi"]

T = TypeVar("T")
Deployment = Literal["cloud", "datacenter"]
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# Admin webhooks live outside /rest/api; the SDK fills `{server}` and `{path}`.
_WEBHOOKS_BASE = "{server}/rest/webhooks/1.0/{path}"


@dataclass(frozen=True)
class Credentials:
    """Basic (Cloud: e-mail + API token) or bearer (Data Center personal access token)."""

    token: SecretStr
    email: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(email={self.email!r}, token=SecretStr('**********'))"


class AdaptiveLimit:
    """Bounded concurrency that halves on a 429 and creeps back after successes."""

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, maximum)
        self.limit = self.maximum
        self.lowest = self.maximum
        self._active = 0
        self._successes = 0
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._cond:
            while self._active >= self.limit:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def rate_limited(self) -> None:
        with self._cond:
            self.limit = max(1, self.limit // 2)
            self.lowest = min(self.lowest, self.limit)
            self._successes = 0

    def succeeded(self) -> None:
        with self._cond:
            self._successes += 1
            if self._successes >= 8 and self.limit < self.maximum:
                self.limit += 1
                self._successes = 0
                self._cond.notify_all()


class JiraApi:
    """The Jira REST calls the connector makes, each retried and classified."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        *,
        deployment: Deployment | None,
        retry: RetryPolicy,
        timeout: tuple[float, float] = (5.0, 30.0),
        concurrency: int = 4,
        utcnow: Callable[[], datetime] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._credentials = credentials
        self._deployment = deployment
        self.retry = retry
        self.timeout = timeout
        self.limit = AdaptiveLimit(concurrency)
        self._utcnow = utcnow or (lambda: datetime.now(UTC))
        self._client: Any = None
        self._build_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JiraApi(url={self.url!r}, deployment={self._deployment!r})"

    # -- the SDK client --------------------------------------------------------------------

    def _sdk(self) -> Any:
        with self._build_lock:
            if self._client is None:
                self._client = self._build()
            return self._client

    def _build(self) -> Any:
        try:
            from jira import JIRA
        except ImportError as error:  # pragma: no cover - the dependency is declared
            raise ConfigError(
                "the Jira connector needs the `jira` package: pip install clientsync-jira"
            ) from error
        token = self._credentials.token.get_secret_value()
        auth: dict[str, Any] = (
            {"basic_auth": (self._credentials.email, token)}
            if self._credentials.email
            else {"token_auth": token}
        )
        client = JIRA(
            server=self.url,
            options={"rest_api_version": "2", "check_update": False},
            max_retries=0,  # clientsync.retry is the one retry layer
            timeout=self.timeout,
            get_server_info=False,  # done by `deployment()`, inside the retry policy
            **auth,
        )
        if self._deployment is not None:
            self._set_deployment(client, self._deployment)
        return client

    @staticmethod
    def _set_deployment(client: Any, deployment: Deployment) -> None:
        client.deploymentType = "Cloud" if deployment == "cloud" else "Server"
        client._options["rest_api_version"] = "3" if deployment == "cloud" else "2"

    def deployment(self) -> Deployment:
        """Cloud or Data Center: from config, else from `serverInfo` (one call, cached)."""
        client = self._sdk()
        if self._deployment is None:
            info = self._call("serverInfo", client._get_json, "serverInfo")
            kind = str(info.get("deploymentType") or "") if isinstance(info, dict) else ""
            self._deployment = "cloud" if kind.casefold() == "cloud" else "datacenter"
            self._set_deployment(client, self._deployment)
        return self._deployment

    # -- calls -----------------------------------------------------------------------------

    def fields(self) -> list[dict[str, Any]]:
        client = self._sdk()
        found = self._call("field", client._get_json, "field")
        fields = [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []
        # Prime the SDK's own JQL-name cache so a search never re-fetches /field.
        cache = {n: f["id"] for f in fields for n in f.get("clauseNames") or () if "id" in f}
        client._fields_cache_value = cache or {"id": "id"}
        return fields

    def search_page(
        self,
        jql: str,
        fields: Sequence[str],
        *,
        token: str | None,
        max_results: int,
        expand: str | None,
    ) -> dict[str, Any]:
        """One page of `POST /rest/api/3/search/jql` (Cloud)."""
        client = self._sdk()
        page: dict[str, Any] = self._call(
            "search/jql",
            client.enhanced_search_issues,
            jql,
            nextPageToken=token,
            maxResults=max_results,
            fields=list(fields),
            expand=expand,
            json_result=True,
            use_post=True,
        )
        if page is None:  # the SDK's @cloud_api answer on a client not known to be Cloud
            raise FatalTrackerError("Jira search/jql is only on Cloud; set deployment")
        return page

    def legacy_search_page(
        self,
        jql: str,
        fields: Sequence[str],
        *,
        start_at: int,
        max_results: int,
        expand: str | None,
    ) -> dict[str, Any]:
        """One page of `GET /rest/api/2/search` (Data Center; gone from Cloud: 410)."""
        client = self._sdk()
        params = {
            "jql": jql,
            "startAt": start_at,
            "maxResults": max_results,
            "fields": ",".join(fields),
            "validateQuery": "strict",
        }
        if expand:
            params["expand"] = expand
        page: dict[str, Any] = self._call("search", client._get_json, "search", params=params)
        return page

    def bulkfetch(
        self, ids: Sequence[str], fields: Sequence[str], *, expand: Sequence[str]
    ) -> dict[str, Any]:
        """`POST /rest/api/3/issue/bulkfetch`: up to 100 issues in one call."""
        client = self._sdk()
        body = {"issueIdsOrKeys": list(ids), "fields": list(fields), "expand": list(expand)}
        page: dict[str, Any] = self._call(
            "issue/bulkfetch", client._get_json, "issue/bulkfetch", params=body, use_post=True
        )
        return page

    def changelog_bulkfetch(
        self, ids: Sequence[str], field_ids: Sequence[str], *, token: str | None
    ) -> dict[str, Any]:
        """`POST /rest/api/3/changelog/bulkfetch`: ≤1000 issues, ≤10 field ids, token paged."""
        client = self._sdk()
        body: dict[str, Any] = {
            "issueIdsOrKeys": list(ids),
            "fieldIds": list(dict.fromkeys(field_ids))[:10],
            "maxResults": 10000,
        }
        if token:
            body["nextPageToken"] = token
        page: dict[str, Any] = self._call(
            "changelog/bulkfetch",
            client._get_json,
            "changelog/bulkfetch",
            params=body,
            use_post=True,
        )
        return page

    def issue_changelog(self, key: str, *, start_at: int) -> dict[str, Any]:
        client = self._sdk()
        params = {"startAt": start_at, "maxResults": 100}
        page: dict[str, Any] = self._call(
            "issue changelog", client._get_json, f"issue/{key}/changelog", params=params
        )
        return page

    def versions_page(self, project: str, *, start_at: int) -> dict[str, Any]:
        client = self._sdk()
        params = {"startAt": start_at, "maxResults": 100, "orderBy": "sequence"}
        page: dict[str, Any] = self._call(
            "project versions", client._get_json, f"project/{project}/version", params=params
        )
        return page

    def comments_page(self, key: str, *, start_at: int) -> dict[str, Any]:
        client = self._sdk()
        params = {"startAt": start_at, "maxResults": 100, "orderBy": "-created"}
        page: dict[str, Any] = self._call(
            "issue comments", client._get_json, f"issue/{key}/comment", params=params
        )
        return page

    def add_comment(self, key: str, body: str | dict[str, Any]) -> str:
        """Post once, never retried here: the caller re-checks for its marker, then retries."""
        client = self._sdk()
        comment = self._call("add comment", client.add_comment, key, body, idempotent=False)
        return str(comment.id)

    def issue_property(self, key: str, name: str) -> Any | None:
        """The value of issue `key`'s entity property `name`, or None when it has none."""
        client = self._sdk()
        try:
            prop = self._call(
                "read issue property", client._get_json, f"issue/{key}/properties/{name}"
            )
        except FatalTrackerError as error:
            if error.status == 404:
                return None
            raise
        return prop.get("value") if isinstance(prop, dict) else None

    def set_issue_property(self, key: str, name: str, value: Any) -> None:
        """PUT the property: a repeat of the same PUT changes nothing, so it may be retried."""
        client = self._sdk()
        self._call("store issue property", client.add_issue_property, key, name, value)

    def webhooks(self) -> list[dict[str, Any]]:
        """`GET /rest/webhooks/1.0/webhook`: the site's admin webhooks (needs a Jira admin)."""
        client = self._sdk()
        found = self._call("list webhooks", client._get_json, "webhook", base=_WEBHOOKS_BASE)
        if isinstance(found, dict):  # a paged answer on some sites: {"values": [...]}
            found = found.get("values")
        return [w for w in found if isinstance(w, dict)] if isinstance(found, list) else []

    def create_webhook(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /rest/webhooks/1.0/webhook`, once: the caller re-lists before a retry."""
        client = self._sdk()
        created = self._call(
            "create webhook",
            client._get_json,
            "webhook",
            params=dict(body),
            base=_WEBHOOKS_BASE,
            use_post=True,
            idempotent=False,
        )
        return created if isinstance(created, dict) else {}

    # -- classification --------------------------------------------------------------------

    def _call(
        self, what: str, fn: Callable[..., T], *args: Any, idempotent: bool = True, **kwargs: Any
    ) -> T:
        def attempt() -> T:
            with self.limit.slot():
                try:
                    result = fn(*args, **kwargs)
                except Exception as error:
                    failure = self._classify(what, error)
                else:
                    self.limit.succeeded()
                    return result
            if failure.status == 429:
                self.limit.rate_limited()
            raise failure

        attempt.__qualname__ = f"Jira {what}"
        return self.retry.call(attempt, idempotent=idempotent)

    def _classify(self, what: str, error: Exception) -> FatalTrackerError | TransientTrackerError:
        import requests
        from jira.exceptions import JIRAError

        if isinstance(error, JIRAError):
            return self._http_error(what, error)
        if isinstance(error, requests.Timeout):
            return TransientTrackerError(f"Jira {what}: timed out")
        if isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
            return TransientTrackerError(f"Jira {what}: connection failed ({type(error).__name__})")
        if isinstance(error, ValueError):  # a body cut short is not JSON
            return TransientTrackerError(f"Jira {what}: unreadable response (not JSON)")
        if isinstance(error, FatalTrackerError | TransientTrackerError):
            return error
        raise error

    def _http_error(self, what: str, error: Any) -> FatalTrackerError | TransientTrackerError:
        status = int(error.status_code or 0)
        detail = self._scrub(str(error.text or ""))[:300]
        headers = getattr(error.response, "headers", None) or {}
        if status in _TRANSIENT_STATUS:
            retry_after = parse_retry_after(headers.get("Retry-After"), now=self._utcnow())
            return TransientTrackerError(
                f"Jira {what}: HTTP {status}", status=status, retry_after=retry_after
            )
        hint = {
            401: "Jira rejected the credentials: check the e-mail and API token variables "
            "(email_env / token_env) or, on Data Center, the personal access token",
            403: "the Jira account lacks permission (Browse projects for reads, Add comments "
            "for write-back)",
            404: "not found: check url, project and the issue key",
            410: 'Jira Cloud removed this API (CHANGE-2046); set deployment = "cloud" so the '
            "connector uses /rest/api/3/search/jql",
        }.get(status, "the request was refused")
        return FatalTrackerError(f"Jira {what}: HTTP {status}: {hint} ({detail})", status=status)

    def _scrub(self, text: str) -> str:
        secret = self._credentials.token.get_secret_value()
        return text.replace(secret, "**********") if secret else text


def chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
