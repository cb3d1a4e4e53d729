"""Delivering reports to the communication plan's audiences: cadence, channels, exactly once.

`publish_due()` sends what is due; `plan_audiences()` previews it. Channels: file, email
(SMTP), webhook and tracker write-back; renderers are looked up by format name.
"""

from .channels import (
    Channel,
    ChannelContext,
    DeliveryError,
    FileChannel,
    Message,
    SmtpChannel,
    TrackerChannel,
    WebhookChannel,
    build_channel,
)
from .formats import FORMATS, available, render, renderer
from .plan import (
    PAUSE_AFTER_FAILURES,
    Period,
    Withheld,
    changed_since,
    current_period,
    escalates,
    notice_id,
    select_sections,
    withheld,
)
from .preview import AudiencePlan, plan_audiences
from .service import Outcome, PublishResult, default_writer_for, publish_due

__all__ = [
    "FORMATS",
    "PAUSE_AFTER_FAILURES",
    "AudiencePlan",
    "Channel",
    "ChannelContext",
    "DeliveryError",
    "FileChannel",
    "Message",
    "Outcome",
    "Period",
    "PublishResult",
    "SmtpChannel",
    "TrackerChannel",
    "WebhookChannel",
    "Withheld",
    "available",
    "build_channel",
    "changed_since",
    "current_period",
    "default_writer_for",
    "escalates",
    "notice_id",
    "plan_audiences",
    "publish_due",
    "render",
    "renderer",
    "select_sections",
    "withheld",
]
