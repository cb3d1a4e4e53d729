"""What every channel shares: the message it sends, its options, and its failure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

from clientsync.config.secrets import resolve_env
from clientsync.errors import ClientsyncError, ConfigError
from clientsync.ports import TrackerWriter
from clientsync.retry import RetryPolicy


class DeliveryError(ClientsyncError):
    """A send did not go out: retried on the next run, never marked sent."""

    exit_code = 3


@dataclass(frozen=True)
class Message:
    """One update for one audience, already rendered in the channel's format(s)."""

    audience: str
    project: str
    subject: str
    body: str
    day: date
    period: str
    rag: str
    recipients: tuple[str, ...] = ()
    html: str | None = None
    escalation: bool = False

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for part in (self.subject, self.body, self.html or "", ",".join(self.recipients)):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()


class Channel(Protocol):
    """Sends a message exactly once per idempotency key as far as the peer allows."""

    kind: str
    format: str
    wants_html: bool

    def describe(self) -> str:
        """Where it goes, for humans: never a secret."""
        ...

    def send(self, message: Message, *, idempotency_key: str) -> str:
        """Send; return the peer's id for what was sent. Raise a ClientsyncError on failure."""
        ...


WriterFor = Callable[[str], TrackerWriter]


@dataclass(frozen=True)
class ChannelContext:
    """What building a channel needs from outside: environment, paths, I/O seams."""

    env: Mapping[str, str]
    base_dir: Path
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    writer_for: WriterFor | None = None
    sources: tuple[tuple[str, str], ...] = ()
    """(source name, connector name) of each configured source."""


class Options:
    """A channel's option table, read key by key with errors that name the key."""

    def __init__(self, where: str, options: Mapping[str, Any], known: set[str]) -> None:
        self.where = where
        self._options = dict(options)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown channel option(s) {', '.join(unknown)}; "
                f"it takes {', '.join(sorted(known))}"
            )

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self._options.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self.where}: channel option {key!r} must be a string")
        return value

    def required(self, key: str, example: str) -> str:
        value = self.text(key)
        if not value:
            raise ConfigError(f"{self.where}: set channel option {key!r}, e.g. {example}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self._options.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{self.where}: channel option {key!r} must be a positive number")
        return float(value)

    def secret(self, key: str, env: Mapping[str, str]) -> SecretStr | None:
        """The secret in the variable that option `key` (a `*_env` option) names."""
        name = self.text(key)
        if name is None:
            return None
        return resolve_env(name, env, needed_by=f"{self.where} channel option {key}")
