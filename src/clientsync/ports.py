"""The ports between the library and the outside: small Protocols, no inheritance needed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .domain.model import ItemChange, Milestone, Project, WorkItem


@dataclass(frozen=True)
class RejectedItem:
    """A tracker record that could not be mapped: reported, never fatal to the sync."""

    source: str
    key: str
    field: str
    reason: str


@dataclass(frozen=True)
class ReadResult:
    """What one read of a tracker returned.

    `census` says `items` holds every live item, so an id missing from it was deleted.
    `census_ids`, when given, lists every live item id without the items themselves (an
    incremental read that can still count cheaply): a stored id missing from it was deleted.
    `milestone_census` says `milestones` lists every milestone even on an incremental read
    (most connectors re-read them every time: they are few, and editing one does not bump
    any item's update time).
    `cursor` is opaque to the core: the connector gets it back on the next read.
    """

    project: Project
    items: tuple[WorkItem, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    deleted: tuple[str, ...] = field(default=(), metadata={"doc": "ids of deleted items"})
    cursor: str | None = None
    census: bool = False
    census_ids: frozenset[str] | None = None
    milestone_census: bool = False
    changes: tuple[ItemChange, ...] = ()
    rejected: tuple[RejectedItem, ...] = ()


@runtime_checkable
class TrackerReader(Protocol):
    """Reads one project: everything (`full`, or no cursor yet), or what changed since."""

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult: ...


@runtime_checkable
class TrackerWriter(Protocol):
    """Posts an update (comment, status update) exactly once per idempotency key.

    Returns the tracker's id of what was posted; a repeated key returns the first id.
    """

    def post_update(self, target: str, body: str, *, idempotency_key: str) -> str: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class ConnectorFactory(Protocol):
    """What an entry point in `clientsync.connectors` names: usually the connector class.

    `options` are the source's table from clientsync.toml (minus `connector`); secrets are
    read from `env` by the variable names the options give; relative paths resolve
    against `base_dir`.
    """

    def from_options(
        self, options: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path
    ) -> TrackerReader: ...


@dataclass(frozen=True)
class WebhookRegistration:
    """What `register_webhook` did, in the same terms for every tracker.

    - `created` True: this call made a new webhook, `webhook_id` names it;
    - `created` False with a `webhook_id`: one for the same URL already existed and was
      reused (registering twice never makes two);
    - `created` False with no `webhook_id`: nothing exists, because the token may not create
      webhooks (Jira admin webhooks need a site admin) or the tracker refused (a callback
      that failed its check); `instructions` then say what to do by hand.
    `instructions` never contain a secret.
    """

    created: bool
    webhook_id: str | None
    instructions: str


@runtime_checkable
class WebhookReader(Protocol):
    """Turns one verified webhook delivery into a partial read (never a census).

    The handler has already checked the signature and parsed the JSON body. A connector
    may map the payload directly (Jira sends the issue) or read the changed records back
    through its API (Asana events carry no values). `deleted` lists items the delivery
    says were deleted. `cursor` stays None: a delivery does not advance the sync cursor.
    """

    def read_webhook(self, payload: Mapping[str, Any]) -> ReadResult: ...


@runtime_checkable
class WebhookRegistrar(Protocol):
    """Creates a webhook on the tracker that calls `url` for this project's changes."""

    def register_webhook(self, url: str, *, secret: str | None = None) -> WebhookRegistration: ...
