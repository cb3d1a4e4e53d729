"""handle_webhook with vendor-shaped deliveries: accepted, rejected before parsing, replays."""

from __future__ import annotations

import json
import logging
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from clientsync.automation import WebhookContext, handle_webhook
from clientsync.errors import FatalTrackerError, TransientTrackerError

from .support import (
    ASANA_FIXTURE,
    AUTOMATION_SECRET,
    ENV,
    NOW,
    TRELLO_FIXTURE,
    Calls,
    FakeFactory,
    asana_headers,
    jira_body,
    jira_headers,
    make_context,
    trello_vector,
    write_config,
)


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def context(tmp_path: Path, calls: Calls) -> Iterator[WebhookContext]:
    built = make_context(write_config(tmp_path), FakeFactory(calls))
    yield built
    built.close()


# --- accepted -----------------------------------------------------------------------------


def test_a_signed_jira_delivery_is_applied(context: WebhookContext, calls: Calls) -> None:
    body = jira_body()
    outcome = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert (outcome.status, outcome.result) == (200, "applied")
    assert outcome.summary is not None and outcome.summary.inserted == 1
    assert len(calls.webhooks) == 1
    items = context.store().snapshot("jira", taken_at=NOW).items
    assert [(i.key, str(i.due)) for i in items] == [("CS-42", "2025-07-22")]
    assert json.loads(outcome.body()) == {"result": "applied", "detail": outcome.detail}


def test_the_trello_fixture_is_accepted_with_its_signature(
    context: WebhookContext, calls: Calls
) -> None:
    vector = trello_vector()
    body = TRELLO_FIXTURE.read_bytes()
    headers = {"X-Trello-Webhook": vector["X-Trello-Webhook"]}
    outcome = handle_webhook("trello", headers, body, now=NOW, context=context)
    assert (outcome.status, outcome.result) == (200, "applied")
    assert context.store().deliveries.status("trello", "trello-action:65e3363165a1f0c2001a2b81")


def test_trellos_creation_check_is_answered(context: WebhookContext) -> None:
    outcome = handle_webhook("trello", {}, b"", now=NOW, context=context, method="HEAD")
    assert outcome.status == 200
    refused = handle_webhook("jira", {}, b"", now=NOW, context=context, method="HEAD")
    assert refused.status == 405 and ("Allow", "POST") in refused.headers


def test_a_jira_automation_request_needs_the_shared_secret_header(
    context: WebhookContext, calls: Calls
) -> None:
    body = jira_body()
    good = {"X-Automation-Token": AUTOMATION_SECRET}
    assert handle_webhook("automation", good, body, now=NOW, context=context).status == 200
    wrong = {"x-automation-token": AUTOMATION_SECRET + "x"}
    assert handle_webhook("automation", wrong, body, now=NOW, context=context).status == 403
    assert handle_webhook("automation", {}, body, now=NOW, context=context).status == 401
    assert len(calls.webhooks) == 1


# --- rejected, never parsed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        ("one-byte", 403),
        ("wrong-secret", 403),
        ("missing-header", 401),
    ],
)
def test_bad_signatures_are_refused_before_parsing(
    context: WebhookContext, calls: Calls, tamper: str, status: int
) -> None:
    body = jira_body()
    headers = jira_headers(body)
    if tamper == "one-byte":
        body = body.replace(b"2025-07-22", b"2025-07-23")
    elif tamper == "wrong-secret":
        headers = jira_headers(body, secret="not-the-secret")
    else:
        del headers["X-Hub-Signature"]
    outcome = handle_webhook("jira", headers, body, now=NOW, context=context)
    assert (outcome.status, outcome.result) == (status, "rejected")
    assert calls.webhooks == [] and calls.built == 0
    assert context.store().deliveries.count() == 0


def test_an_unparsable_body_is_never_parsed_when_unsigned(
    context: WebhookContext, calls: Calls
) -> None:
    outcome = handle_webhook("jira", {}, b"{not json", now=NOW, context=context)
    assert outcome.status == 401 and calls.webhooks == []


