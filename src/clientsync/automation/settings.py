"""The webhook sources as the handler uses them: the config's tables with their secrets
read from the environment, checked once when the app is built."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from clientsync.config import Config, Verification, resolve_env
from clientsync.errors import ConfigError


@dataclass(frozen=True)
class HookSource:
    """One source that accepts webhooks: its connector type and how to verify it."""

    name: str
    connector: str
    verification: Verification
    secret_env: str | None
    header: str
    callback_url: str | None
    secret: SecretStr | None = field(default=None, repr=False)
    """None for Asana, whose secret `HookSecrets` keeps (from the handshake or the env)."""

    @property
    def path(self) -> str:
        return f"/webhooks/{self.name}"


def hook_sources(config: Config, env: Mapping[str, str]) -> dict[str, HookSource]:
    """Every `[webhooks.sources.<name>]`, resolved; one ConfigError lists every problem."""
    found: dict[str, HookSource] = {}
    problems: list[str] = []
    where = f"{config.path}: " if config.path is not None else ""
    for name, table in config.webhooks.sources.items():
        connector = config.source(name).connector
        secret: SecretStr | None = None
        # Asana's secret may come later, from the handshake: `HookSecrets` looks it up.
        if table.secret_env is not None and connector != "asana":
            try:
                secret = resolve_env(
                    table.secret_env, env, needed_by=f"webhooks.sources.{name}.secret_env"
                )
            except ConfigError as exc:
                problems.append(f"{where}{exc}")
                continue
        found[name] = HookSource(
            name=name,
            connector=connector,
            verification=table.verification,
            secret_env=table.secret_env,
            header=table.header,
            callback_url=config.webhooks.callback_url(name),
            secret=secret,
        )
    if problems:
        raise ConfigError("\n".join(problems))
    return found
