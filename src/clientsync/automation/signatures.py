"""Verifying a delivery on its raw bytes, before anything parses it; constant-time compares.

Each tracker signs differently:

- Jira admin webhooks: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`;
- Jira Automation "Send web request" cannot sign: a header the rule sets carries a shared
  secret, compared whole;
- Trello: `X-Trello-Webhook: base64(HMAC-SHA1(app secret, body + callback URL))`, the
  callback URL exactly as registered;
- Asana: `X-Hook-Signature: <hex HMAC-SHA256(secret from the handshake, body)>`.

A missing header is 401 (no credentials), a wrong one 403.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

JIRA_SIGNATURE = "X-Hub-Signature"
TRELLO_SIGNATURE = "X-Trello-Webhook"
ASANA_SIGNATURE = "X-Hook-Signature"
ASANA_HANDSHAKE = "X-Hook-Secret"


@dataclass(frozen=True)
class Rejection:
    status: int
    reason: str


def jira_signature(secret: bytes, body: bytes) -> str:
    """The `X-Hub-Signature` value Jira sends for `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def trello_signature(secret: bytes, body: bytes, callback_url: str) -> str:
    """The `X-Trello-Webhook` value Trello sends for `body` to `callback_url`."""
    mac = hmac.new(secret, body + callback_url.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def asana_signature(secret: bytes, body: bytes) -> str:
    """The `X-Hook-Signature` value Asana sends for `body`."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    """Constant-time equality (on bytes: a non-ASCII header must not raise)."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_jira(headers: Mapping[str, str], body: bytes, secret: bytes) -> Rejection | None:
    given = headers.get(JIRA_SIGNATURE)
    if not given:
        return Rejection(401, f"missing {JIRA_SIGNATURE} header (is a secret set on the webhook?)")
    algorithm, _, digest = given.strip().partition("=")
    if algorithm.strip().lower() != "sha256":
        return Rejection(401, f"{JIRA_SIGNATURE} must be sha256=<hex>")
    expected = jira_signature(secret, body)
    if not same(expected, f"sha256={digest.strip().lower()}"):
        return Rejection(403, f"{JIRA_SIGNATURE} does not match the body")
    return None


def check_shared_secret(headers: Mapping[str, str], header: str, secret: bytes) -> Rejection | None:
    given = headers.get(header)
    if not given:
        return Rejection(401, f"missing {header} header")
    if not hmac.compare_digest(secret, given.strip().encode("utf-8")):
        return Rejection(403, f"{header} does not hold the shared secret")
    return None


def check_trello(
    headers: Mapping[str, str], body: bytes, secret: bytes, callback_url: str
) -> Rejection | None:
    given = headers.get(TRELLO_SIGNATURE)
    if not given:
        return Rejection(401, f"missing {TRELLO_SIGNATURE} header")
    if not same(trello_signature(secret, body, callback_url), given.strip()):
        return Rejection(
            403,
            f"{TRELLO_SIGNATURE} does not match the body and the callback URL (is the "
            "configured callback_url exactly the one registered, query string included?)",
        )
    return None


def check_asana(headers: Mapping[str, str], body: bytes, secret: bytes) -> Rejection | None:
    given = headers.get(ASANA_SIGNATURE)
    if not given:
        return Rejection(401, f"missing {ASANA_SIGNATURE} header")
    if not same(asana_signature(secret, body), given.strip().lower()):
        return Rejection(403, f"{ASANA_SIGNATURE} does not match the body")
    return None
