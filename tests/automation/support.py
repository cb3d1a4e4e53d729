"""Test support: a tiny connector that reads vendor-shaped deliveries, configs, signing."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clientsync.automation import WebhookContext, asana_signature, jira_signature
from clientsync.config import load_config
from clientsync.domain.model import ItemState, Milestone, Project, WorkItem
from clientsync.ports import ConnectorFactory, ReadResult, TrackerReader

# Copies of the vendor-shaped payloads in shared/fixtures, byte for byte (signatures
# cover the exact bytes); the Trello one comes with its signature test vector.
FIXTURES = Path(__file__).parent / "fixtures"
JIRA_FIXTURE = FIXTURES / "jira_issue_updated.json"
TRELLO_FIXTURE = FIXTURES / "trello_update_card.json"
ASANA_FIXTURE = FIXTURES / "asana_events.json"

JIRA_SECRET = "jira-webhook-secret-for-tests-0001"
AUTOMATION_SECRET = "automation-shared-secret-0001"
NOW = datetime(2025, 6, 12, 8, 0, tzinfo=UTC)
PROJECT = Project(id="CS", name="Client Portal", tracker="jira")


def trello_vector() -> dict[str, str]:
    lines = (FIXTURES / "trello_update_card.signature.txt").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@dataclass
class Calls:
    """What the fake connector was asked, shared by every instance one factory builds."""

    webhooks: list[Mapping[str, Any]] = field(default_factory=list)
    built: int = 0
    fail_with: BaseException | None = None
    items: list[WorkItem] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)


class FakeConnector:
    """Reads deliveries shaped like Jira's, Trello's and Asana's into a partial read."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        return ReadResult(
            project=PROJECT,
            items=tuple(self.calls.items),
            milestones=tuple(self.calls.milestones),
            cursor="sync-cursor-1",
            census=True,
            milestone_census=True,
        )

    def read_webhook(self, payload: Mapping[str, Any]) -> ReadResult:
        self.calls.webhooks.append(payload)
        if self.calls.fail_with is not None:
            raise self.calls.fail_with
        if "webhookEvent" in payload:
            return _jira(payload)
        if "action" in payload:
            return _trello(payload)
        return ReadResult(project=PROJECT)


class NoWebhooks:
    """A connector without read_webhook."""

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        return ReadResult(project=PROJECT)


@dataclass
class FakeFactory:
    calls: Calls
    supports_webhooks: bool = True

    def from_options(
        self, options: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path
    ) -> TrackerReader:
        self.calls.built += 1
        return FakeConnector(self.calls) if self.supports_webhooks else NoWebhooks()


def loader(factory: FakeFactory) -> Any:
    def load(name: str) -> ConnectorFactory:
        return factory

    return load


def _jira(payload: Mapping[str, Any]) -> ReadResult:
    issue = payload["issue"]
    if payload["webhookEvent"] == "jira:issue_deleted":
        return ReadResult(project=PROJECT, deleted=(str(issue["id"]),))
    fields = issue["fields"]
    versions = fields.get("fixVersions") or []
    category = fields["status"]["statusCategory"]["key"]
    state = {"done": ItemState.DONE, "indeterminate": ItemState.IN_PROGRESS}.get(
        category, ItemState.TODO
    )
    item = WorkItem(
        id=str(issue["id"]),
        key=issue["key"],
        title=fields["summary"],
        status=fields["status"]["name"],
        state=state,
        blocked="blocked" in fields.get("labels", []),
        milestones=tuple(str(v["id"]) for v in versions),
        due=date.fromisoformat(fields["duedate"]) if fields.get("duedate") else None,
        created=datetime.fromisoformat(fields["created"]),
        updated=datetime.fromisoformat(fields["updated"]),
        labels=tuple(fields.get("labels", [])),
    )
    milestones = tuple(
        Milestone(
            id=str(v["id"]),
            name=v["name"],
            due=date.fromisoformat(v["releaseDate"]) if v.get("releaseDate") else None,
        )
        for v in versions
    )
    return ReadResult(project=PROJECT, items=(item,), milestones=milestones)


