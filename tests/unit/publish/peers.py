"""Real local peers on loopback: an SMTP server (aiosmtpd) and an HTTP webhook receiver."""

from __future__ import annotations

import ssl
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from aiosmtpd import smtp as aiosmtp
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


class _LoopbackController(Controller):
    """aiosmtpd's Controller on an ephemeral port (it would otherwise probe port 0)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class Mailbox:
    """What the SMTP peer received: raw bytes (headers included) and envelopes."""

    raw: list[bytes] = field(default_factory=list)
    rcpt: list[list[str]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    encrypted_logins: list[bool] = field(default_factory=list)
    """For each AUTH attempt, whether the connection was encrypted when it came."""
    encrypted_data: list[bool] = field(default_factory=list)
    refuse: int = 0
    """Answer the next `refuse` messages with 451 (a temporary failure)."""

    async def handle_DATA(self, server: aiosmtp.SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.raw.append(cast(bytes, envelope.original_content or envelope.content))
        self.rcpt.append(list(envelope.rcpt_tos))
        self.encrypted_data.append(encrypted(server))
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [
            cast(EmailMessage, message_from_bytes(raw, policy=policy.default)) for raw in self.raw
        ]


def encrypted(server: aiosmtp.SMTP) -> bool:
    """Whether the peer's connection is TLS now (after STARTTLS, or from the start)."""
    transport = server.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


@contextmanager
def smtp_peer(
    *,
    login: tuple[str, str] | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
) -> Iterator[tuple[int, Mailbox]]:
    """An SMTP server on loopback: plain, offering (and requiring) STARTTLS with the
    `starttls` server context, or speaking TLS from the first byte with `implicit_tls`."""
    box = Mailbox()
    kwargs: dict[str, Any] = {}
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    if login is not None:

        def authenticate(
            server: aiosmtp.SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            box.encrypted_logins.append(encrypted(server))
            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == login
            )
            if ok:
                box.logins.append(login)
            return AuthResult(success=ok)

        kwargs["authenticator"] = authenticate
        # Plain peers allow AUTH without TLS (loopback only). With STARTTLS aiosmtpd itself
        # refuses AUTH before the upgrade; with implicit TLS it cannot tell the connection
        # is encrypted, so `encrypted_logins` records what each AUTH came over.
        kwargs["auth_require_tls"] = starttls is not None
    controller = _LoopbackController(
        box, hostname="127.0.0.1", port=0, ssl_context=implicit_tls, **kwargs
    )
    controller.start()
    try:
        yield controller.port, box
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Hook:
    url: str
    received: list[Received]
    script: deque[tuple[int, dict[str, str]]]
    """Replies to give before answering 200: (status, headers)."""


@contextmanager
def webhook_peer() -> Iterator[Hook]:
    received: list[Received] = []
    script: deque[tuple[int, dict[str, str]]] = deque()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            received.append(Received(self.path, dict(self.headers.items()), body))
            status, headers = script.popleft() if script else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield Hook(f"http://127.0.0.1:{port}/hooks/T0KEN-PATH", received, script)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