def test_a_signed_but_malformed_body_is_refused_once_and_then_a_replay(
    context: WebhookContext, calls: Calls
) -> None:
    body = b"[1, 2"
    first = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert (first.status, first.result) == (400, "rejected")
    again = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert (again.status, again.result) == (200, "duplicate")
    assert calls.webhooks == []


def test_an_oversized_body_is_413_by_declared_or_actual_length(
    context: WebhookContext, calls: Calls
) -> None:
    big = b"{" + b" " * 70_000 + b"}"
    declared = {**jira_headers(b"{}"), "Content-Length": "70002"}
    assert handle_webhook("jira", declared, b"{}", now=NOW, context=context).status == 413
    actual = handle_webhook("jira", jira_headers(big), big, now=NOW, context=context)
    assert actual.status == 413
    assert calls.webhooks == []


def test_unknown_sources_and_methods(context: WebhookContext) -> None:
    assert handle_webhook("nope", {}, b"", now=NOW, context=context).status == 404
    outcome = handle_webhook("jira", {}, b"", now=NOW, context=context, method="GET")
    assert outcome.status == 405


# --- replays and idempotence ----------------------------------------------------------------


def test_a_replay_is_acknowledged_and_ignored(context: WebhookContext, calls: Calls) -> None:
    body = jira_body()
    first = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    history = context.store().history()
    later = NOW + timedelta(minutes=5)
    replay = handle_webhook("jira", jira_headers(body), body, now=later, context=context)
    assert (replay.status, replay.result) == (200, "duplicate")
    assert "duplicate, ignored" in replay.detail
    assert first.result == "applied" and len(calls.webhooks) == 1
    assert context.store().history() == history


def test_a_redelivery_under_a_new_id_changes_nothing(context: WebhookContext) -> None:
    body = jira_body()
    handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    again = handle_webhook(
        "jira", jira_headers(body, delivery="d-2"), body, now=NOW, context=context
    )
    assert (again.status, again.result) == (200, "unchanged")
    assert again.summary is not None and again.summary.unchanged == 1


def test_without_a_jira_delivery_id_the_body_hash_is_the_id(context: WebhookContext) -> None:
    body = jira_body()
    headers = jira_headers(body)
    del headers["X-Atlassian-Webhook-Identifier"]
    handle_webhook("jira", headers, body, now=NOW, context=context)
    assert handle_webhook("jira", headers, body, now=NOW, context=context).result == "duplicate"


def test_a_delivery_being_applied_elsewhere_gets_409(context: WebhookContext) -> None:
    body = jira_body()
    context.store().deliveries.claim("jira", "jira:d-1", now=NOW)
    outcome = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert outcome.status == 409 and ("Retry-After", "30") in outcome.headers


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (TransientTrackerError("Asana answered 503", status=503), 503),
        (FatalTrackerError("Asana answered 404", status=404), 502),
        (RuntimeError("a bug"), 500),
    ],
)
def test_a_failed_apply_releases_the_delivery_for_the_retry(
    context: WebhookContext, calls: Calls, error: Exception, status: int
) -> None:
    body = jira_body()
    calls.fail_with = error
    failed = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert failed.status == status and "a bug" not in failed.detail
    calls.fail_with = None
    retried = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert (retried.status, retried.result) == (200, "applied")


def test_a_connector_without_read_webhook_is_501(tmp_path: Path, calls: Calls) -> None:
    context = make_context(write_config(tmp_path), FakeFactory(calls, supports_webhooks=False))
    body = jira_body()
    outcome = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert outcome.status == 501 and "read_webhook" in outcome.detail
    assert context.store().deliveries.count() == 0


# --- Asana: the handshake, then signed events --------------------------------------------------