def _trello(payload: Mapping[str, Any]) -> ReadResult:
    action = payload["action"]
    card = action["data"]["card"]
    moment = datetime.fromisoformat(action["date"].replace("Z", "+00:00"))
    item = WorkItem(
        id=card["id"],
        key=card["shortLink"],
        title=card["name"],
        due=datetime.fromisoformat(card["due"].replace("Z", "+00:00")).date(),
        created=moment,
        updated=moment,
    )
    return ReadResult(project=PROJECT, items=(item,))


def write_config(
    tmp_path: Path,
    *,
    hook_url: str | None = None,
    webhooks: str | None = None,
    extra_sources: str = "",
) -> Path:
    """A clientsync.toml with sources jira, trello, asana and automation (all fake)."""
    audience = ""
    if hook_url is not None:
        audience = f"""
        [[audiences]]
        name = "client"
        level = "client"
        cadence = "on-change"
        channel = {{ type = "webhook", url = "{hook_url}", format = "md" }}
        """
    tables = (
        webhooks
        or f"""
        [webhooks]
        max_body_bytes = 65536
        public_url = "https://hooks.example.com"

        [webhooks.sources.jira]
        secret_env = "JIRA_WEBHOOK_SECRET"

        [webhooks.sources.automation]
        verification = "shared-secret"
        secret_env = "JIRA_AUTOMATION_SECRET"
        header = "X-Automation-Token"

        [webhooks.sources.trello]
        secret_env = "TRELLO_APP_SECRET"
        callback_url = "{trello_vector()["callback_url"]}"

        [webhooks.sources.asana]
        """
    )
    text = f"""
        [project]
        name = "Client Portal"
        id = "CS"
        timezone = "UTC"

        [store]
        path = "state.db"

        [[sources]]
        connector = "jira"
        url = "https://acme.atlassian.net"
        project = "CS"

        [[sources]]
        name = "automation"
        connector = "jira"
        url = "https://acme.atlassian.net"
        project = "CS"

        [[sources]]
        connector = "trello"
        board_id = "659bb99065a1f0c2001a2b3c"

        [[sources]]
        connector = "asana"
        project = "1207139462811000"
        {extra_sources}
        {audience}
        {tables}
        """
    path = tmp_path / "clientsync.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


ENV = {
    "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
    "JIRA_AUTOMATION_SECRET": AUTOMATION_SECRET,
    "TRELLO_APP_SECRET": trello_vector()["app_secret"],
}


def make_context(config_path: Path, factory: FakeFactory, **options: Any) -> WebhookContext:
    return WebhookContext(
        load_config(config_path), env=options.pop("env", ENV), load_connector=loader(factory)
    )


def jira_body(**changes: Any) -> bytes:
    """The Jira fixture, with `fields` changed, as compact bytes."""
    data = json.loads(JIRA_FIXTURE.read_bytes())
    data["issue"]["fields"].update(changes)
    return json.dumps(data).encode()


def jira_headers(
    body: bytes, *, delivery: str = "d-1", secret: str = JIRA_SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Hub-Signature": jira_signature(secret.encode(), body),
        "X-Atlassian-Webhook-Identifier": delivery,
    }


def asana_headers(body: bytes, secret: str) -> dict[str, str]:
    return {"X-Hook-Signature": asana_signature(secret.encode(), body)}


def jira_payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(JIRA_FIXTURE.read_bytes())
    data["issue"]["fields"].update(changes)
    return data


def seed(calls: Calls, **changes: Any) -> None:
    """What the tracker holds before the deliveries: the fixture's issue as `changes` say."""
    result = _jira(jira_payload(**changes))
    calls.items = list(result.items)
    calls.milestones = list(result.milestones)
