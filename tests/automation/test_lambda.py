"""The Lambda-style handler with API Gateway proxy events, payload v1 and v2."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from clientsync.automation import WebhookContext, handle_event, lambda_handler

from .support import (
    ENV,
    NOW,
    Calls,
    FakeFactory,
    jira_body,
    jira_headers,
    make_context,
    write_config,
)


class _Fixed:
    def now(self) -> object:
        return NOW


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def context(tmp_path: Path, calls: Calls) -> WebhookContext:
    return make_context(write_config(tmp_path), FakeFactory(calls))


def _v1(body: bytes, headers: dict[str, str], *, encode: bool) -> dict[str, Any]:
    return {
        "httpMethod": "POST",
        "path": "/webhooks/jira",
        "resource": "/webhooks/{source}",
        "pathParameters": {"source": "jira"},
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "body": base64.b64encode(body).decode() if encode else body.decode(),
        "isBase64Encoded": encode,
    }


def _v2(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/prod/webhooks/jira",
        "requestContext": {"http": {"method": "POST", "path": "/prod/webhooks/jira"}},
        "headers": {k.lower(): v for k, v in headers.items()},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


@pytest.mark.parametrize("shape", ["v1-text", "v1-base64", "v2"])
def test_a_signed_delivery_is_applied_from_each_event_shape(
    context: WebhookContext, calls: Calls, shape: str
) -> None:
    body = jira_body()
    headers = jira_headers(body)
    event = _v2(body, headers) if shape == "v2" else _v1(body, headers, encode=shape == "v1-base64")
    response = handle_event(event, context, clock=_Fixed())  # type: ignore[arg-type]
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["result"] == "applied"
    assert response["headers"]["Content-Type"].startswith("application/json")
    assert response["isBase64Encoded"] is False


def test_tampering_size_and_routes(context: WebhookContext, calls: Calls) -> None:
    body = jira_body()
    tampered = _v2(body.replace(b"CS-42", b"CS-43"), jira_headers(body))
    assert handle_event(tampered, context, clock=_Fixed())["statusCode"] == 403  # type: ignore[arg-type]
    huge = _v2(b"{" + b" " * 100_000 + b"}", jira_headers(body))
    assert handle_event(huge, context, clock=_Fixed())["statusCode"] == 413  # type: ignore[arg-type]
    bad = {**_v2(body, jira_headers(body)), "body": "@@not base64@@"}
    assert handle_event(bad, context, clock=_Fixed())["statusCode"] == 400  # type: ignore[arg-type]
    elsewhere = {**_v2(body, jira_headers(body)), "rawPath": "/prod/other"}
    assert handle_event(elsewhere, context, clock=_Fixed())["statusCode"] == 404  # type: ignore[arg-type]
    health = {"rawPath": "/healthz", "requestContext": {"http": {"method": "GET"}}}
    assert handle_event(health, context, clock=_Fixed())["statusCode"] == 200  # type: ignore[arg-type]
    assert calls.webhooks == []


def test_lambda_handler_reads_its_config_from_clientsync_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLIENTSYNC_CONFIG", str(path))
    event = {"httpMethod": "HEAD", "path": "/webhooks/trello", "headers": {}}
    response = lambda_handler(event, None)
    assert response["statusCode"] == 200 and response["body"] == ""
    monkeypatch.delenv("CLIENTSYNC_CONFIG")
    with pytest.raises(Exception, match="CLIENTSYNC_CONFIG is not set"):
        lambda_handler(event, None)
