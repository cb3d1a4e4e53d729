"""`clientsync serve` and `clientsync webhook register`: the webhook handler from the shell.

Wired into the `clientsync` command by `add_parsers(subparsers)` (the argparse setup) and
`run(args, ctx)` (the commands), so the CLI module stays thin.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO
from urllib.parse import urlsplit

from .config import WEBHOOK_CONNECTORS, Config, Verification, load_config, resolve_env
from .errors import ConfigError
from .ports import Clock, ConnectorFactory, WebhookRegistrar
from .registry import load as load_connector

if TYPE_CHECKING:
    from .automation import WebhookServer
    from .cli import ExitCode

COMMANDS = ("serve", "webhook")


class CommandContext(Protocol):
    """What the CLI hands a command: the environment, a clock, the streams, the config."""

    env: dict[str, str]
    clock: Clock
    out: TextIO
    err: TextIO
    config_path: Path

    def progress(self, message: str) -> None: ...


def add_parsers(subparsers: Any) -> None:
    """Add `serve` and `webhook register` to the `clientsync` command's subparsers."""
    from .automation.server import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_WORKERS

    serve = subparsers.add_parser(
        "serve", help="serve the webhook handler on this machine (for trials; see the docs)"
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"requests handled at once (default: {DEFAULT_WORKERS})",
    )
    webhook = subparsers.add_parser("webhook", help="tracker webhooks")
    webhook_commands = webhook.add_subparsers(
        dest="webhook_command", required=True, parser_class=type(webhook)
    )
    register = webhook_commands.add_parser(
        "register",
        help="create the source's webhook on its tracker, or print how to create it by hand",
    )
    register.add_argument("--source", required=True, help="a [[sources]] name")
    register.add_argument(
        "--url", required=True, help="the public URL of the handler for this source"
    )


def run(args: argparse.Namespace, ctx: CommandContext) -> ExitCode:
    if args.command == "serve":
        return cmd_serve(args, ctx)
    return cmd_webhook_register(args, ctx)


def cmd_serve(
    args: argparse.Namespace,
    ctx: CommandContext,
    *,
    on_ready: Callable[[WebhookServer], None] | None = None,
) -> ExitCode:
    """Serve until interrupted; `on_ready` also gets the bound server (tests stop it)."""
    from .automation import serve
    from .cli import ExitCode

    config = load_config(ctx.config_path)
    if not config.webhooks.sources:
        raise ConfigError(
            f"{ctx.config_path}: no [webhooks.sources.<name>] table, so no source accepts "
            'webhooks; add one, e.g. [webhooks.sources.jira] with secret_env = "..."'
        )

    def ready(server: WebhookServer) -> None:
        for name in sorted(config.webhooks.sources):
            ctx.progress(f"{name}: {server.url}/webhooks/{name}")
        ctx.progress(f"serving webhooks on {server.url} (health: /healthz); Ctrl-C stops")
        if on_ready is not None:
            on_ready(server)

    serve(
        config,
        host=args.host,
        port=args.port,
        workers=args.workers,
        env=ctx.env,
        clock=ctx.clock,
        on_ready=ready,
    )
    return ExitCode.OK


def cmd_webhook_register(
    args: argparse.Namespace,
    ctx: CommandContext,
    *,
    load: Callable[[str], ConnectorFactory] = load_connector,
) -> ExitCode:
    from .cli import ExitCode

    config = load_config(ctx.config_path)
    name, url = args.source, args.url
    source = config.source(name)
    if source.connector not in WEBHOOK_CONNECTORS:
        raise ConfigError(
            f"the {source.connector!r} connector of source {name!r} does not send webhooks; "
            "`clientsync sync` reads it"
        )
    table = config.webhooks.sources.get(name)
    if table is None:
        raise ConfigError(
            f"{ctx.config_path}: add a [webhooks.sources.{name}] table first, so the handler "
            "accepts this source's deliveries (see the webhooks page of the docs)"
        )
    _check_url(config, name, source.connector, url, ctx)
    if table.verification is Verification.SHARED_SECRET:
        print(_automation_instructions(url, table.header, table.secret_env), file=ctx.out)
        return ExitCode.OK
    secret = _secret_for(source.connector, table.secret_env, name, ctx.env)
    factory = load(source.connector)
    connector = factory.from_options(source.options, env=ctx.env, base_dir=config.base_dir)
    if not isinstance(connector, WebhookRegistrar):
        print(
            f"The installed {source.connector} connector cannot create webhooks: create one "
            f"by hand in {source.connector} that POSTs to {url} (upgrade it with "
            f"pip install -U clientsync-{source.connector} to do it from here).",
            file=ctx.out,
        )
        return ExitCode.OK
    if source.connector == "asana":
        ctx.progress(
            f"Asana calls {url} now to hand over the webhook's secret: the handler must be "
            "running and reachable there"
        )
    registration = connector.register_webhook(url, secret=secret)
    if registration.webhook_id:
        # Created now, or an existing webhook for this URL reused: its id is the result.
        print(registration.webhook_id, file=ctx.out)
        verb = "created" if registration.created else "reused"
        ctx.progress(f"{name}: webhook {registration.webhook_id} ({verb}) calls {url}")
        if registration.instructions:
            ctx.progress(registration.instructions)
    else:
        print(registration.instructions, file=ctx.out)
    return ExitCode.OK


def _check_url(config: Config, name: str, connector: str, url: str, ctx: CommandContext) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--url {url!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ConfigError("--url must not hold credentials; the webhook is verified by signature")
    expected = config.webhooks.callback_url(name)
    if connector == "trello" and url != expected:
        raise ConfigError(
            f"Trello signs the callback URL, so --url must be exactly the configured one "
            f"({expected!r}); or set callback_url = {url!r} in [webhooks.sources.{name}]"
        )
    if not parts.path.rstrip("/").endswith(f"/webhooks/{name}"):
        ctx.progress(
            f"warning: {url} does not end in /webhooks/{name}, where the handler serves "
            "this source; fine only if a proxy rewrites the path"
        )


def _secret_for(
    connector: str, secret_env: str | None, name: str, env: Mapping[str, str]
) -> str | None:
    # Jira signs with the secret given at creation; Trello with the app secret (nothing to
    # pass); Asana chooses its own and hands it over in the handshake.
    if connector != "jira" or secret_env is None:
        return None
    needed_by = f"webhooks.sources.{name}.secret_env"
    return resolve_env(secret_env, env, needed_by=needed_by).get_secret_value()


def _automation_instructions(url: str, header: str, secret_env: str | None) -> str:
    variable = secret_env or "the variable named by secret_env"
    return "\n".join(
        [
            "Jira Automation rules cannot be created from here. In Jira:",
            "  1. Project settings > Automation > Create rule; trigger: e.g. Field value "
            "changed (Due date, Fix versions, Status, Flagged), Issue created.",
            "  2. Action: Send web request.",
            f"     Web request URL: {url}",
            "     HTTP method: POST; Web request body: Issue data (Jira format).",
            f"     Headers: {header} = the value of {variable} (tick Hidden).",
            "  3. Save and turn the rule on. Unsigned requests without that header are refused.",
            "  4. For deletions, a second rule on 'Issue deleted' with the same URL and "
            "header and a custom body naming the event (the Jira-format body names none, "
            "so a deletion would read as an update): "
            '{"webhookEvent": "jira:issue_deleted", '
            '"issue": {"id": "{{issue.id}}", "key": "{{issue.key}}"}}',
        ]
    )
