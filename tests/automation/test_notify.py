"""Changes that matter reach on-change audiences at once, exactly once; others build nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from clientsync.automation import WebhookContext, handle_webhook
from clientsync.automation import notify as notify_module
from clientsync.publish import publish_due
from clientsync.publish import service as publish_service
from clientsync.services import capture_project_baseline
from clientsync.sync import sync_source
from tests.unit.publish.peers import Hook, webhook_peer

from .support import (
    JIRA_FIXTURE,
    NOW,
    Calls,
    FakeConnector,
    FakeFactory,
    jira_headers,
    make_context,
    seed,
    write_config,
)

SEEDED = {"duedate": "2025-07-15", "updated": "2025-06-10T09:00:00.000+0200"}


@pytest.fixture
def hook() -> Iterator[Hook]:
    with webhook_peer() as peer:
        yield peer


@pytest.fixture
def calls() -> Calls:
    found = Calls()
    seed(found, **SEEDED)
    return found


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the reports publishing builds (the expensive part)."""
    built: list[str] = []
    real = publish_service.make_report

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append("report")
        return real(*args, **kwargs)

    monkeypatch.setattr(publish_service, "make_report", counting)
    return built


@pytest.fixture
def context(tmp_path: Path, hook: Hook, calls: Calls) -> Iterator[WebhookContext]:
    built = make_context(write_config(tmp_path, hook_url=hook.url), FakeFactory(calls))
    store = built.store()
    sync_source(store, "jira", FakeConnector(calls), now=NOW - timedelta(days=2))
    capture_project_baseline(built.config, store, now=NOW - timedelta(days=1), agreed_by="Client")
    # The audience has had its first update: later ones go only when something changed.
    primed = publish_due(built.config, store, now=NOW - timedelta(days=1), env=built.env)
    assert [o.status for o in primed.outcomes] == ["sent"]
    hook.received.clear()
    yield built
    built.close()


def _deliver(context: WebhookContext, delivery: str, **fields: Any) -> Any:
    data = json.loads(JIRA_FIXTURE.read_bytes())
    data["issue"]["fields"].update(fields)
    body = json.dumps(data).encode()
    return handle_webhook(
        "jira", jira_headers(body, delivery=delivery), body, now=NOW, context=context
    )


def test_a_due_date_moved_past_its_milestone_notifies_once_and_a_redelivery_sends_nothing(
    context: WebhookContext, hook: Hook, reports: list[str]
) -> None:
    first = _deliver(context, "d-1", duedate="2025-08-15")  # release 1.1 is due 2025-07-31
    assert first.result == "applied"
    assert [p.status for p in first.published] == ["sent"]
    assert len(hook.received) == 1
    notice = json.loads(hook.received[0].body)
    assert notice["audience"] == "client" and notice["project"] == "Client Portal"
    replay = _deliver(context, "d-1", duedate="2025-08-15")
    again = _deliver(context, "d-2", duedate="2025-08-15")  # the same change, a new id
    assert (replay.result, again.result) == ("duplicate", "unchanged")
    assert len(hook.received) == 1
    assert len(reports) == 1


def test_a_due_date_move_within_the_milestone_leaves_it_to_the_on_change_rule(
    context: WebhookContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    forced: list[bool] = []
    monkeypatch.setattr(
        notify_module, "publish_due", lambda *a, **k: forced.append(k["force"]) or _Nothing()
    )
    outcome = _deliver(context, "d-1")  # the fixture: 07-15 -> 07-22, release due 07-31
    assert outcome.result == "applied"
    assert forced == [False]


class _Nothing:
    outcomes = ()


def test_a_change_that_does_not_matter_builds_no_report(
    context: WebhookContext, hook: Hook, reports: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[object] = []
    monkeypatch.setattr(notify_module, "publish_due", lambda *a, **k: published.append(a))
    outcome = _deliver(context, "d-1", summary="Client SSO login via Okta (renamed)", **SEEDED)
    assert outcome.result == "applied"
    assert outcome.summary is not None and outcome.summary.updated == 1
    assert (published, reports, hook.received) == ([], [], [])


def test_an_item_becoming_blocked_is_sent_even_without_a_rag_change(
    context: WebhookContext, hook: Hook
) -> None:
    labels = ["client-visible", "phase-2", "blocked"]
    outcome = _deliver(context, "d-1", labels=labels, **SEEDED)
    assert [p.status for p in outcome.published] == ["sent"]
    # A second, unrelated trigger-free delivery sends nothing more.
    _deliver(context, "d-2", labels=labels, summary="renamed", **SEEDED)
    assert len(hook.received) == 1


def test_a_milestone_date_move_is_sent(context: WebhookContext, hook: Hook) -> None:
    versions = [{"id": "10101", "name": "1.1", "releaseDate": "2025-08-29", "released": False}]
    outcome = _deliver(context, "d-1", fixVersions=versions, **SEEDED)
    assert [p.status for p in outcome.published] == ["sent"]
    assert "milestone" in hook.received[0].body.decode().lower()


def test_scope_added_to_a_committed_milestone_is_sent(
    context: WebhookContext, hook: Hook, calls: Calls
) -> None:
    data = json.loads(JIRA_FIXTURE.read_bytes())
    data["webhookEvent"] = "jira:issue_created"
    data["issue"].update(id="10099", key="CS-99")
    data["issue"]["fields"].update(summary="Extra report the client asked for", **SEEDED)
    body = json.dumps(data).encode()
    outcome = handle_webhook(
        "jira", jira_headers(body, delivery="d-9"), body, now=NOW, context=context
    )
    assert outcome.summary is not None and outcome.summary.inserted == 1
    assert [p.status for p in outcome.published] == ["sent"]
    assert len(hook.received) == 1
