"""A loopback HTTP fake-server base, for testing connectors through their real SDK.

A connector's fake tracker subclasses `FakeServer` and registers routes; the SDK is
pointed at `server.url`. The server records every request and injects the failures a
real tracker produces (429 with Retry-After, 5xx, resets, slow and truncated responses),
by script or at a seeded rate::

    class FakeJira(FakeServer):
        @route("GET", "/rest/api/3/issue/{key}")
        def issue(self, request: FakeRequest) -> ReplyLike:
            return 200, {}, {"key": request.params["key"]}

    with FakeJira() as server:
        server.fail_next(RateLimited(retry_after=7))
        ...  # the connector under test, pointed at server.url

Slowness waits on an event that `stop()` sets, so a test with a 0.05 s client timeout
never leaves a thread sleeping behind it.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "ConnectionReset",
    "FakeRequest",
    "FakeServer",
    "Fault",
    "RateLimited",
    "RecordedRequest",
    "Reply",
    "ReplyLike",
    "ServerError",
    "Slow",
    "Truncated",
    "route",
]


@dataclass(frozen=True)
class Reply:
    """A response: `body` bytes are sent as is, str as text, anything else as JSON."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = b""


ReplyLike = Reply | tuple[int, Mapping[str, str], Any]
"""What a route handler returns: a `Reply`, or `(status, headers, body)`."""


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    params: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else default


class Fault:
    """A failure the server injects in place of (or around) the routed response."""


@dataclass(frozen=True)
class RateLimited(Fault):
    """429 with `Retry-After`: seconds, or an HTTP date when given a datetime."""

    retry_after: float | datetime = 1

    def header(self) -> str:
        if isinstance(self.retry_after, datetime):
            return format_datetime(self.retry_after, usegmt=True)
        seconds = self.retry_after
        return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


@dataclass(frozen=True)
class ServerError(Fault):
    status: int = 503


@dataclass(frozen=True)
class ConnectionReset(Fault):
    """Close the socket (with a TCP reset) without sending any response."""


@dataclass(frozen=True)
class Slow(Fault):
    """Wait up to `seconds` before serving normally; `stop()` cuts the wait short."""

    seconds: float = 5.0


@dataclass(frozen=True)
class Truncated(Fault):
    """Serve the routed response claiming `missing` more bytes than sent, then close."""

    missing: int = 16


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    fault: Fault | None


Handler = Callable[[FakeRequest], ReplyLike]
H = TypeVar("H", bound=Callable[..., Any])

_ROUTE_ATTRIBUTE = "_fake_server_route"


