"""The WSGI app on the stdlib server over loopback: routes, limits, the health check."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

from clientsync.automation import WebhookApp, make_wsgi_app

from .loopback import request, served
from .support import ENV, NOW, Calls, FakeFactory, jira_body, jira_headers, loader, write_config


class _Fixed:
    def now(self) -> object:
        return NOW


def _app(tmp_path: Path, calls: Calls) -> WebhookApp:
    return make_wsgi_app(
        write_config(tmp_path),
        env=ENV,
        clock=_Fixed(),  # type: ignore[arg-type]
        load_connector=loader(FakeFactory(calls)),
    )


def test_a_signed_delivery_over_http_is_applied_and_a_replay_ignored(tmp_path: Path) -> None:
    calls = Calls()
    body = jira_body()
    with served(_app(tmp_path, calls)) as server:
        first = request(server, "POST", "/webhooks/jira", body, jira_headers(body))
        again = request(server, "POST", "/webhooks/jira", body, jira_headers(body))
    assert first.status == 200 and json.loads(first.body)["result"] == "applied"
    assert again.status == 200 and json.loads(again.body)["result"] == "duplicate"
    assert first.headers["content-type"].startswith("application/json")
    assert len(calls.webhooks) == 1


def test_routes_health_and_methods(tmp_path: Path) -> None:
    with served(_app(tmp_path, Calls())) as server:
        health = request(server, "GET", "/healthz")
        head = request(server, "HEAD", "/webhooks/trello")
        missing = request(server, "POST", "/webhooks/unknown", b"{}")
        other = request(server, "GET", "/")
        wrong = request(server, "GET", "/webhooks/jira")
        unsigned = request(server, "POST", "/webhooks/jira", b"{}")
    assert health.status == 200 and b"jira" in health.body
    assert head.status == 200 and head.body == b""
    assert (missing.status, other.status) == (404, 404)
    assert wrong.status == 405 and wrong.headers["allow"] == "POST"
    assert unsigned.status == 401


def test_an_oversized_declared_body_is_refused_without_reading_it(tmp_path: Path) -> None:
    with served(_app(tmp_path, Calls())) as server:
        host, port = server.server_address[:2]
        with socket.create_connection((str(host), int(port)), timeout=10) as conn:
            # Declares 10 MB, sends none of it: the answer must not wait for the body.
            conn.sendall(
                b"POST /webhooks/jira HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
            )
            status_line = conn.makefile("rb").readline()
    assert status_line.startswith((b"HTTP/1.0 413", b"HTTP/1.1 413"))


def test_the_wsgi_callable_reads_at_most_the_limit(tmp_path: Path) -> None:
    app = _app(tmp_path, Calls())

    class Stream(io.BytesIO):
        asked = 0

        def read(self, size: int | None = -1) -> bytes:
            Stream.asked += size or 0
            return super().read(size)

    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> object:
        statuses.append(status)
        return lambda data: None

    endless = Stream(b"x" * 200_000)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/webhooks/jira",
        "wsgi.input": endless,
        "wsgi.input_terminated": True,
    }
    app(environ, start_response)
    assert statuses[0].startswith("413 ")
    assert Stream.asked <= 65536 + 1
    no_length = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/webhooks/jira",
        "wsgi.input": io.BytesIO(),
    }
    app(no_length, start_response)
    assert statuses[-1].startswith("411")
