"""What the handler answers a delivery: an HTTP status, a short JSON body, extra headers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus

from clientsync.publish import Outcome as PublishOutcome
from clientsync.sync import SyncSummary


@dataclass(frozen=True)
class Outcome:
    """The handler's answer to one request.

    `result` is one word a tracker's delivery log (and a test) can read: applied, unchanged,
    duplicate, in-progress, handshake, ok, rejected, unsupported or error. `headers` may
    carry a secret (Asana's handshake echoes one), so it is left out of the repr.
    """

    status: int
    result: str
    detail: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    summary: SyncSummary | None = field(default=None, repr=False)
    published: tuple[PublishOutcome, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def reason(self) -> str:
        """The status line's phrase, e.g. "Payload Too Large" for 413."""
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"

    def body(self) -> bytes:
        """The JSON body: the result and the detail, never a secret or the payload."""
        data = {"result": self.result, "detail": self.detail}
        return json.dumps(data, ensure_ascii=False).encode() + b"\n"

    def response_headers(self, body_length: int) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(body_length)),
            ("Cache-Control", "no-store"),
            *self.headers,
        ]


def reject(status: int, detail: str, *headers: tuple[str, str]) -> Outcome:
    """A request refused before anything was parsed or applied."""
    return Outcome(status, "rejected", detail, headers=headers)
