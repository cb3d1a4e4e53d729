"""An AWS-Lambda-style entry point: API Gateway proxy events (payload v1 and v2).

    from clientsync.automation import make_lambda_handler

    lambda_handler = make_lambda_handler()

`lambda_handler(event, context)` reads the config named by `CLIENTSYNC_CONFIG` on every
call; a module that keeps `make_lambda_handler()`'s result reuses one context across
warm invocations. Route `POST /webhooks/{source}` (any stage or prefix) and, if wanted,
`GET /healthz` to it. The store must live on a disk that outlasts the invocation (EFS),
and an Asana source should take its secret from `secret_env`.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping
from typing import Any

from clientsync.config import Config
from clientsync.ports import Clock

from .context import WebhookContext
from .handler import handle_webhook
from .headers import Headers
from .outcome import Outcome, reject
from .wsgi import HEALTH_PATH, UtcClock, source_of

LambdaHandler = Callable[[Mapping[str, Any], Any], dict[str, Any]]


def lambda_handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Build the handler from `CLIENTSYNC_CONFIG` and the environment, answer `event`."""
    webhooks = WebhookContext.from_path(None, env=os.environ)
    try:
        return handle_event(event, webhooks, clock=UtcClock())
    finally:
        webhooks.close()


def make_lambda_handler(
    config: Config | str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
) -> LambdaHandler:
    """A handler that builds its context once (`config` None: `CLIENTSYNC_CONFIG`)."""
    environment = dict(os.environ) if env is None else dict(env)
    if isinstance(config, Config):
        webhooks = WebhookContext(config, env=environment)
    else:
        webhooks = WebhookContext.from_path(config, env=environment)
    chosen = clock or UtcClock()

    def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        return handle_event(event, webhooks, clock=chosen)

    return handler


def handle_event(
    event: Mapping[str, Any], webhooks: WebhookContext, *, clock: Clock
) -> dict[str, Any]:
    """One API Gateway proxy event (v1 or v2) -> its proxy response."""
    method = _method(event)
    outcome = _respond(event, method, webhooks, clock)
    body = b"" if method == "HEAD" else outcome.body()
    headers = dict(outcome.response_headers(len(body)))
    return {
        "statusCode": outcome.status,
        "headers": headers,
        "body": body.decode("utf-8"),
        "isBase64Encoded": False,
    }


def _respond(
    event: Mapping[str, Any], method: str, webhooks: WebhookContext, clock: Clock
) -> Outcome:
    path = str(event.get("rawPath") or event.get("path") or "/")
    if path.endswith(HEALTH_PATH):
        return Outcome(200, "ok", "ready")
    parameters = event.get("pathParameters") or {}
    named = parameters.get("source") if isinstance(parameters, Mapping) else None
    source = str(named) if named else source_of(path)
    if source is None or webhooks.source(source) is None:
        return reject(404, "no webhook endpoint here; see [webhooks.sources] in the config")
    headers = _headers(event)
    body = _body(event, headers, webhooks.config.webhooks.max_body_bytes)
    if isinstance(body, Outcome):
        return body
    return handle_webhook(source, headers, body, now=clock.now(), context=webhooks, method=method)


def _method(event: Mapping[str, Any]) -> str:
    method = event.get("httpMethod")
    if not method:
        http = (event.get("requestContext") or {}).get("http") or {}
        method = http.get("method") if isinstance(http, Mapping) else None
    return str(method or "GET").upper()


def _headers(event: Mapping[str, Any]) -> Headers:
    pairs: list[tuple[str, str]] = []
    single = event.get("headers") or {}
    if isinstance(single, Mapping):
        pairs.extend((str(k), str(v)) for k, v in single.items() if v is not None)
    multi = event.get("multiValueHeaders") or {}
    if isinstance(multi, Mapping):
        for name, values in multi.items():
            if isinstance(values, list) and values:
                pairs.append((str(name), str(values[-1])))
    return Headers(pairs)


def _body(event: Mapping[str, Any], headers: Headers, limit: int) -> bytes | Outcome:
    too_large = reject(413, f"the body is over {limit} bytes ([webhooks] max_body_bytes)")
    declared = headers.content_length()
    if declared is not None and declared > limit:
        return too_large
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        return reject(400, "the event's body is not text")
    if event.get("isBase64Encoded"):
        # Four base64 characters carry three bytes: judge the size before decoding.
        if len(raw) // 4 * 3 > limit + 3:
            return too_large
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            return reject(400, "the event's body is not valid base64")
    else:
        if len(raw) > limit:
            return too_large
        body = raw.encode("utf-8")
    return too_large if len(body) > limit else body
