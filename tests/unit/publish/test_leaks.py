"""No canary from internal items, internal labels, assignees or `extra` fields (raw
comments included) reaches a client or executive through any format or channel: files,
email (headers included), webhook requests (headers included), tracker posts, escalations
and the plan preview; nor through the record of a sign-off on a notice that held an
internal item.

No connector reads comments into the domain model (see `leaky.py`): the raw `extra`
fields are where a connector could keep one, so that is where the canary sits."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientsync.domain.model import Project
from clientsync.publish import FORMATS, available, plan_audiences
from clientsync.services import accept_change_notice
from clientsync.testing import FakeTracker

from .peers import smtp_peer, webhook_peer
from .workspace import CANARY, Workspace, walk

RENDERABLE = [f for f in FORMATS if available(f)]

AUDIENCES = """
[[audiences]]
name = "{level}-file-{fmt}"
level = "{level}"
cadence = "weekly"
channel = {{ type = "file", path = "out/{{audience}}.{fmt}" , format = "{fmt}" }}
"""

CHANNELS = """
[[audiences]]
name = "{level}-email"
level = "{level}"
contacts = ["client@client.example"]
cadence = "weekly"
channel = {{ type = "email", host = "127.0.0.1", port = {port}, security = "none", \
from = "pm@agency.example" }}
escalation = {{ reports = 1, to = ["director@client.example"] }}

[[audiences]]
name = "{level}-webhook"
level = "{level}"
cadence = "weekly"
channel = {{ type = "webhook", url_env = "HOOK_URL", secret_env = "HOOK_SECRET" }}
escalation = {{ reports = 1, to = ["director@client.example"] }}

[[audiences]]
name = "{level}-tracker"
level = "{level}"
cadence = "weekly"
channel = {{ type = "tracker", target = "PORTAL-1" }}
escalation = {{ reports = 1, to = ["director@client.example"] }}
"""


def everything_sent(
    tmp_path: Path, level: str, *, accepted: bool = False
) -> tuple[list[bytes], Workspace]:
    tracker = FakeTracker(Project(id="portal", name="Portal"))
    outputs: list[bytes] = []
    with smtp_peer() as (port, box), webhook_peer() as hook:
        audiences = "".join(AUDIENCES.format(level=level, fmt=fmt) for fmt in RENDERABLE)
        audiences += CHANNELS.format(level=level, port=port)
        ws = Workspace(tmp_path, audiences)
        if accepted:
            # The notice on m1 holds an internal item: its record must not name it.
            accept_change_notice(
                ws.config, ws.store, notice_id="m1", agreed_by="Jordan", now=ws.clock.now()
            )
        env = {"HOOK_URL": hook.url, "HOOK_SECRET": "hmac-secret"}
        result = ws.publish(env=env, writer_for=lambda source: tracker)
        statuses = {status for _, status in ws.statuses(result)}
        assert statuses == {"sent"}, result.outcomes
        plans = plan_audiences(ws.config, ws.store, now=ws.clock.now())
    outputs += box.raw
    outputs += [repr(r.headers).encode() + b"\n" + r.body for r in hook.received]
    outputs += [f"{target}\n{body}\n{key}".encode() for target, body, key, _ in tracker.posted]
    outputs += [path.read_bytes() for path in walk(tmp_path / "out")]
    outputs += ["\n".join(line for p in plans for line in p.lines()).encode()]
    outputs += [o.line().encode() for o in result.outcomes]
    assert len(box.raw) == 2 and len(hook.received) == 2 and len(tracker.posted) == 2
    assert len(list(walk(tmp_path / "out"))) == len(RENDERABLE)
    return outputs, ws


@pytest.mark.parametrize("level", ["client", "executive"])
def test_no_canary_reaches_a_client_or_executive(tmp_path: Path, level: str) -> None:
    outputs, ws = everything_sent(tmp_path, level)
    try:
        for output in outputs:
            assert CANARY.lower().encode() not in output.lower(), output[:2000]
    finally:
        ws.close()


@pytest.mark.parametrize("level", ["client", "executive"])
def test_the_record_of_a_sign_off_leaks_nothing(tmp_path: Path, level: str) -> None:
    outputs, ws = everything_sent(tmp_path, level, accepted=True)
    try:
        sent = b"\n".join(outputs)
        assert b"Changes you have agreed" in sent  # the record is really in what was sent
        assert CANARY.lower().encode() not in sent.lower()
    finally:
        ws.close()


def test_the_canaries_are_real_an_internal_audience_sees_them(tmp_path: Path) -> None:
    outputs, ws = everything_sent(tmp_path, "internal")
    try:
        leaked = b"\n".join(outputs)
        for canary in ("internal-item", "labelled-item", "child-of-internal", "new-internal"):
            assert f"{CANARY}-{canary}".encode() in leaked
    finally:
        ws.close()