def test_the_asana_handshake_is_answered_once_and_its_secret_kept_privately(
    tmp_path: Path, context: WebhookContext, calls: Calls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "b8f7c0e1d2a34f5e9c6d7b8a9f0e1d2c"
    outcome = handle_webhook("asana", {"X-Hook-Secret": secret}, b"", now=NOW, context=context)
    assert (outcome.status, outcome.result) == (200, "handshake")
    assert ("X-Hook-Secret", secret) in outcome.headers
    assert secret not in repr(outcome) and secret not in outcome.detail
    kept = context.secrets.path_for("asana")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    # A second handshake (a stranger, or a new registration) is refused.
    other = handle_webhook("asana", {"X-Hook-Secret": "f" * 32}, b"", now=NOW, context=context)
    assert other.status == 403
    body = ASANA_FIXTURE.read_bytes()
    signed = handle_webhook("asana", asana_headers(body, secret), body, now=NOW, context=context)
    assert signed.status == 200 and len(calls.webhooks) == 1
    forged = handle_webhook("asana", asana_headers(body, "f" * 32), body, now=NOW, context=context)
    assert forged.status == 403
    # The secret is in no store row, log line or repr.
    context.close()
    for path in tmp_path.glob("state.db*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes()
    assert secret not in caplog.text
    assert secret not in repr(context)


def test_asana_events_before_any_handshake_are_refused(context: WebhookContext) -> None:
    body = ASANA_FIXTURE.read_bytes()
    outcome = handle_webhook("asana", asana_headers(body, "x" * 32), body, now=NOW, context=context)
    assert outcome.status == 401 and "handshake" in outcome.detail


def test_an_asana_secret_from_the_environment_refuses_handshakes(
    tmp_path: Path, calls: Calls
) -> None:
    config = (
        write_config(tmp_path)
        .read_text()
        .replace(
            "[webhooks.sources.asana]", '[webhooks.sources.asana]\nsecret_env = "ASANA_HOOK_SECRET"'
        )
    )
    (tmp_path / "clientsync.toml").write_text(config)
    secret = "0123456789abcdef0123456789abcdef"
    context = WebhookContext(
        make_context(tmp_path / "clientsync.toml", FakeFactory(calls)).config,
        env={**ENV, "ASANA_HOOK_SECRET": secret},
        load_connector=lambda name: FakeFactory(calls),
    )
    refused = handle_webhook("asana", {"X-Hook-Secret": "a" * 32}, b"", now=NOW, context=context)
    assert refused.status == 403
    body = b'{"events": []}'
    ok = handle_webhook("asana", asana_headers(body, secret), body, now=NOW, context=context)
    assert (ok.status, ok.result) == (200, "unchanged")


def test_a_handshake_secret_that_could_split_headers_is_refused(context: WebhookContext) -> None:
    evil = "abcdefghijklmnop\r\nSet-Cookie: x=1"
    outcome = handle_webhook("asana", {"X-Hook-Secret": evil}, b"", now=NOW, context=context)
    assert outcome.status == 400 and outcome.headers == ()


def test_an_unreadable_store_is_503_so_the_tracker_retries(tmp_path: Path, calls: Calls) -> None:
    context = make_context(write_config(tmp_path), FakeFactory(calls))
    (tmp_path / "state.db").write_bytes(b"this is not a database file at all" * 100)
    body = jira_body()
    outcome = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert (outcome.status, outcome.result) == (503, "error")
    assert ("Retry-After", "30") in outcome.headers
    assert calls.webhooks == []


def test_a_publishing_failure_does_not_undo_the_applied_delivery(
    tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientsync.automation import notify

    tried: list[bool] = []

    def broken(*args: object, **kwargs: object) -> object:
        tried.append(True)
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(notify, "publish_due", broken)
    config = write_config(tmp_path, hook_url="http://127.0.0.1:9/hook")
    context = make_context(config, FakeFactory(calls))
    body = jira_body()
    outcome = handle_webhook("jira", jira_headers(body), body, now=NOW, context=context)
    assert (outcome.status, outcome.result, outcome.published) == (200, "applied", ())
    assert tried == [True]
    assert context.store().deliveries.status("jira", "jira:d-1") == "done"
