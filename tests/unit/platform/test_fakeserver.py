from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.error import HTTPError, URLError

import pytest

from clientsync.retry import parse_retry_after
from clientsync.testing import (
    ConnectionReset,
    FakeRequest,
    FakeServer,
    RateLimited,
    ReplyLike,
    ServerError,
    Slow,
    Truncated,
    route,
)

# Never route loopback requests through a proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ItemsServer(FakeServer):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.items: dict[str, dict[str, Any]] = {"1": {"id": "1", "title": "First"}}

    @route("GET", "/api/items")
    def list_items(self, request: FakeRequest) -> ReplyLike:
        limit = int(request.arg("limit", "100") or 100)
        return 200, {}, {"items": list(self.items.values())[:limit]}

    @route("GET", "/api/items/search")
    def search(self, request: FakeRequest) -> ReplyLike:
        return 200, {}, {"search": request.arg("q")}

    @route("GET", "/api/items/{item_id}")
    def get_item(self, request: FakeRequest) -> ReplyLike:
        found = self.items.get(request.params["item_id"])
        return (200, {}, found) if found else (404, {}, {"error": "not found"})

    @route("POST", "/api/items")
    def create_item(self, request: FakeRequest) -> ReplyLike:
        body = request.json()
        new_id = str(len(self.items) + 1)
        self.items[new_id] = {"id": new_id, **body}
        return 201, {"Location": f"/api/items/{new_id}"}, self.items[new_id]

    @route("GET", "/api/text")
    def text(self, request: FakeRequest) -> ReplyLike:
        return 200, {}, "plain words"

    @route("GET", "/api/broken")
    def broken(self, request: FakeRequest) -> ReplyLike:
        raise RuntimeError("handler bug")


@pytest.fixture
def server() -> Iterator[ItemsServer]:
    with ItemsServer() as running:
        yield running


def fetch(
    url: str, *, data: Any = None, method: str | None = None, timeout: float = 5
) -> tuple[int, dict[str, str], bytes]:
    payload = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=payload, method=method)
    if payload is not None:
        request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Bearer test-token")
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


# -- routing -----------------------------------------------------------------------------


def test_routes_serve_json_with_path_params_and_query(server: ItemsServer) -> None:
    status, headers, body = fetch(server.url_for("/api/items/1"))
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"id": "1", "title": "First"}

    fetch(server.url_for("/api/items"), data={"title": "Second"}, method="POST")
    status, _, body = fetch(server.url_for("/api/items?limit=1"))
    assert json.loads(body) == {"items": [{"id": "1", "title": "First"}]}
    status, _, body = fetch(server.url_for("/api/text"))
    assert body == b"plain words"


def test_routes_match_in_definition_order(server: ItemsServer) -> None:
    _, _, body = fetch(server.url_for("/api/items/search?q=late"))
    assert json.loads(body) == {"search": "late"}


class MoreItemsServer(ItemsServer):
    @route("GET", "/api/items/{item_id}")
    def get_item(self, request: FakeRequest) -> ReplyLike:
        return 200, {}, {"overridden": request.params["item_id"]}


def test_a_subclass_overrides_a_route_by_method_name() -> None:
    with MoreItemsServer() as server:
        assert json.loads(fetch(server.url_for("/api/items/1"))[2]) == {"overridden": "1"}
        assert json.loads(fetch(server.url_for("/api/items/search"))[2]) == {"search": None}


def test_post_is_routed_and_recorded(server: ItemsServer) -> None:
    status, headers, body = fetch(server.url_for("/api/items"), data={"title": "New"})
    assert status == 201
    assert headers["Location"] == "/api/items/2"
    assert json.loads(body) == {"id": "2", "title": "New"}
    recorded = server.requests[-1]
    assert recorded.method == "POST"
    assert recorded.path == "/api/items"
    assert json.loads(recorded.body) == {"title": "New"}
    assert recorded.headers["authorization"] == "Bearer test-token"
    assert recorded.fault is None


def test_unknown_path_is_404_and_wrong_method_is_405(server: ItemsServer) -> None:
    assert fetch(server.url_for("/nowhere"))[0] == 404
    status, headers, _ = fetch(server.url_for("/api/items/1"), method="DELETE")
    assert status == 405
    assert headers["Allow"] == "GET"


def test_handler_exception_is_a_500_and_kept_for_the_test(server: ItemsServer) -> None:
    status, _, body = fetch(server.url_for("/api/broken"))
    assert status == 500
    assert "handler bug" in json.loads(body)["error"]
    assert [str(e) for e in server.errors] == ["handler bug"]


def test_requests_are_counted_by_path_prefix_and_method(server: ItemsServer) -> None:
    fetch(server.url_for("/api/items"))
    fetch(server.url_for("/api/items/1"))
    fetch(server.url_for("/api/items"), data={"title": "x"})
    fetch(server.url_for("/api/text"))
    assert server.count() == 4
    assert server.count("/api/items") == 3
    assert server.count("/api/items", method="post") == 1
    assert server.count("/api/text") == 1


