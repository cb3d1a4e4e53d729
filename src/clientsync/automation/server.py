"""`serve()`: the WSGI app on the standard library's server, for trials and small hosts.

Requests are handled by a fixed pool of worker threads (Asana's handshake arrives while
its registration request is still open, so one slow request must not block the next),
and a client gets `REQUEST_TIMEOUT` seconds to send its request. It binds to loopback
unless told otherwise; put a TLS-terminating proxy in front of it for the trackers.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from clientsync.config import Config
from clientsync.ports import Clock

from .wsgi import WebhookApp, make_wsgi_app

_log = logging.getLogger("clientsync.automation.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_WORKERS = 8
REQUEST_TIMEOUT = 30.0


class _QuietHandler(WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT  # seconds a client may take to send its request

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s %s", self.address_string(), format % args)


class WebhookServer(WSGIServer):
    """wsgiref's server with a bounded pool of worker threads."""

    def __init__(
        self, address: tuple[str, int], app: WebhookApp, *, workers: int = DEFAULT_WORKERS
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _QuietHandler)
        self.set_app(app)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="clientsync-webhook")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        self._pool.submit(self._process, request, client_address)

    def _process(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log.warning("request from %s failed", client_address, exc_info=True)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=True)


def make_server(
    app: WebhookApp,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = DEFAULT_WORKERS,
) -> WebhookServer:
    """A server for `app`, bound but not yet serving (port 0 picks a free port)."""
    return WebhookServer((host, port), app, workers=workers)


def serve(
    config: Config | str | os.PathLike[str] | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = DEFAULT_WORKERS,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    on_ready: Callable[[WebhookServer], None] | None = None,
) -> None:
    """Serve the webhook app until interrupted (or `server.shutdown()` from `on_ready`'s
    caller). `on_ready` receives the bound server, e.g. to print its URL."""
    app = make_wsgi_app(config, env=env, clock=clock)
    with make_server(app, host=host, port=port, workers=workers) as server:
        if on_ready is not None:
            on_ready(server)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            _log.info("interrupted; stopping")
