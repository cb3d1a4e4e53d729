"""Webhooks, the Trello side: registering the board's webhook, once, through the fake."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from clientsync_trello.testing import FakeTrello, TrelloRateLimited
from trello_support import KEY, TOKEN, ConnectorFor

from clientsync.errors import ConfigError, FatalTrackerError, TransientTrackerError
from clientsync.retry import RetryPolicy
from clientsync.testing import FakeRequest, FakeServer, ReplyLike, Slow, Truncated, route


class Receiver(FakeServer):
    """The callback Trello HEAD-checks: answers 200 on /hooks/trello, 404 elsewhere."""

    @route("GET", r"/hooks/trello")
    def hook(self, request: FakeRequest) -> ReplyLike:
        return 200, {}, b""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


# -- registering -----------------------------------------------------------------------


def test_register_creates_once_then_reuses(
    fake: FakeTrello, connector_for: ConnectorFor, receiver: Receiver
) -> None:
    url = receiver.url_for("/hooks/trello?conn=42")
    first = connector_for(fake).register_webhook(url, secret="ignored")
    assert first.created
    assert first.webhook_id is not None
    (hook,) = fake.webhooks.values()
    assert (hook["idModel"], hook["callbackURL"]) == (fake.board_id, url)
    assert receiver.count("/hooks/trello", "HEAD") == 1  # Trello's check, done by the fake
    again = connector_for(fake).register_webhook(url)
    assert not again.created and again.webhook_id == first.webhook_id
    assert "reused" in again.instructions
    assert fake.count("/1/webhooks", "POST") == 1
    assert len(fake.webhooks) == 1
    other = connector_for(fake).register_webhook(receiver.url_for("/hooks/trello?conn=43"))
    assert other.webhook_id != first.webhook_id
    assert len(fake.webhooks) == 2


def test_a_failed_head_check_says_what_to_do(
    fake: FakeTrello, connector_for: ConnectorFor, receiver: Receiver
) -> None:
    url = receiver.url_for("/wrong/path")  # answers 404
    registration = connector_for(fake).register_webhook(url)
    assert not registration.created
    assert registration.webhook_id is None
    assert f"HEAD {url}" in registration.instructions
    assert "got 404" in registration.instructions
    assert "clientsync webhook register" in registration.instructions
    assert fake.webhooks == {}
    assert TOKEN not in registration.instructions


def test_an_unreachable_public_url_is_refused_too(connector_for: ConnectorFor) -> None:
    with FakeTrello(api_key=KEY, token=TOKEN, callback_head_status=502) as fake:
        registration = connector_for(fake).register_webhook("https://hooks.example.com/t")
        assert not registration.created
        assert "got 502" in registration.instructions


def test_a_rate_limit_during_register_is_retried(
    fake: FakeTrello, connector_for: ConnectorFor, receiver: Receiver, sleeps: list[float]
) -> None:
    fake.script(None, TrelloRateLimited())  # the list passes, the POST is refused
    registration = connector_for(fake).register_webhook(receiver.url_for("/hooks/trello"))
    assert registration.created
    assert sleeps == [10.0]  # Trello's window, slept through the injected sleep
    assert fake.count("/1/webhooks", "POST") == 2
    assert len(fake.webhooks) == 1


def test_a_lost_answer_to_the_post_creates_no_second_webhook(
    fake: FakeTrello, connector_for: ConnectorFor, receiver: Receiver
) -> None:
    fake.script(None, Truncated(missing=20))  # the POST lands, its answer does not
    registration = connector_for(fake).register_webhook(receiver.url_for("/hooks/trello"))
    # The retry finds the webhook the lost POST made, and reuses it.
    assert registration.webhook_id is not None
    assert len(fake.webhooks) == 1
    assert registration.webhook_id in fake.webhooks
    assert fake.count("/1/webhooks", "POST") == 1


def test_a_board_named_by_short_link_is_registered_by_its_id(
    fake: FakeTrello, connector_for: ConnectorFor, receiver: Receiver
) -> None:
    reader = connector_for(fake)
    reader.board_id = fake.board["shortLink"]
    reader.register_webhook(receiver.url_for("/hooks/trello"))
    (hook,) = fake.webhooks.values()
    assert hook["idModel"] == fake.board_id


def test_a_disabled_webhook_is_reactivated(
    fake: FakeTrello, connector_for: ConnectorFor, receiver: Receiver
) -> None:
    url = receiver.url_for("/hooks/trello")
    ident = fake.add_webhook(url, active=False)
    registration = connector_for(fake).register_webhook(url)
    assert registration.webhook_id == ident
    assert fake.webhooks[ident]["active"] is True
    assert "active again" in registration.instructions
    assert fake.count("/1/webhooks", "POST") == 0


def test_register_errors_never_carry_the_token(
    fake: FakeTrello, connector_for: ConnectorFor, caplog: pytest.LogCaptureFixture
) -> None:
    once = RetryPolicy(sleep=lambda s: None, max_attempts=1)
    fake.fail_next(Slow(seconds=3))  # listing the token's webhooks times out
    with pytest.raises(TransientTrackerError) as slow:
        connector_for(fake, retry=once, timeout=0.2).register_webhook("https://h.example/t")
    assert "/tokens/***/webhooks" in str(slow.value)
    with caplog.at_level(logging.INFO):
        reader = connector_for(fake)
        reader.board_id = "0" * 24  # a board the token cannot see
        with pytest.raises(FatalTrackerError, match="idModel") as refused:
            reader.register_webhook("https://h.example/t")
    for text in (str(slow.value), str(refused.value), caplog.text, repr(reader)):
        assert TOKEN not in text
        assert KEY not in text


def test_register_wants_an_absolute_http_url(fake: FakeTrello, connector_for: ConnectorFor) -> None:
    with pytest.raises(ConfigError, match="http"):
        connector_for(fake).register_webhook("hooks/trello")
    assert fake.count() == 0


# -- the fake's webhooks ---------------------------------------------------------------


def test_the_fake_validates_webhooks_as_trello_does(fake: FakeTrello, receiver: Receiver) -> None:
    auth = {"key": KEY, "token": TOKEN}
    url = receiver.url_for("/hooks/trello")
    good = {"callbackURL": url, "idModel": fake.board_id, "description": "d"}

    def post(body: dict[str, Any]) -> requests.Response:
        return requests.post(fake.url + "/1/webhooks", params=auth, json=body, timeout=5)

    assert post({**good, "callbackURL": "not a url"}).text == "invalid value for callbackURL"
    assert post({**good, "idModel": "0" * 24}).text == "invalid value for idModel"
    assert post({**good, "description": "x" * 16385}).status_code == 400
    created = post(good)
    assert created.status_code == 200
    assert created.json()["active"] is True
    duplicate = post(good)
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.text
    listed = requests.get(f"{fake.url}/1/tokens/{TOKEN}/webhooks", params=auth, timeout=5)
    assert [h["id"] for h in listed.json()] == [created.json()["id"]]
    foreign = requests.get(f"{fake.url}/1/tokens/someone-else/webhooks", params=auth, timeout=5)
    assert foreign.status_code == 401
    form = requests.post(  # py-trello's create_hook sends a form to the token's route
        f"{fake.url}/1/tokens/{TOKEN}/webhooks",
        params=auth,
        data={"callbackURL": url + "?b", "idModel": fake.board_id},
        timeout=5,
    )
    assert form.status_code == 200
    hook = form.json()["id"]
    gone = requests.delete(f"{fake.url}/1/webhooks/{hook}", params=auth, timeout=5)
    assert gone.status_code == 200
    assert hook not in fake.webhooks
