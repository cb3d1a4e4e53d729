"""`clientsync serve` and `clientsync webhook register`, through their parsers."""

from __future__ import annotations

import argparse
import http.client
import io
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clientsync.automation import WebhookServer
from clientsync.commands_automation import add_parsers, cmd_serve, cmd_webhook_register, run
from clientsync.errors import ConfigError
from clientsync.ports import ReadResult, WebhookRegistration

from .support import AUTOMATION_SECRET, ENV, JIRA_SECRET, PROJECT, trello_vector, write_config


class _Clock:
    def now(self) -> datetime:
        return datetime(2025, 6, 12, tzinfo=UTC)


@dataclass
class _Ctx:
    config_path: Path
    env: dict[str, str] = field(default_factory=lambda: dict(ENV))
    clock: _Clock = field(default_factory=_Clock)
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)

    def progress(self, message: str) -> None:
        print(message, file=self.err)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="clientsync")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@dataclass
class _Registrar:
    created: bool = True
    asked: list[tuple[str, str | None]] = field(default_factory=list)

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        return ReadResult(project=PROJECT)

    def register_webhook(self, url: str, *, secret: str | None = None) -> WebhookRegistration:
        self.asked.append((url, secret))
        if self.created:
            return WebhookRegistration(True, "hook-7", "")
        return WebhookRegistration(False, None, "Ask a Jira admin: Settings > System > WebHooks")


def _loader(connector: Any) -> Any:
    class Factory:
        @staticmethod
        def from_options(options: Any, *, env: Any, base_dir: Path) -> Any:
            return connector

    return lambda name: Factory


def test_the_parsers_take_the_documented_options() -> None:
    serve = _parse("serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "2")
    assert (serve.command, serve.host, serve.port, serve.workers) == ("serve", "0.0.0.0", 9000, 2)
    assert _parse("serve").host == "127.0.0.1"
    register = _parse("webhook", "register", "--source", "jira", "--url", "https://h/x")
    assert (register.command, register.webhook_command, register.source) == (
        "webhook",
        "register",
        "jira",
    )
    with pytest.raises(SystemExit):
        _parse("webhook")


def test_serve_answers_on_loopback_until_stopped(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path))
    answers: list[int] = []

    def probe(server: WebhookServer) -> None:
        def go() -> None:
            host, port = server.server_address[:2]
            conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
            conn.request("GET", "/healthz")
            answers.append(conn.getresponse().status)
            conn.close()
            server.shutdown()

        threading.Thread(target=go, daemon=True).start()

    args = _parse("serve", "--port", "0")
    assert cmd_serve(args, ctx, on_ready=probe) == 0
    assert answers == [200]
    assert "/webhooks/jira" in ctx.err.getvalue()


def test_serve_without_webhook_sources_says_what_to_add(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path, webhooks=" "))
    with pytest.raises(ConfigError, match=r"no \[webhooks.sources.<name>\] table"):
        run(_parse("serve", "--port", "0"), ctx)  # type: ignore[arg-type]


def test_register_creates_the_jira_webhook_with_the_configured_secret(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path))
    registrar = _Registrar()
    url = "https://hooks.example.com/webhooks/jira"
    args = _parse("webhook", "register", "--source", "jira", "--url", url)
    assert cmd_webhook_register(args, ctx, load=_loader(registrar)) == 0
    assert registrar.asked == [(url, JIRA_SECRET)]
    assert ctx.out.getvalue() == "hook-7\n"
    assert JIRA_SECRET not in ctx.out.getvalue() + ctx.err.getvalue()


def test_register_prints_the_instructions_where_the_token_cannot(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path))
    args = _parse("webhook", "register", "--source", "jira", "--url", "https://h.example/x")
    assert cmd_webhook_register(args, ctx, load=_loader(_Registrar(created=False))) == 0
    assert "Settings > System > WebHooks" in ctx.out.getvalue()
    assert "does not end in /webhooks/jira" in ctx.err.getvalue()


def test_jira_automation_gets_steps_naming_the_header_not_the_secret(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path))
    url = "https://hooks.example.com/webhooks/automation"
    args = _parse("webhook", "register", "--source", "automation", "--url", url)
    assert cmd_webhook_register(args, ctx, load=_loader(_Registrar())) == 0
    text = ctx.out.getvalue()
    assert "Send web request" in text and "X-Automation-Token" in text
    assert "JIRA_AUTOMATION_SECRET" in text and AUTOMATION_SECRET not in text


def test_trello_must_register_the_url_it_signs(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path))
    wrong = _parse("webhook", "register", "--source", "trello", "--url", "https://h.example/t")
    with pytest.raises(ConfigError, match="Trello signs the callback URL"):
        cmd_webhook_register(wrong, ctx, load=_loader(_Registrar()))
    registrar = _Registrar()
    right = _parse(
        "webhook", "register", "--source", "trello", "--url", trello_vector()["callback_url"]
    )
    cmd_webhook_register(right, ctx, load=_loader(registrar))
    assert registrar.asked == [(trello_vector()["callback_url"], None)]


def test_asana_is_warned_that_the_handler_must_answer_the_handshake(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path))
    url = "https://hooks.example.com/webhooks/asana"
    cmd_webhook_register(
        _parse("webhook", "register", "--source", "asana", "--url", url),
        ctx,
        load=_loader(_Registrar()),
    )
    assert "must be running and reachable" in ctx.err.getvalue()


def test_a_connector_that_cannot_register_says_what_to_do(tmp_path: Path) -> None:
    class Plain:
        def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
            return ReadResult(project=PROJECT)

    ctx = _Ctx(write_config(tmp_path))
    url = "https://hooks.example.com/webhooks/jira"
    cmd_webhook_register(
        _parse("webhook", "register", "--source", "jira", "--url", url), ctx, load=_loader(Plain())
    )
    assert "cannot create webhooks" in ctx.out.getvalue()


@pytest.mark.parametrize(
    ("source", "url", "message"),
    [
        ("jira", "ftp://h/x", "not an http"),
        ("jira", "https://u:p@h/webhooks/jira", "must not hold credentials"),
        ("nope", "https://h/webhooks/nope", "no source named 'nope'"),
    ],
)
def test_register_refuses_bad_input(tmp_path: Path, source: str, url: str, message: str) -> None:
    ctx = _Ctx(write_config(tmp_path))
    with pytest.raises(ConfigError, match=message):
        cmd_webhook_register(
            _parse("webhook", "register", "--source", source, "--url", url),
            ctx,
            load=_loader(_Registrar()),
        )


def test_register_needs_the_source_table(tmp_path: Path) -> None:
    ctx = _Ctx(write_config(tmp_path, webhooks='[webhooks]\npublic_url = "https://h"\n'))
    args = _parse("webhook", "register", "--source", "jira", "--url", "https://h/webhooks/jira")
    with pytest.raises(ConfigError, match=r"add a \[webhooks.sources.jira\] table first"):
        cmd_webhook_register(args, ctx, load=_loader(_Registrar()))


@pytest.mark.parametrize(
    ("module", "cls"),
    [
        ("clientsync_jira", "JiraConnector"),
        ("clientsync_trello", "TrelloConnector"),
        ("clientsync_asana", "AsanaConnector"),
    ],
)
def test_the_installed_tracker_connectors_take_webhooks(module: str, cls: str) -> None:
    found = getattr(pytest.importorskip(module), cls)
    for method in ("read_webhook", "register_webhook", "from_options"):
        assert callable(getattr(found, method, None)), f"{cls} lacks {method}"
