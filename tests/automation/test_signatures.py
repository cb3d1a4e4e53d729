"""Verification on raw bytes: the vendors' recipes, the Trello test vector, tampering."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.automation import asana_signature, jira_signature, trello_signature
from clientsync.automation.headers import Headers
from clientsync.automation.signatures import (
    Rejection,
    check_asana,
    check_jira,
    check_shared_secret,
    check_trello,
)

from .support import TRELLO_FIXTURE, trello_vector


def test_the_trello_fixture_signature_vector_verifies() -> None:
    vector = trello_vector()
    body = TRELLO_FIXTURE.read_bytes()
    secret = vector["app_secret"].encode()
    assert trello_signature(secret, body, vector["callback_url"]) == vector["X-Trello-Webhook"]
    headers = Headers({"X-Trello-Webhook": vector["X-Trello-Webhook"]})
    assert check_trello(headers, body, secret, vector["callback_url"]) is None


def test_trello_signs_the_callback_url_too() -> None:
    vector = trello_vector()
    body = TRELLO_FIXTURE.read_bytes()
    headers = Headers({"X-Trello-Webhook": vector["X-Trello-Webhook"]})
    other_url = vector["callback_url"].replace("conn=42", "conn=43")
    rejection = check_trello(headers, body, vector["app_secret"].encode(), other_url)
    assert rejection is not None and rejection.status == 403


def test_the_recipes_match_the_vendors_documented_ones() -> None:
    body, secret = b'{"events":[]}', b"s3cret"
    assert jira_signature(secret, body) == (
        "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    )
    assert asana_signature(secret, body) == hmac.new(secret, body, hashlib.sha256).hexdigest()
    mac = hmac.new(secret, body + b"https://x.example/cb", hashlib.sha1).digest()
    assert trello_signature(secret, body, "https://x.example/cb") == base64.b64encode(mac).decode()


def _status(rejection: Rejection | None) -> int | None:
    return None if rejection is None else rejection.status


def test_missing_headers_are_401_and_wrong_ones_403() -> None:
    body, secret = b"{}", b"k"
    assert _status(check_jira(Headers(), body, secret)) == 401
    assert _status(check_asana(Headers(), body, secret)) == 401
    assert _status(check_trello(Headers(), body, secret, "u")) == 401
    assert _status(check_shared_secret(Headers(), "X-T", secret)) == 401
    wrong = Headers({"X-Hub-Signature": "sha256=" + "0" * 64, "X-T": "nope"})
    assert _status(check_jira(wrong, body, secret)) == 403
    assert _status(check_shared_secret(wrong, "X-T", secret)) == 403


def test_jira_accepts_upper_case_hex_and_refuses_other_algorithms() -> None:
    body, secret = b'{"a":1}', b"k"
    upper = "sha256=" + jira_signature(secret, body).removeprefix("sha256=").upper()
    assert check_jira(Headers({"x-hub-signature": upper}), body, secret) is None
    sha1 = "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()
    rejection = check_jira(Headers({"X-Hub-Signature": sha1}), body, secret)
    assert rejection is not None and rejection.status == 401


def test_a_non_ascii_header_is_refused_not_an_exception() -> None:
    rejection = check_asana(Headers({"X-Hook-Signature": "é" * 64}), b"{}", b"k")
    assert rejection is not None and rejection.status == 403


@settings(max_examples=60, deadline=None)
@given(
    body=st.binary(min_size=1, max_size=400),
    secret=st.binary(min_size=1, max_size=64),
    position=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_one_byte_change_is_refused_by_every_scheme(
    body: bytes, secret: bytes, position: int, flip: int
) -> None:
    index = position % len(body)
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    url = "https://hooks.example.com/webhooks/trello"
    signed = Headers(
        {
            "X-Hub-Signature": jira_signature(secret, body),
            "X-Hook-Signature": asana_signature(secret, body),
            "X-Trello-Webhook": trello_signature(secret, body, url),
        }
    )
    assert check_jira(signed, body, secret) is None
    assert check_asana(signed, body, secret) is None
    assert check_trello(signed, body, secret, url) is None
    for check in (
        check_jira(signed, tampered, secret),
        check_asana(signed, tampered, secret),
        check_trello(signed, tampered, secret, url),
    ):
        assert check is not None and check.status == 403


@settings(max_examples=40, deadline=None)
@given(secret=st.binary(min_size=1, max_size=32), other=st.binary(min_size=1, max_size=32))
def test_a_wrong_secret_is_refused(secret: bytes, other: bytes) -> None:
    body = b'{"webhookEvent":"jira:issue_updated"}'
    signed = Headers({"X-Hub-Signature": jira_signature(other, body)})
    assert (check_jira(signed, body, secret) is None) == (secret == other)
