"""Embedded in tracker automations: verified webhooks become domain changes at once.

`handle_webhook()` is the one entry point; `make_wsgi_app()` hosts it under any WSGI
server, `serve()` on the standard library's for trials, and `lambda_handler()` on an
AWS-Lambda-style function host. Nothing happens at import time and nothing is global:
everything lives in a `WebhookContext` built from clientsync.toml and the environment.
A periodic `clientsync sync` remains the source of truth: deliveries can be lost.
"""

from .aws_lambda import handle_event, lambda_handler, make_lambda_handler
from .context import CONFIG_ENV, WebhookContext, WebhooksNotSupportedError
from .handler import handle_webhook
from .headers import Headers
from .hook_secrets import HookSecrets
from .outcome import Outcome
from .replay import delivery_id
from .server import WebhookServer, make_server, serve
from .settings import HookSource, hook_sources
from .signatures import asana_signature, jira_signature, trello_signature
from .triggers import Trigger, TriggerKind, find_triggers
from .wsgi import WebhookApp, make_wsgi_app

__all__ = [
    "CONFIG_ENV",
    "Headers",
    "HookSecrets",
    "HookSource",
    "Outcome",
    "Trigger",
    "TriggerKind",
    "WebhookApp",
    "WebhookContext",
    "WebhookServer",
    "WebhooksNotSupportedError",
    "asana_signature",
    "delivery_id",
    "find_triggers",
    "handle_event",
    "handle_webhook",
    "hook_sources",
    "jira_signature",
    "lambda_handler",
    "make_lambda_handler",
    "make_server",
    "make_wsgi_app",
    "serve",
    "trello_signature",
]
