"""Each channel against a real peer on loopback (or the tracker fake)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date
from pathlib import Path

import pytest

from clientsync.config.audience import AudienceConfig
from clientsync.domain.model import Project
from clientsync.errors import ClientsyncError, ConfigError, FatalTrackerError, TransientTrackerError
from clientsync.ports import TrackerWriter
from clientsync.publish import ChannelContext, DeliveryError, Message, build_channel
from clientsync.publish.channels import SIGNATURE_HEADER, FileChannel, SmtpChannel
from clientsync.retry import RetryPolicy
from clientsync.testing import FakeTracker

from .peers import smtp_peer, webhook_peer

MESSAGE = Message(
    audience="sponsor",
    project="Portal",
    subject="Portal: status 2026-11-23 (red)",
    body="# Portal\n\nAll is well, mostly. Ünïcode ✓\n",
    day=date(2026, 11, 23),
    period="weekly-2026-11-23",
    rag="red",
    recipients=("Jordan Lee <jordan@client.example>", "sam@client.example"),
    html="<html><body><h1>Portal</h1></body></html>",
)


def channel_for(channel: dict[str, object], tmp_path: Path, **ctx: object):  # type: ignore[no-untyped-def]
    audience = AudienceConfig.model_validate(
        {"name": "sponsor", "contacts": list(MESSAGE.recipients), "channel": channel}
    )
    context = ChannelContext(
        env=ctx.pop("env", {}),  # type: ignore[arg-type]
        base_dir=tmp_path,
        retry=ctx.pop("retry", RetryPolicy(sleep=lambda s: None)),  # type: ignore[arg-type]
        **ctx,  # type: ignore[arg-type]
    )
    return build_channel(audience, context)


# -- file -----------------------------------------------------------------------------------


def test_file_channel_fills_the_path_template(tmp_path: Path) -> None:
    channel = channel_for({"type": "file", "path": "out/{audience}/{date}.md"}, tmp_path)
    assert isinstance(channel, FileChannel) and channel.format == "md"
    where = channel.send(MESSAGE, idempotency_key="k")
    assert where == str(tmp_path / "out/sponsor/2026-11-23.md")
    assert Path(where).read_text(encoding="utf-8") == MESSAGE.body
    # Sending again (a retry) rewrites the same file: still one report.
    channel.send(MESSAGE, idempotency_key="k")
    assert [p.name for p in (tmp_path / "out/sponsor").iterdir()] == ["2026-11-23.md"]


def test_file_channel_rejects_unknown_template_fields(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"may only use \{audience\}"):
        channel_for({"type": "file", "path": "{client}.md"}, tmp_path)


def test_file_channel_failure_is_a_delivery_error(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where a directory should be")
    channel = channel_for({"type": "file", "path": "blocked/{date}.md"}, tmp_path)
    with pytest.raises(DeliveryError, match="cannot write"):
        channel.send(MESSAGE, idempotency_key="k")


# -- smtp -----------------------------------------------------------------------------------


def test_smtp_sends_multipart_text_and_html(tmp_path: Path) -> None:
    with smtp_peer() as (port, box):
        channel = channel_for(
            {
                "type": "email",
                "host": "127.0.0.1",
                "port": port,
                "security": "none",
                "from": "Status <status@agency.example>",
            },
            tmp_path,
        )
        message_id = channel.send(MESSAGE, idempotency_key="portal:sponsor:email:w48")
    (mail,) = box.messages()
    assert box.rcpt == [["jordan@client.example", "sam@client.example"]]
    assert mail["Subject"] == MESSAGE.subject
    assert mail["From"] == "Status <status@agency.example>"
    assert mail["Message-ID"] == message_id
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and "Ünïcode ✓" in text.get_content()
    assert html is not None and "<h1>Portal</h1>" in html.get_content()


def test_smtp_message_id_is_stable_per_idempotency_key(tmp_path: Path) -> None:
    channel = channel_for(
        {"type": "email", "host": "h", "security": "none", "from": "s@agency.example"}, tmp_path
    )
    assert isinstance(channel, SmtpChannel)
    first = channel.compose(MESSAGE, idempotency_key="a")["Message-ID"]
    assert first == channel.compose(MESSAGE, idempotency_key="a")["Message-ID"]
    assert first != channel.compose(MESSAGE, idempotency_key="b")["Message-ID"]
    text_only = channel.compose(Message(**{**MESSAGE.__dict__, "html": None}), idempotency_key="a")
    assert text_only.get_content_type() == "text/plain"


def test_smtp_logs_in_with_credentials_from_the_environment(tmp_path: Path) -> None:
    env = {"SMTP_USER": "mailer", "SMTP_PASS": "pa55-w0rd-xyz"}
    with smtp_peer(login=("mailer", "pa55-w0rd-xyz")) as (port, box):
        channel = channel_for(
            {
                "type": "email",
                "host": "127.0.0.1",
                "port": port,
                "security": "none",
                "from": "s@agency.example",
                "username_env": "SMTP_USER",
                "password_env": "SMTP_PASS",
            },
            tmp_path,
            env=env,
        )
        assert "pa55" not in repr(channel) and "pa55" not in channel.describe()
        channel.send(MESSAGE, idempotency_key="k")
    assert box.logins == [("mailer", "pa55-w0rd-xyz")] and len(box.raw) == 1


def test_smtp_starttls_against_a_server_without_it_says_so(tmp_path: Path) -> None:
    with smtp_peer() as (port, box):
        channel = channel_for(
            {
                "type": "email",
                "host": "127.0.0.1",
                "port": port,
                "security": "starttls",
                "from": "s@agency.example",
            },
            tmp_path,
        )
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            channel.send(MESSAGE, idempotency_key="k")
    assert box.raw == []


def test_smtp_missing_credential_variable_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SMTP_PASS is not set"):
        channel_for(
            {
                "type": "email",
                "host": "h",
                "from": "s@agency.example",
                "username_env": "SMTP_USER",
                "password_env": "SMTP_PASS",
            },
            tmp_path,
            env={"SMTP_USER": "u"},
        )


def test_smtp_unreachable_server_is_a_delivery_error(tmp_path: Path) -> None:
    with smtp_peer() as (port, _):
        pass  # the port is free again: nothing listens
    channel = channel_for(
        {
            "type": "email",
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from": "s@agency.example",
        },
        tmp_path,
    )
    with pytest.raises(DeliveryError, match=f"127.0.0.1:{port}"):
        channel.send(MESSAGE, idempotency_key="k")


# -- webhook --------------------------------------------------------------------------------


def test_webhook_posts_slack_compatible_json_signed_with_hmac(tmp_path: Path) -> None:
    with webhook_peer() as hook:
        channel = channel_for(
            {"type": "webhook", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"},
            tmp_path,
            env={"HOOK_URL": hook.url, "HOOK_SECRET": "shh-very-secret"},
        )
        assert channel.send(MESSAGE, idempotency_key="portal:sponsor:webhook:w48") == "HTTP 200"
    (request,) = hook.received
    assert request.path == "/hooks/T0KEN-PATH"
    payload = json.loads(request.body)
    assert payload["text"] == MESSAGE.body and payload["rag"] == "red"
    assert request.headers["Idempotency-Key"] == "portal:sponsor:webhook:w48"
    expected = hmac.new(b"shh-very-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == f"sha256={expected}"
    # The URL's path is a credential for chat webhooks: never shown.
    assert "T0KEN" not in channel.describe() and "T0KEN" not in repr(channel)


def test_webhook_retries_transient_answers_with_the_same_key(tmp_path: Path) -> None:
    slept: list[float] = []
    with webhook_peer() as hook:
        hook.script.extend([(503, {}), (429, {"Retry-After": "7"})])
        channel = channel_for(
            {"type": "webhook", "url": hook.url}, tmp_path, retry=RetryPolicy(sleep=slept.append)
        )
        channel.send(MESSAGE, idempotency_key="same-key")
    assert len(hook.received) == 3
    assert {r.headers["Idempotency-Key"] for r in hook.received} == {"same-key"}
    assert len({r.body for r in hook.received}) == 1
    assert slept[1] == 7.0  # the receiver's Retry-After was honoured, without really waiting


def test_webhook_does_not_retry_a_client_error(tmp_path: Path) -> None:
    with webhook_peer() as hook:
        hook.script.append((404, {}))
        channel = channel_for({"type": "webhook", "url": hook.url}, tmp_path)
        with pytest.raises(FatalTrackerError, match="HTTP 404") as error:
            channel.send(MESSAGE, idempotency_key="k")
    assert len(hook.received) == 1
    assert "T0KEN" not in str(error.value)


def test_webhook_gives_up_after_the_retry_budget(tmp_path: Path) -> None:
    with webhook_peer() as hook:
        hook.script.extend([(500, {})] * 3)
        channel = channel_for(
            {"type": "webhook", "url": hook.url},
            tmp_path,
            retry=RetryPolicy(max_attempts=3, sleep=lambda s: None),
        )
        with pytest.raises(TransientTrackerError, match="gave up after 3 attempts"):
            channel.send(MESSAGE, idempotency_key="k")
    assert len(hook.received) == 3


def test_webhook_needs_exactly_one_url_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="url_env"):
        channel_for({"type": "webhook"}, tmp_path)


# -- tracker --------------------------------------------------------------------------------


def test_tracker_channel_posts_through_the_connectors_writer(tmp_path: Path) -> None:
    tracker = FakeTracker(Project(id="p", name="P"))
    tracker.fail_next(TransientTrackerError("503 from the tracker", status=503))
    asked: list[str] = []

    def writer_for(source: str) -> TrackerWriter:
        asked.append(source)
        return tracker

    channel = channel_for(
        {"type": "tracker", "target": "PORTAL-1"},
        tmp_path,
        writer_for=writer_for,
        sources=(("main", "file"),),
    )
    first = channel.send(MESSAGE, idempotency_key="k1")
    again = channel.send(MESSAGE, idempotency_key="k1")  # a rerun after a lost answer
    assert asked == ["main"] and first == again
    assert tracker.posted == [("PORTAL-1", MESSAGE.body, "k1", first)]


def test_tracker_channel_defaults_to_the_trackers_comment_format(tmp_path: Path) -> None:
    tracker = FakeTracker(Project(id="p", name="P"))
    channel = channel_for(
        {"type": "tracker", "source": "jira", "target": "PORTAL-1"},
        tmp_path,
        writer_for=lambda source: tracker,
        sources=(("jira", "jira"), ("board", "trello")),
    )
    assert channel.format == "adf"
    with pytest.raises(ConfigError, match="set channel option 'source'"):
        channel_for(
            {"type": "tracker", "target": "X"},
            tmp_path,
            writer_for=lambda source: tracker,
            sources=(("jira", "jira"), ("board", "trello")),
        )


def test_unknown_channel_options_are_named(tmp_path: Path) -> None:
    with pytest.raises(ClientsyncError, match=r"unknown channel option.*colour"):
        channel_for({"type": "file", "path": "x.md", "colour": "red"}, tmp_path)
