"""End to end with the real Jira connector: a signed `jira:issue_updated` delivery, sent over
loopback HTTP to the WSGI app, moves a due date in the store and sends exactly one change
notice to a webhook audience (a loopback receiver); its redelivery sends nothing.

The store starts from a real sync against `FakeJira` (the connector's loopback Jira), and
the audience has had its first update already, so the notice is due to the delivery.
"""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clientsync.automation import jira_signature, make_wsgi_app
from clientsync.config import load_config
from clientsync.publish import publish_due
from clientsync.services import capture_project_baseline, open_store, sync_project
from tests.unit.publish.peers import webhook_peer

from .loopback import request, served
from .support import JIRA_FIXTURE

clientsync_jira = pytest.importorskip("clientsync_jira")
if not hasattr(clientsync_jira.JiraConnector, "read_webhook"):
    pytest.skip(
        "the installed clientsync_jira has no JiraConnector.read_webhook yet",
        allow_module_level=True,
    )
FakeJira = pytest.importorskip("clientsync_jira.testing").FakeJira

NOW = datetime(2025, 6, 12, 8, 0, tzinfo=UTC)
SECRET = "e2e-jira-webhook-secret-0042"


class _Fixed:
    def now(self) -> datetime:
        return NOW


def _config(tmp_path: Path, jira_url: str, hook_url: str) -> Path:
    text = f"""
        [project]
        name = "Client Portal"
        id = "CS"

        [store]
        path = "state.db"

        [[sources]]
        connector = "jira"
        url = "{jira_url}"
        project = "CS"
        story_points_field = "customfield_10016"
        sprint_field = "customfield_10020"
        flagged_field = "customfield_10021"
        start_date_field = "customfield_10015"

        [[audiences]]
        name = "client"
        cadence = "on-change"
        channel = {{ type = "webhook", url = "{hook_url}" }}

        [webhooks.sources.jira]
        secret_env = "JIRA_WEBHOOK_SECRET"
        """
    path = tmp_path / "clientsync.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _delivery(due: str) -> bytes:
    """The fixture, its due date (and the changelog saying so) moved to `due`."""
    data: dict[str, Any] = json.loads(JIRA_FIXTURE.read_bytes())
    data["issue"]["fields"]["duedate"] = due
    item = data["changelog"]["items"][0]
    item.update(to=due, toString=f"{due} 00:00:00.0")
    return json.dumps(data).encode()


def test_a_signed_due_date_move_updates_the_store_and_notifies_once(tmp_path: Path) -> None:
    with FakeJira() as jira, webhook_peer() as hook:
        # The tracker as it was before the change: CS-42 due 07-15 in release 1.1 (07-31).
        jira.data.clock_ms = int(datetime(2025, 6, 1, tzinfo=UTC).timestamp() * 1000)
        jira.data.versions.append(
            clientsync_jira.fake_data.FakeVersion("10101", "CS", "1.1", "2025-07-31")
        )
        jira.data._next_id = 10042
        jira.data.add_issue(
            "CS-42",
            "Client SSO login via Okta",
            "CS",
            status="In Progress",
            duedate="2025-07-15",
            fix_versions=["10101"],
            points=5.0,
        )
        env = {
            "JIRA_EMAIL": jira.email,
            "JIRA_API_TOKEN": jira.secret,
            "JIRA_WEBHOOK_SECRET": SECRET,
        }
        config_path = _config(tmp_path, jira.url, hook.url)
        config = load_config(config_path)
        with open_store(config) as store:
            sync_project(config, store, now=NOW - timedelta(days=2), env=env)
            capture_project_baseline(
                config, store, now=NOW - timedelta(days=2), agreed_by="Client sponsor"
            )
            first = publish_due(config, store, now=NOW - timedelta(days=1), env=env)
            assert [o.status for o in first.outcomes] == ["sent"]
            cursor = store.cursor("jira")
        hook.received.clear()
        requests_before = len(jira.requests)

        body = _delivery("2025-08-15")
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": jira_signature(SECRET.encode(), body),
            "X-Atlassian-Webhook-Identifier": "0b2e5c4e-e2e-0001",
        }
        app = make_wsgi_app(config_path, env=env, clock=_Fixed())
        with served(app) as server:
            delivered = request(server, "POST", "/webhooks/jira", body, headers)
            redelivered = request(server, "POST", "/webhooks/jira", body, headers)
            forged = request(
                server,
                "POST",
                "/webhooks/jira",
                body.replace(b"2025-08-15", b"2025-09-15"),
                headers,
            )
        app.context.close()

        assert delivered.status == 200, delivered.body
        assert json.loads(delivered.body)["result"] == "applied"
        assert (redelivered.status, json.loads(redelivered.body)["result"]) == (200, "duplicate")
        assert forged.status == 403
        # Exactly one change notice reached the audience's webhook.
        assert len(hook.received) == 1
        notice = json.loads(hook.received[0].body)
        assert notice["audience"] == "client" and notice["project"] == "Client Portal"
        # The store holds the new date and the change, recorded once.
        with open_store(config) as store:
            item = next(i for i in store.snapshot("jira", taken_at=NOW).items if i.key == "CS-42")
            assert str(item.due) == "2025-08-15"
            moves = [c for c in store.history() if c.key == "CS-42" and c.field == "due"]
            assert [(c.before, c.after) for c in moves] == [("2025-07-15", "2025-08-15")]
            assert store.cursor("jira") == cursor is not None  # deliveries leave it alone
        # Mapping a delivery asked Jira nothing.
        assert len(jira.requests) == requests_before
