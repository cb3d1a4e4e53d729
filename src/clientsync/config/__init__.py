"""clientsync.toml -> a validated `Config`; secrets only ever come from the environment."""

from __future__ import annotations

from ..domain.visibility import HIDEABLE_FIELDS
from .audience import (
    AudienceConfig,
    Cadence,
    ChannelConfig,
    ChannelType,
    EscalationConfig,
    Section,
    Weekday,
)
from .load import describe_errors, load_config
from .model import (
    Config,
    ProjectConfig,
    SourceConfig,
    StoreConfig,
    VisibilityConfig,
    slugify,
)
from .secrets import EnvReference, looks_like_credential, resolve_env
from .webhooks import WEBHOOK_CONNECTORS, Verification, WebhooksConfig, WebhookSourceConfig

__all__ = [
    "HIDEABLE_FIELDS",
    "WEBHOOK_CONNECTORS",
    "AudienceConfig",
    "Cadence",
    "ChannelConfig",
    "ChannelType",
    "Config",
    "EnvReference",
    "EscalationConfig",
    "ProjectConfig",
    "Section",
    "SourceConfig",
    "StoreConfig",
    "Verification",
    "VisibilityConfig",
    "WebhookSourceConfig",
    "WebhooksConfig",
    "Weekday",
    "describe_errors",
    "load_config",
    "looks_like_credential",
    "resolve_env",
    "slugify",
]