# -- faults ------------------------------------------------------------------------------


def test_rate_limited_with_retry_after_seconds(server: ItemsServer) -> None:
    server.fail_next(RateLimited(retry_after=7))
    status, headers, _ = fetch(server.url_for("/api/items"))
    assert status == 429
    assert headers["Retry-After"] == "7"
    assert fetch(server.url_for("/api/items"))[0] == 200
    assert [type(r.fault) for r in server.requests] == [RateLimited, type(None)]


def test_rate_limited_with_retry_after_http_date(server: ItemsServer) -> None:
    when = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    server.fail_next(RateLimited(retry_after=when))
    status, headers, _ = fetch(server.url_for("/api/items"))
    assert status == 429
    assert headers["Retry-After"] == "Sat, 28 Nov 2026 14:00:00 GMT"
    assert parse_retry_after(headers["Retry-After"], now=datetime(2026, 11, 28, 13, 0, tzinfo=UTC))
    assert parse_retry_after(
        headers["Retry-After"], now=datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
    ) == pytest.approx(3600)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(server: ItemsServer, status: int) -> None:
    server.fail_next(ServerError(status), times=2)
    assert fetch(server.url_for("/api/items"))[0] == status
    assert fetch(server.url_for("/api/items"))[0] == status
    assert fetch(server.url_for("/api/items"))[0] == 200


def test_script_mixes_faults_and_normal_responses(server: ItemsServer) -> None:
    server.script(None, ServerError(502), None)
    statuses = [fetch(server.url_for("/api/items"))[0] for _ in range(4)]
    assert statuses == [200, 502, 200, 200]


def test_connection_reset_closes_without_a_response(server: ItemsServer) -> None:
    server.fail_next(ConnectionReset())
    with pytest.raises((ConnectionResetError, URLError)) as raised:
        fetch(server.url_for("/api/items"))
    error = raised.value
    reason = error.reason if isinstance(error, URLError) else error
    assert isinstance(reason, ConnectionResetError | http.client.RemoteDisconnected)
    assert fetch(server.url_for("/api/items"))[0] == 200
    assert server.count("/api/items") == 2


def test_slow_response_times_out_a_client_with_a_tiny_timeout() -> None:
    with ItemsServer() as server:
        server.fail_next(Slow(seconds=30))
        with pytest.raises((TimeoutError, URLError)) as raised:
            fetch(server.url_for("/api/items"), timeout=0.05)
        error = raised.value
        assert isinstance(error.reason if isinstance(error, URLError) else error, TimeoutError)
    # Leaving the block released the waiting request thread and joined it.
    assert not server.running
    assert not [t for t in threading.enumerate() if t.name.startswith("ItemsServer:")]


def test_slow_response_with_a_short_delay_still_arrives(server: ItemsServer) -> None:
    server.fail_next(Slow(seconds=0.01))
    status, _, body = fetch(server.url_for("/api/items/1"))
    assert status == 200
    assert json.loads(body)["title"] == "First"


def test_truncated_body_claims_more_than_it_sends(server: ItemsServer) -> None:
    server.fail_next(Truncated(missing=10))
    request = urllib.request.Request(server.url_for("/api/items/1"))
    with OPENER.open(request, timeout=5) as response:
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead) as raised:
            response.read()
    assert raised.value.expected == 10


def test_rate_faults_are_seeded() -> None:
    def statuses(seed: int) -> list[int]:
        with ItemsServer(seed=seed, fault_rate=0.4, rate_faults=(ServerError(503),)) as server:
            return [fetch(server.url_for("/api/items"))[0] for _ in range(15)]

    first = statuses(11)
    assert first == statuses(11)
    assert set(first) == {200, 503}


def test_rate_faults_only_hit_the_given_path_prefix() -> None:
    with ItemsServer(fault_rate=1.0, path_prefix="/api/items") as server:
        assert fetch(server.url_for("/api/items"))[0] == 503
        assert fetch(server.url_for("/api/text"))[0] == 200


def test_add_route_registers_a_plain_function() -> None:
    with FakeServer() as server:
        server.add_route("GET", r"/v1/(?P<name>\w+)", lambda r: (200, {}, {"hi": r.params["name"]}))
        status, _, body = fetch(server.url_for("/v1/ada"))
    assert (status, json.loads(body)) == (200, {"hi": "ada"})


# -- lifecycle ---------------------------------------------------------------------------


def test_stop_joins_the_thread_and_closes_the_port() -> None:
    server = ItemsServer().start()
    port = server.port
    assert server.running
    assert fetch(server.url_for("/api/items"))[0] == 200
    server.stop()
    assert not server.running
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass
    server.stop()  # stopping twice is harmless
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url


def test_server_can_restart_on_a_new_port() -> None:
    server = ItemsServer()
    with server:
        assert fetch(server.url_for("/api/items"))[0] == 200
    with server:
        assert fetch(server.url_for("/api/items"))[0] == 200
    assert server.count("/api/items") == 2
