"""handle_webhook(): one delivery, from raw bytes to applied changes (and a notice).

In order, each step refusing before the next one runs:

1. the route: a source with a `[webhooks.sources.<name>]` table, else 404;
2. the method: POST (and HEAD for Trello's creation check), else 405;
3. the size: the declared and the actual length against `max_body_bytes`, else 413;
4. Asana's handshake, answered by echoing `X-Hook-Secret` while no secret is known;
5. the signature, on the raw bytes, in constant time: 401 missing, 403 wrong;
6. replays: a delivery already applied is acknowledged (200, "duplicate") and ignored,
   one being applied right now gets 409 (retry later);
7. only then the JSON is parsed, the connector's `read_webhook` turns it into a partial
   read, and `apply_read` applies it without moving the sync cursor;
8. a change that matters is published at once to the on-change audiences.

Deliveries can be lost (a tracker gives up, the host is down): a periodic
`clientsync sync` stays the source of truth, and catches up whatever was missed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from clientsync.config import Verification
from clientsync.errors import (
    ClientsyncError,
    FatalTrackerError,
    StoreError,
    SyncError,
    TransientTrackerError,
)
from clientsync.ports import ReadResult
from clientsync.publish import Outcome as PublishOutcome
from clientsync.store.deliveries import Claim
from clientsync.sync import AppliedRead, apply_read

from . import replay, signatures
from .context import WebhookContext, WebhooksNotSupportedError
from .headers import Headers
from .hook_secrets import usable_secret
from .notify import on_change_audiences, publish_on_change
from .outcome import Outcome, reject
from .settings import HookSource
from .triggers import find_triggers

_log = logging.getLogger("clientsync.automation")

RETRY_LATER_SECONDS = 30


def handle_webhook(
    source: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    *,
    now: datetime,
    context: WebhookContext,
    method: str = "POST",
) -> Outcome:
    """Verify, de-duplicate and apply one delivery for `source`; see the module docstring."""
    if now.tzinfo is None:
        raise ValueError("handle_webhook needs an aware `now`, e.g. datetime.now(UTC)")
    hook = context.source(source)
    if hook is None:
        return reject(404, "no webhook endpoint here; see [webhooks.sources] in the config")
    try:
        outcome = _handle(hook, Headers(headers), body, now, context, method.upper())
    except Exception as exc:  # the store unreachable, a bug: answered, never a traceback
        outcome = _failure(hook, exc)
    log = _log.info if outcome.status < 500 else _log.error
    log("%s: %d %s: %s", hook.name, outcome.status, outcome.result, outcome.detail)
    return outcome


def _handle(
    hook: HookSource,
    headers: Headers,
    body: bytes,
    now: datetime,
    context: WebhookContext,
    method: str,
) -> Outcome:
    if method == "HEAD" and hook.connector == "trello":
        return Outcome(200, "ok", "ready for Trello's webhooks")
    if method != "POST":
        allowed = "POST, HEAD" if hook.connector == "trello" else "POST"
        return reject(405, f"use {allowed}", ("Allow", allowed))
    limit = context.config.webhooks.max_body_bytes
    declared = headers.content_length()
    if declared == -1:
        return reject(400, "Content-Length is not a number")
    if (declared is not None and declared > limit) or len(body) > limit:
        return reject(413, f"the body is over {limit} bytes ([webhooks] max_body_bytes)")
    if hook.connector == "asana" and signatures.ASANA_HANDSHAKE in headers:
        return _handshake(hook, headers[signatures.ASANA_HANDSHAKE], context)
    rejection = _verify(hook, headers, body, context)
    if rejection is not None:
        return reject(rejection.status, rejection.reason)
    return _deliver(hook, headers, body, now, context)


def _handshake(hook: HookSource, secret: str, context: WebhookContext) -> Outcome:
    if not usable_secret(secret.strip()):
        return reject(400, f"{signatures.ASANA_HANDSHAKE} is not a usable secret")
    secret = secret.strip()
    if context.secrets.known(hook.name, hook.secret_env) is None and context.secrets.adopt(
        hook.name, secret
    ):
        return Outcome(
            200,
            "handshake",
            "secret kept; deliveries are now verified with it",
            headers=((signatures.ASANA_HANDSHAKE, secret),),
        )
    return reject(
        403,
        "a webhook secret is already known for this source: handshakes are accepted only "
        "until the first one; delete the source's secret file to register anew",
    )


def _verify(
    hook: HookSource, headers: Headers, body: bytes, context: WebhookContext
) -> signatures.Rejection | None:
    if hook.connector == "asana":
        known = context.secrets.known(hook.name, hook.secret_env)
        if known is None:
            return signatures.Rejection(
                401, "no secret known for this source yet: no Asana handshake was seen"
            )
        return signatures.check_asana(headers, body, known.get_secret_value().encode())
    if hook.secret is None:  # config validation requires one for Jira and Trello
        return signatures.Rejection(500, "no secret configured for this source")
    secret = hook.secret.get_secret_value().encode()
    if hook.connector == "trello":
        assert hook.callback_url is not None  # config validation requires it
        return signatures.check_trello(headers, body, secret, hook.callback_url)
    if hook.verification is Verification.SHARED_SECRET:
        return signatures.check_shared_secret(headers, hook.header, secret)
    return signatures.check_jira(headers, body, secret)


def _deliver(
    hook: HookSource, headers: Headers, body: bytes, now: datetime, context: WebhookContext
) -> Outcome:
    payload: dict[str, Any] | None = None
    if replay.needs_payload(hook.connector):
        payload = _parse(body)
        if payload is None:
            return reject(400, "the body is not a JSON object")
    delivery = replay.delivery_id(hook.connector, headers, body, payload)
    store = context.store()
    keep = timedelta(days=context.config.webhooks.remember_deliveries_days)
    with context.writing:
        claim = store.deliveries.claim(hook.name, delivery, now=now, forget_before=now - keep)
    if claim is Claim.DONE:
        return Outcome(200, "duplicate", "duplicate, ignored: this delivery was applied before")
    if claim is Claim.IN_PROGRESS:
        return reject(
            409,
            "this delivery is being applied right now; retry later",
            ("Retry-After", str(RETRY_LATER_SECONDS)),
        )
    try:
        if payload is None:
            payload = _parse(body)
        if payload is None:
            # Verified yet unreadable: the same bytes would fail again, so it is done.
            with context.writing:
                store.deliveries.finish(hook.name, delivery, now=now, outcome="malformed")
            return reject(400, "the body is not a JSON object")
        result, applied, word = _apply(hook, delivery, payload, now, context)
    except BaseException as exc:
        with context.writing:
            store.deliveries.release(hook.name, delivery)
        return _failure(hook, exc)
    published = _notify(hook, result, applied, context, now)
    return Outcome(200, word, _describe(applied, published), summary=applied, published=published)


def _parse(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _apply(
    hook: HookSource,
    delivery: str,
    payload: Mapping[str, Any],
    now: datetime,
    context: WebhookContext,
) -> tuple[ReadResult, AppliedRead, str]:
    """Read the delivery's changes (one at a time per source), apply them, mark it done."""
    reader = context.reader(hook.name)
    store = context.store()
    with context.lock(hook.name):
        result = reader.read_webhook(payload)
        with context.writing:
            applied = apply_read(store, hook.name, result, now=now)
            changed = applied.inserted or applied.updated or applied.deleted or applied.changes
            word = "applied" if changed else "unchanged"
            store.deliveries.finish(hook.name, delivery, now=now, outcome=word)
    return result, applied, word


