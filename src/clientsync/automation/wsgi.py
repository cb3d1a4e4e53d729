"""The WSGI app: `POST|HEAD /webhooks/<source>` and `GET /healthz`, under any WSGI server.

    from clientsync.automation import make_wsgi_app

    application = make_wsgi_app("clientsync.toml")

Gunicorn, uWSGI, mod_wsgi or waitress serve it as `module:application`; `serve()` (and
`clientsync serve`) runs it on the standard library's server for trials. The body is read
only up to `[webhooks] max_body_bytes`: a larger declared length is refused unread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from clientsync.config import Config
from clientsync.ports import Clock, ConnectorFactory
from clientsync.registry import load as load_connector
from clientsync.retry import RetryPolicy

from .context import WebhookContext
from .handler import handle_webhook
from .headers import from_wsgi_environ
from .outcome import Outcome, reject

WEBHOOK_PREFIX = "/webhooks/"
HEALTH_PATH = "/healthz"
_READ_CHUNK = 65536


class StartResponse(Protocol):
    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]: ...


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class WebhookApp:
    """A WSGI callable around a `WebhookContext`; `clock` dates each delivery."""

    def __init__(self, context: WebhookContext, *, clock: Clock | None = None) -> None:
        self.context = context
        self.clock: Clock = clock or UtcClock()

    def __repr__(self) -> str:
        return f"WebhookApp({self.context!r})"

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        outcome = self.respond(environ, method)
        body = b"" if method == "HEAD" else outcome.body()
        status = f"{outcome.status} {outcome.reason}"
        start_response(status, outcome.response_headers(len(body)))
        return [body]

    def respond(self, environ: Mapping[str, Any], method: str) -> Outcome:
        path = str(environ.get("PATH_INFO") or "/")
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                return reject(405, "use GET", ("Allow", "GET, HEAD"))
            names = ", ".join(sorted(self.context.sources)) or "none"
            return Outcome(200, "ok", f"serving webhooks for: {names}")
        source = source_of(path)
        if source is None or self.context.source(source) is None:
            return reject(404, "no webhook endpoint here; see [webhooks.sources] in the config")
        body = b""
        if method == "POST":
            read = self._read_body(environ)
            if isinstance(read, Outcome):
                return read
            body = read
        headers = from_wsgi_environ(environ)
        return handle_webhook(
            source, headers, body, now=self.clock.now(), context=self.context, method=method
        )

    def _read_body(self, environ: Mapping[str, Any]) -> bytes | Outcome:
        limit = self.context.config.webhooks.max_body_bytes
        too_large = reject(413, f"the body is over {limit} bytes ([webhooks] max_body_bytes)")
        declared = from_wsgi_environ(environ).content_length()
        if declared == -1:
            return reject(400, "Content-Length is not a number")
        stream = environ["wsgi.input"]
        if declared is None:
            if not environ.get("wsgi.input_terminated"):
                return reject(411, "send a Content-Length")
            wanted = limit + 1  # read one byte past the limit to know it was passed
        elif declared > limit:
            return too_large
        else:
            wanted = declared
        chunks: list[bytes] = []
        got = 0
        while got < wanted:
            chunk = stream.read(min(_READ_CHUNK, wanted - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            return too_large
        if declared is not None and got < declared:
            return reject(400, "the body ended before Content-Length bytes")
        return b"".join(chunks)


def source_of(path: str) -> str | None:
    """`/webhooks/jira` -> `jira` (also behind a path prefix); None for other paths."""
    at = path.rfind(WEBHOOK_PREFIX)
    if at < 0:
        return None
    name = path[at + len(WEBHOOK_PREFIX) :].rstrip("/")
    return name if name and "/" not in name else None


def make_wsgi_app(
    config: Config | str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    load_connector: Callable[[str], ConnectorFactory] = load_connector,
    retry: RetryPolicy | None = None,
) -> WebhookApp:
    """The WSGI app for `config` (a Config, or the path of clientsync.toml; None: the file
    `CLIENTSYNC_CONFIG` names). `env` defaults to the process environment. Raises
    ConfigError when a webhook source's secret variable is missing."""
    environment = dict(os.environ) if env is None else dict(env)
    if isinstance(config, Config):
        context = WebhookContext(
            config, env=environment, load_connector=load_connector, retry=retry
        )
    else:
        context = WebhookContext.from_path(
            config, env=environment, load_connector=load_connector, retry=retry
        )
    return WebhookApp(context, clock=clock)
