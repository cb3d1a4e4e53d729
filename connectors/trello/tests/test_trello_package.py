"""Packaging and plumbing: entry point, lazy SDK import, scrubbing, error classification."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from clientsync_trello import TrelloConnector
from clientsync_trello.http import TrelloHttpService, scrub
from clientsync_trello.testing import FakeTrello, TrelloFailure
from trello_support import TOKEN, ConnectorFor

from clientsync import registry
from clientsync.errors import FatalTrackerError, TransientTrackerError


def test_entry_point_resolves_the_connector() -> None:
    assert registry.load("trello") is TrelloConnector


def test_importing_the_connector_does_not_import_py_trello() -> None:
    code = "import sys, clientsync_trello; print('trello' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_scrub_masks_credentials_in_urls_and_known_values() -> None:
    text = f"GET http://h/1/boards/x?key=abc&token={TOKEN}&limit=5 failed ({TOKEN})"
    cleaned = scrub(text, [TOKEN])
    assert TOKEN not in cleaned
    assert "key=***" in cleaned
    assert "limit=5" in cleaned


def test_a_refused_connection_is_transient_and_scrubbed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    service = TrelloHttpService(base_url=f"http://127.0.0.1:{port}/1/", timeout=1, secrets=[TOKEN])
    with pytest.raises(TransientTrackerError) as raised:
        service.request(
            "GET", "https://api.trello.com/1/boards/x", params={"key": "k", "token": TOKEN}
        )
    assert TOKEN not in str(raised.value)
    assert raised.value.__cause__ is None
    assert "/1/boards/x" in str(raised.value)


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (404, "The requested resource was not found.", FatalTrackerError, "board_id"),
        (403, "unauthorized permission requested", FatalTrackerError, "may not see"),
        (400, "invalid id", FatalTrackerError, "invalid id"),
        (502, "Bad Gateway", TransientTrackerError, "502"),
    ],
)
def test_statuses_are_classified(
    status: int,
    body: str,
    kind: type[Exception],
    words: str,
    fake: FakeTrello,
    connector_for: ConnectorFor,
) -> None:
    fake.fail_next(TrelloFailure(status, body), times=20)
    with pytest.raises(kind, match=words) as raised:
        connector_for(fake).read()
    assert TOKEN not in str(raised.value)


def test_the_fake_serves_py_trellos_object_api(fake: FakeTrello) -> None:
    from clientsync_trello.testing import populate_board
    from trello import TrelloClient

    populate_board(fake, 12, milestones=1)
    service = TrelloHttpService(base_url=fake.url + "/1/", timeout=5)
    client = TrelloClient(api_key=fake.api_key, api_secret=fake.token, http_service=service)
    board = client.get_board(fake.board_id)
    cards = board.all_cards()  # GET /boards/{id}/cards/ (trailing slash)
    assert len(cards) == 13
    with_checklists = [c for c in cards if c.countCheckLists]
    assert with_checklists
    assert with_checklists[0].checklists[0].name == "Steps"


def test_the_fake_batch_takes_at_most_ten_urls(fake: FakeTrello) -> None:
    import requests

    urls = ",".join([f"/boards/{fake.board_id}/lists"] * 11)
    params = {"urls": urls, "key": fake.api_key, "token": fake.token}
    reply = requests.get(fake.url + "/1/batch", params=params, timeout=5)
    assert reply.status_code == 400
    reply = requests.get(fake.url + "/1/batch", params={**params, "urls": urls[:-1]}, timeout=5)
    assert reply.status_code == 400  # still 11 (the last one shortened)
    ten = ",".join([f"/boards/{fake.board_id}/lists", "/cards/" + "0" * 24] * 5)
    answers = requests.get(fake.url + "/1/batch", params={**params, "urls": ten}, timeout=5)
    assert [next(iter(a)) if "200" in a else a["statusCode"] for a in answers.json()] == [
        "200",
        404,
    ] * 5


def test_the_fake_rejects_missing_credentials(fake: FakeTrello) -> None:
    import requests

    reply = requests.get(f"{fake.url}/1/boards/{fake.board_id}", timeout=5)
    assert reply.status_code == 401
    assert reply.text == "invalid token"
    assert "x-rate-limit-api-token-remaining" in reply.headers
