"""The `webhook` channel: a JSON POST with a Slack- and Teams-compatible `text` field.

Signed with HMAC-SHA256 over the exact body when `secret_env` is set; sent with an
`Idempotency-Key` header, so the retry policy may repeat it safely.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from email.message import Message as Headers
from urllib.parse import urlsplit

from pydantic import SecretStr

from clientsync.errors import ConfigError, FatalTrackerError, TransientTrackerError
from clientsync.retry import RetryPolicy, parse_retry_after

from .base import ChannelContext, Message, Options

SIGNATURE_HEADER = "X-Clientsync-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel:
    """Options: url or url_env (a URL often holds a token: prefer url_env), secret_env,
    format (default md), timeout_seconds."""

    kind = "webhook"
    wants_html = False

    def __init__(
        self,
        url: SecretStr,
        *,
        secret: SecretStr | None,
        format: str,
        timeout: float,
        retry: RetryPolicy,
    ) -> None:
        self._url, self._secret = url, secret
        self.format, self.timeout, self._retry = format, timeout, retry
        parts = urlsplit(url.get_secret_value())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError("webhook: the url must be an http(s) URL")
        self.host = parts.hostname
        self.port = parts.port

    @classmethod
    def from_options(cls, options: Options, ctx: ChannelContext) -> WebhookChannel:
        url = options.secret("url_env", ctx.env)
        plain = options.text("url")
        if (url is None) == (plain is None):
            raise ConfigError(f"{options.where}: set url_env (the variable holding the URL) or url")
        return cls(
            url if url is not None else SecretStr(str(plain)),
            secret=options.secret("secret_env", ctx.env),
            format=options.text("format") or "md",
            timeout=options.number("timeout_seconds", 10.0),
            retry=ctx.retry,
        )

    def describe(self) -> str:
        # The host only: the path of a chat webhook URL is its credential.
        where = f"{self.host}:{self.port}" if self.port else self.host
        return f"webhook to {where}" + (" (signed)" if self._secret else "")

    def __repr__(self) -> str:
        return f"WebhookChannel({self.describe()!r})"

    def payload(self, message: Message) -> bytes:
        data = {
            "text": message.body,
            "subject": message.subject,
            "project": message.project,
            "audience": message.audience,
            "period": message.period,
            "rag": message.rag,
            "escalation": message.escalation,
            "to": list(message.recipients) if message.escalation else [],
        }
        return json.dumps(data, ensure_ascii=False).encode()

    def send(self, message: Message, *, idempotency_key: str) -> str:
        body = self.payload(message)
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: idempotency_key}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret.get_secret_value(), body)
        status = self._retry.call(self._post, body, headers, idempotent=True)
        return f"HTTP {status}"

    def _post(self, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(
            self._url.get_secret_value(), data=body, headers=headers, method="POST"
        )
        where = self.describe()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
            if status in _TRANSIENT:
                retry_after = parse_retry_after(
                    _header(exc.headers, "Retry-After"), now=self._retry.utcnow()
                )
                raise TransientTrackerError(
                    f"{where} answered HTTP {status}", status=status, retry_after=retry_after
                ) from None
            raise FatalTrackerError(f"{where} answered HTTP {status}", status=status) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransientTrackerError(f"{where} unreachable: {reason}") from None


def _header(headers: Headers | None, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    return None if value is None else str(value)
