"""Faults Trello really produces: every one retried in the one layer, to the same result."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clientsync_trello.testing import FakeTrello, TrelloFailure, TrelloRateLimited, populate_board
from trello_support import KEY, TOKEN, ConnectorFor

from clientsync.errors import FatalTrackerError
from clientsync.retry import RetryPolicy
from clientsync.store import Store
from clientsync.sync import sync_source
from clientsync.testing import ConnectionReset, Fault, RateLimited, ServerError, Slow, Truncated

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def outcome(result: Any) -> tuple[Any, ...]:
    return (result.items, result.milestones, result.cursor, result.changes, result.deleted)


@pytest.fixture
def clean_result(connector_for: ConnectorFor) -> tuple[Any, ...]:
    with FakeTrello(api_key=KEY, token=TOKEN) as fake:
        populate_board(fake, 25)
        return outcome(connector_for(fake, page_size=10).read(full=True))


@pytest.mark.parametrize(
    ("fault", "waits"),
    [
        (RateLimited(retry_after=7), [7.0]),  # a Retry-After is honoured
        (TrelloRateLimited(), [10.0]),  # Trello's own 429: no Retry-After, wait the window
        (TrelloRateLimited("API_KEY_LIMIT_EXCEEDED"), [10.0]),
        (ServerError(503), None),
        (ServerError(504), None),
        (ConnectionReset(), None),
        (Truncated(missing=40), None),
        (Slow(seconds=3), None),
    ],
)
@pytest.mark.parametrize("at", [0, 2])  # the /batch, then a cards page
def test_a_fault_then_the_same_result(
    fault: Fault,
    waits: list[float] | None,
    at: int,
    connector_for: ConnectorFor,
    clean_result: tuple[Any, ...],
    sleeps: list[float],
) -> None:
    with FakeTrello(api_key=KEY, token=TOKEN) as fake:
        populate_board(fake, 25)
        fake.script(*([None] * at), fault)
        result = connector_for(fake, page_size=10, timeout=0.3).read(full=True)
        assert outcome(result) == clean_result
        assert fake.requests[at].fault == fault
        assert len(sleeps) == 1
        if waits is not None:
            assert sleeps == waits


def test_bad_credentials_are_fatal_and_not_retried(
    fake: FakeTrello, connector_for: ConnectorFor, sleeps: list[float]
) -> None:
    fake.fail_next(TrelloFailure(401, "invalid token"))
    with pytest.raises(FatalTrackerError, match="TRELLO_TOKEN") as raised:
        connector_for(fake).read()
    assert sleeps == []
    assert TOKEN not in str(raised.value)


def test_a_refused_post_is_checked_before_posting_again(
    fake: FakeTrello, connector_for: ConnectorFor
) -> None:
    fake.add_card("Client updates", "Backlog")
    writer = connector_for(fake)
    writer.post_update("Client updates", "warm-up", idempotency_key="0")  # resolves the card
    # The POST lands but its answer is lost: the retry finds the marker and posts nothing.
    fake.script(None, Truncated(missing=10))
    posted = writer.post_update("Client updates", "Status", idempotency_key="week-1")
    texts = [c["data"]["text"] for c in fake.comments()]
    assert sum("[clientsync:week-1]" in t for t in texts) == 1
    assert posted == fake.comments()[-1]["id"]


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in {
                "sources": "name",
                "items": "source, id",
                "milestones": "source, id",
                "item_history": "fingerprint",
            }.items()
        }
    finally:
        conn.close()


def run_syncs(
    tmp: Path, connector_for: ConnectorFor, retry: RetryPolicy, fault_rate: float
) -> tuple[dict[str, Any], int]:
    faults = (
        ServerError(503),
        ServerError(502),
        TrelloRateLimited(),
        RateLimited(retry_after=2),
        ConnectionReset(),
        Truncated(missing=64),
    )
    with FakeTrello(
        api_key=KEY, token=TOKEN, seed=7, fault_rate=fault_rate, rate_faults=faults
    ) as fake:
        saved, fake.fault_rate = fake.fault_rate, 0.0
        populate_board(fake, 3000, seed=3)
        fake.fault_rate = saved
        reader = connector_for(fake, retry=retry)
        with Store.open(tmp / "state.db") as store:
            sync_source(store, "board", reader, now=NOW, full=True)
            cards = sorted(fake.cards)
            for ident in cards[100:140]:
                fake.update_card(ident, name="Edited", due=datetime(2024, 5, 5, tzinfo=UTC))
            for ident in cards[200:205]:
                fake.delete_card(ident)
            for ident in cards[300:305]:
                fake.update_card(ident, closed=True)
            sync_source(store, "board", reader, now=NOW)
        injected = sum(1 for r in fake.requests if r.fault is not None)
    return dump(tmp / "state.db"), injected


def test_20_percent_faults_end_in_the_fault_free_store(
    tmp_path: Path, connector_for: ConnectorFor, caplog: pytest.LogCaptureFixture
) -> None:
    calm = RetryPolicy(sleep=lambda s: None, max_attempts=12)
    (tmp_path / "clean").mkdir()
    (tmp_path / "faulty").mkdir()
    clean, none = run_syncs(tmp_path / "clean", connector_for, calm, 0.0)
    with caplog.at_level(logging.DEBUG):
        faulty, injected = run_syncs(tmp_path / "faulty", connector_for, calm, 0.2)
    assert none == 0
    assert injected > 0
    assert faulty == clean
    assert len(clean["items"]) == 3003
    assert sum(1 for row in clean["items"] if row[-1] is not None) == 5  # deleted
    retries = [r for r in caplog.records if r.name == "clientsync.retry"]
    assert len(retries) == injected
    assert TOKEN not in caplog.text
    assert KEY not in caplog.text
