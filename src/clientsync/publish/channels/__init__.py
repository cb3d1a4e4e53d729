"""Channels by type: where an audience's update goes."""

from __future__ import annotations

from clientsync.config.audience import AudienceConfig, ChannelType

from . import smtp
from .base import Channel, ChannelContext, DeliveryError, Message, Options, WriterFor
from .file import FileChannel
from .smtp import SmtpChannel
from .tracker import TrackerChannel
from .webhook import SIGNATURE_HEADER, WebhookChannel, sign

__all__ = [
    "SIGNATURE_HEADER",
    "Channel",
    "ChannelContext",
    "DeliveryError",
    "FileChannel",
    "Message",
    "SmtpChannel",
    "TrackerChannel",
    "WebhookChannel",
    "WriterFor",
    "build_channel",
    "sign",
]

_KNOWN_OPTIONS = {
    ChannelType.FILE: {"path", "format"},
    ChannelType.EMAIL: set(smtp.OPTIONS),
    ChannelType.WEBHOOK: {"url", "url_env", "secret_env", "format", "timeout_seconds"},
    ChannelType.TRACKER: {"source", "target", "format"},
}


def build_channel(audience: AudienceConfig, ctx: ChannelContext) -> Channel:
    """The audience's channel, its options checked and its secrets read from the env."""
    kind = audience.channel.type
    options = Options(
        f"audience {audience.name!r} ({kind.value})", audience.channel.options, _KNOWN_OPTIONS[kind]
    )
    if kind is ChannelType.FILE:
        return FileChannel.from_options(options, ctx)
    if kind is ChannelType.EMAIL:
        return SmtpChannel.from_options(options, ctx)
    if kind is ChannelType.WEBHOOK:
        return WebhookChannel.from_options(options, ctx)
    return TrackerChannel.from_options(options, ctx)
