"""[webhooks]: which sources accept tracker webhooks, and how each delivery is verified.

A source receives webhooks only when it has a `[webhooks.sources.<name>]` table: nothing
is exposed that was not asked for. Secrets are never written here, only the names of the
environment variables that hold them (`secret_env`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from .issues import issue
from .secrets import ENV_NAME
from .tables import ConfigModel

WEBHOOK_CONNECTORS = ("jira", "trello", "asana")
"""Connector types whose deliveries clientsync knows how to verify."""

DEFAULT_SECRET_HEADER = "X-Clientsync-Secret"
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


class Verification(StrEnum):
    SIGNATURE = "signature"
    """The tracker's own signature: Jira `X-Hub-Signature`, Trello `X-Trello-Webhook`,
    Asana `X-Hook-Signature`."""
    SHARED_SECRET = "shared-secret"
    """A header whose value is a shared secret (Jira Automation "Send web request",
    which cannot sign)."""


class WebhookSourceConfig(ConfigModel):
    """[webhooks.sources.NAME]: how deliveries for the source NAME are verified."""

    verification: Verification = Field(
        Verification.SIGNATURE,
        description='"signature" (the tracker signs) or "shared-secret" (Jira Automation).',
    )
    secret_env: str | None = Field(
        None,
        description="The variable holding the secret: Jira's webhook secret, the shared "
        "secret, Trello's application secret; for Asana optional (the handshake gives it).",
    )
    header: str = Field(DEFAULT_SECRET_HEADER, description="The header carrying the shared secret.")
    callback_url: str | None = Field(
        None,
        description="Trello: the callback URL exactly as registered (it is signed); "
        "default: public_url, then /webhooks/ and the source's name.",
    )

    @field_validator("secret_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME.fullmatch(value):
            raise issue(
                "must name an environment variable",
                'use letters, digits and underscores, e.g. "JIRA_WEBHOOK_SECRET"',
            )
        return value

    @field_validator("header")
    @classmethod
    def _header_name(cls, value: str) -> str:
        if not _HEADER_NAME.fullmatch(value):
            raise issue(
                f"{value!r} is not an HTTP header name",
                f'use letters, digits and "-", e.g. "{DEFAULT_SECRET_HEADER}"',
            )
        return value

    @field_validator("callback_url")
    @classmethod
    def _callback(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)


class WebhooksConfig(ConfigModel):
    """[webhooks]: the handler's limits and the sources it serves."""

    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=64 * 1_048_576, description="Larger deliveries get 413."
    )
    public_url: str | None = Field(
        None,
        description="Where the handler is reachable from the trackers, e.g. "
        "https://hooks.example.com; a source's URL is this, then /webhooks/ and its name.",
    )
    remember_deliveries_days: int = Field(
        30, ge=1, le=366, description="How long a delivery id is kept to refuse replays."
    )
    sources: dict[str, WebhookSourceConfig] = Field(
        default_factory=dict, description="One table per source that accepts webhooks."
    )

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value).rstrip("/")

    @model_validator(mode="after")
    def _shared_secret_names_a_secret(self) -> Self:
        for name, source in self.sources.items():
            if source.verification is Verification.SHARED_SECRET and source.secret_env is None:
                raise issue(
                    "a shared-secret source needs the variable holding the secret",
                    'set secret_env = "JIRA_AUTOMATION_SECRET" (any variable name)',
                    path=("sources", name, "secret_env"),
                )
        return self

    def callback_url(self, source: str) -> str | None:
        """The URL the tracker calls for `source`: its own, or derived from public_url."""
        table = self.sources.get(source)
        if table is not None and table.callback_url is not None:
            return table.callback_url
        if self.public_url is None:
            return None
        return f"{self.public_url}/webhooks/{source}"


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None:
        raise issue("a URL must not hold credentials", "remove the user:password@ part from it")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise issue("not an http(s) URL", 'write it as "https://host/path"')
    return value