def _notify(
    hook: HookSource,
    result: ReadResult,
    applied: AppliedRead,
    context: WebhookContext,
    now: datetime,
) -> tuple[PublishOutcome, ...]:
    if not applied.recorded or not on_change_audiences(context.config):
        return ()
    store = context.store()
    triggers = find_triggers(
        applied.recorded,
        milestone_ids=frozenset(m.id for m in result.milestones),
        milestone_due={**applied.milestone_dates, **{m.id: m.due for m in result.milestones}},
        item_milestones={i.key: i.milestones for i in result.items},
        baseline=store.baseline,
    )
    if not triggers:
        return ()
    _log.info("%s: worth telling: %s", hook.name, "; ".join(t.detail for t in triggers))
    return publish_on_change(context, store, triggers, now=now)


def _failure(hook: HookSource, exc: BaseException) -> Outcome:
    if isinstance(exc, TransientTrackerError | StoreError | SyncError):
        _log.warning("%s: delivery not applied, the tracker should retry: %s", hook.name, exc)
        return Outcome(
            503,
            "error",
            "temporarily unable to apply this delivery; retry later",
            headers=(("Retry-After", str(RETRY_LATER_SECONDS)),),
        )
    if isinstance(exc, WebhooksNotSupportedError):
        return Outcome(501, "unsupported", str(exc))
    if isinstance(exc, FatalTrackerError):
        _log.error("%s: reading the delivery's changes failed: %s", hook.name, exc)
        return Outcome(502, "error", "the tracker refused to give this delivery's changes")
    if isinstance(exc, ClientsyncError):
        _log.error("%s: delivery not applied: %s", hook.name, exc)
        return Outcome(500, "error", "the handler is misconfigured; see its log")
    if not isinstance(exc, Exception):
        raise exc  # KeyboardInterrupt, SystemExit: not ours to swallow
    _log.error("%s: delivery not applied", hook.name, exc_info=exc)
    return Outcome(500, "error", "unexpected error; see the handler's log")


def _describe(applied: AppliedRead, published: tuple[PublishOutcome, ...]) -> str:
    text = (
        f"{applied.inserted} new, {applied.updated} updated, {applied.deleted} deleted, "
        f"{applied.unchanged} unchanged; {applied.changes} changes recorded"
    )
    if applied.rejected:
        text += f"; {len(applied.rejected)} records skipped as malformed"
    sent = sum(1 for p in published if p.status == "sent")
    if published:
        text += f"; on-change audiences: {sent} sent of {len(published)}"
    return text
