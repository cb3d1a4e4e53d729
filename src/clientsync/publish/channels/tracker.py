"""The `tracker` channel: the source connector's write-back (comment, status update)."""

from __future__ import annotations

from collections.abc import Mapping

from clientsync.errors import ConfigError
from clientsync.ports import TrackerWriter

from .base import ChannelContext, Message, Options

# What each tracker takes as a comment body, when the channel does not say.
_DEFAULT_FORMAT: Mapping[str, str] = {"jira": "adf", "asana": "asana"}


class TrackerChannel:
    """Options: source (default: the only source), target (issue key, card, project),
    format. Retried through the retry policy: the write carries an idempotency key."""

    kind = "tracker"
    wants_html = False

    def __init__(
        self, writer: TrackerWriter, *, source: str, target: str, format: str, ctx: ChannelContext
    ) -> None:
        self.writer, self.source, self.target, self.format = writer, source, target, format
        self._retry = ctx.retry

    @classmethod
    def from_options(cls, options: Options, ctx: ChannelContext) -> TrackerChannel:
        connectors = dict(ctx.sources)
        source = options.text("source")
        if source is None:
            if len(connectors) != 1:
                raise ConfigError(
                    f"{options.where}: set channel option 'source' to one of: "
                    f"{', '.join(connectors) or 'no sources'}"
                )
            source = next(iter(connectors))
        if source not in connectors:
            raise ConfigError(
                f"{options.where}: no source {source!r}; known: {', '.join(connectors)}"
            )
        target = options.required("target", 'target = "PROJ-1"')
        fmt = options.text("format") or _DEFAULT_FORMAT.get(connectors[source], "md")
        if ctx.writer_for is None:
            raise ConfigError(f"{options.where}: no tracker writer available")
        return cls(ctx.writer_for(source), source=source, target=target, format=fmt, ctx=ctx)

    def describe(self) -> str:
        return f"tracker {self.source} -> {self.target}"

    def send(self, message: Message, *, idempotency_key: str) -> str:
        body = message.body
        if message.escalation and message.recipients:
            body = f"To: {', '.join(message.recipients)}\n\n{body}"
        return self._retry.call(
            self.writer.post_update, self.target, body, idempotency_key=idempotency_key
        )