def route(method: str, pattern: str) -> Callable[[H], H]:
    """Register a `FakeServer` subclass method for `method` and a path pattern.

    The pattern is a regular expression matched against the whole path (query excluded);
    `{name}` stands for one path segment and lands in `request.params["name"]`.
    """

    def register(handler: H) -> H:
        setattr(handler, _ROUTE_ATTRIBUTE, (method.upper(), pattern))
        return handler

    return register


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{([A-Za-z_]\w*)\}", r"(?P<\1>[^/]+)", pattern))


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 (a free port), used as a context manager.

    Faults come first from the script (`fail_next`; `None` entries serve normally), then,
    with probability `fault_rate`, one of `rate_faults` picked by a `random.Random(seed)`.
    `path_prefix` limits rate faults to matching paths. Routes are tried in the order they
    were defined (base class first, then `add_route` calls); the first match answers.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        fault_rate: float = 0.0,
        rate_faults: Sequence[Fault] = (ServerError(503),),
        path_prefix: str = "",
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError("FakeServer.fault_rate is a probability between 0 and 1")
        self.fault_rate = fault_rate
        self.rate_faults = tuple(rate_faults)
        self.path_prefix = path_prefix
        self.errors: list[BaseException] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._script: deque[Fault | None] = deque()
        self._log: list[RecordedRequest] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Definition order, base classes first: the first matching route wins.
        specs: dict[str, tuple[str, str]] = {}
        for klass in reversed(type(self).__mro__):
            for name, value in vars(klass).items():
                if (spec := getattr(value, _ROUTE_ATTRIBUTE, None)) is not None:
                    specs[name] = spec
        for name, (method, pattern) in specs.items():
            self.add_route(method, pattern, getattr(self, name))

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FakeServer is already running")
        self._release.clear()
        self._server = _Server(("127.0.0.1", 0), _RequestHandler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release slow requests, stop serving, close the port and join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._release.set()
        server.shutdown()
        server.server_close()  # joins the request threads (block_on_close)
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeServer is not running; use it as a context manager")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, path: str) -> str:
        return self.url + (path if path.startswith("/") else "/" + path)

    # -- configuration -----------------------------------------------------------------

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), _compile(pattern), handler))

    def fail_next(self, fault: Fault, times: int = 1) -> None:
        self.script(*([fault] * times))

    def script(self, *entries: Fault | None) -> None:
        """Queue what the next requests get: a fault, or `None` to serve normally."""
        with self._lock:
            self._script.extend(entries)

    # -- inspection --------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, path_prefix: str = "", method: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if r.path.startswith(path_prefix) and (method is None or r.method == method.upper())
        )

    # -- serving (called from request threads) -----------------------------------------

    def _admit(self, request: FakeRequest) -> Fault | None:
        """Pick the fault for this request and log it, atomically."""
        with self._lock:
            fault = self._script.popleft() if self._script else None
            if (
                fault is None
                and self.fault_rate
                and self.rate_faults
                and request.path.startswith(self.path_prefix)
                and self._rng.random() < self.fault_rate
            ):
                fault = self._rng.choice(self.rate_faults)
            r = request
            self._log.append(RecordedRequest(r.method, r.path, r.query, r.headers, r.body, fault))
            return fault

    def _dispatch(self, request: FakeRequest) -> Reply:
        allowed: set[str] = set()
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method != request.method and not (method == "GET" and request.method == "HEAD"):
                allowed.add(method)
                continue
            routed = replace(request, params=match.groupdict())
            try:
                return _as_reply(handler(routed))
            except Exception as error:
                with self._lock:
                    self.errors.append(error)
                return Reply(500, {}, {"error": f"fake server handler failed: {error!r}"})
        if allowed:
            return Reply(405, {"Allow": ", ".join(sorted(allowed))}, {"error": "method"})
        return Reply(404, {}, {"error": f"no route for {request.method} {request.path}"})


def _as_reply(value: ReplyLike) -> Reply:
    if isinstance(value, Reply):
        return value
    status, headers, body = value
    return Reply(status, headers, body)


def _encode(reply: Reply) -> tuple[dict[str, str], bytes]:
    headers = dict(reply.headers)
    if isinstance(reply.body, bytes):
        body, content_type = reply.body, "application/octet-stream"
    elif isinstance(reply.body, str):
        body, content_type = reply.body.encode(), "text/plain; charset=utf-8"
    else:
        body, content_type = json.dumps(reply.body).encode(), "application/json"
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = content_type
    return headers, body


class _Server(ThreadingHTTPServer):
    # Request threads are joined on close, so a stopped server leaves nothing running.
    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake: FakeServer,
    ) -> None:
        self.fake = fake
        super().__init__(address, handler)


class _RequestHandler(BaseHTTPRequestHandler):
    # One request per connection keeps shutdown prompt: no idle keep-alive threads.
    protocol_version = "HTTP/1.0"
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake records requests in `FakeServer.requests` instead."""

    def _handle(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = FakeRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        fault = fake._admit(request)
        # The client may have given up (a timeout test): there is nothing left to tell it.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            self._respond(fake, request, fault)

    def _respond(self, fake: FakeServer, request: FakeRequest, fault: Fault | None) -> None:
        if isinstance(fault, ConnectionReset):
            # SO_LINGER 0: close sends RST, as a dropped load-balancer connection does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if isinstance(fault, RateLimited):
            reply = Reply(429, {"Retry-After": fault.header()}, {"error": "rate limited"})
        elif isinstance(fault, ServerError):
            reply = Reply(fault.status, {}, {"error": f"fake {fault.status}"})
        else:
            if isinstance(fault, Slow):
                fake._release.wait(fault.seconds)
            reply = fake._dispatch(request)
        headers, body = _encode(reply)
        claimed = len(body) + (fault.missing if isinstance(fault, Truncated) else 0)
        self.send_response(reply.status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(claimed))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True
