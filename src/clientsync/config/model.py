"""The validated shape of clientsync.toml.

Every table is a frozen model that rejects unknown keys, except the options of a source
or a channel, which belong to the connector or channel that reads them. Those options may
name environment variables (`*_env`) but never hold a secret themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from clientsync.domain.settings import (
    ForecastSettings,
    ReportSettings,
    RiskSettings,
    StatusSettings,
)
from clientsync.domain.visibility import HIDEABLE_FIELDS, VisibilityPolicy
from clientsync.errors import ConfigError

from .audience import AudienceConfig
from .issues import issue, quoted_list, suggest
from .secrets import EnvReference, resolve_env
from .tables import ConfigModel, OptionsTable
from .webhooks import WEBHOOK_CONNECTORS, Verification, WebhooksConfig


class ProjectConfig(ConfigModel):
    name: str = Field(min_length=1)
    timezone: str = Field("UTC", description="IANA zone used for day boundaries.")
    id: str = Field("", description="Defaults to a slug of the name.")

    @model_validator(mode="before")
    @classmethod
    def _default_id(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "id" not in data:
            name = data.get("name")
            return {**data, "id": slugify(name) if isinstance(name, str) else "project"}
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            close = suggest(value, _zone_names())
            fix = (
                f"did you mean {close!r}?"
                if close
                else "use an IANA name such as 'Europe/Berlin', 'America/New_York' or 'UTC'"
            )
            raise issue(f"unknown time zone {value!r}", fix) from None
        return value

    @field_validator("id")
    @classmethod
    def _slug_id(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
            raise issue(
                "not a valid project id",
                f'use letters, digits, "-", "_" or "." (e.g. "{slugify(value)}")',
            )
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _check_webhook_source(
    connector: str, verification: Verification, secret_env: str | None, where: tuple[str, ...]
) -> None:
    if verification is Verification.SHARED_SECRET and connector != "jira":
        raise issue(
            f"{connector} signs its deliveries; a shared secret is only for Jira Automation",
            'remove verification (the default is "signature")',
            path=(*where, "verification"),
        )
    if secret_env is None and connector in ("jira", "trello"):
        what = "the webhook's secret" if connector == "jira" else "the application secret"
        variable = "JIRA_WEBHOOK_SECRET" if connector == "jira" else "TRELLO_APP_SECRET"
        raise issue(
            f"{connector} deliveries are verified with {what}",
            f'set secret_env = "{variable}" (the variable holding it)',
            path=(*where, "secret_env"),
        )


def slugify(name: str) -> str:
    """`"Acme Website Relaunch!"` -> `"acme-website-relaunch"`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")
    return slug or "project"


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


class SourceConfig(OptionsTable):
    """One tracker to read. Keys other than `name` and `connector` go to the connector."""

    name: str = Field(min_length=1, description="Defaults to the connector name.")
    connector: str

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if (
            isinstance(data, Mapping)
            and "name" not in data
            and isinstance(data.get("connector"), str)
        ):
            return {**data, "name": data["connector"]}
        return data

    @field_validator("connector")
    @classmethod
    def _connector_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", value):
            raise issue(
                f"{value!r} is not a connector name",
                'connector names are lowercase words such as "file", "jira", "trello" or "asana"',
            )
        return value

    @model_validator(mode="after")
    def _options_hold_no_secret(self) -> Self:
        self._check_options(self.connector)
        return self


class StoreConfig(ConfigModel):
    path: Path = Field(
        Path(".clientsync/state.db"), description="Relative to the config file's directory."
    )
    busy_timeout_seconds: float = Field(10, gt=0, le=600)


class VisibilityConfig(VisibilityPolicy):
    """[visibility]: a `VisibilityPolicy` whose field names are checked."""

    model_config = ConfigDict(hide_input_in_errors=True)

    @field_validator("client_hidden_fields", "executive_hidden_fields")
    @classmethod
    def _known_fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, field in enumerate(value):
            if field not in HIDEABLE_FIELDS:
                close = suggest(field, sorted(HIDEABLE_FIELDS))
                fix = (
                    f"did you mean {close!r}?"
                    if close
                    else f"fields that can be hidden: {quoted_list(sorted(HIDEABLE_FIELDS))}"
                )
                raise issue(f"{field!r} is not a field that can be hidden", fix, path=(index,))
        return value

    @field_validator("internal_labels")
    @classmethod
    def _labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not label.strip() for label in value):
            raise issue("a label must not be empty", "remove the empty string")
        return value


class Config(ConfigModel):
    """clientsync.toml, validated. `path` and `base_dir` come from where it was loaded."""

    path: Path | None = Field(None, description="The file it was loaded from.")
    base_dir: Path = Field(Path("."), description="Relative paths resolve against this.")
    project: ProjectConfig
    sources: tuple[SourceConfig, ...]
    store: StoreConfig = StoreConfig()
    forecast: ForecastSettings = ForecastSettings()
    status: StatusSettings = StatusSettings()
    risks: RiskSettings = RiskSettings()
    visibility: VisibilityConfig = VisibilityConfig()
    audiences: tuple[AudienceConfig, ...] = ()
    webhooks: WebhooksConfig = WebhooksConfig()

    @field_validator("sources")
    @classmethod
    def _some_source(cls, value: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        if not value:
            raise issue(
                "no sources",
                'add a [[sources]] table, e.g. connector = "file" and path = "snapshot.json"',
            )
        return value

    @field_validator("store")
    @classmethod
    def _resolve_store(cls, value: StoreConfig, info: ValidationInfo) -> StoreConfig:
        base_dir = info.data.get("base_dir")
        if isinstance(base_dir, Path) and not value.path.is_absolute():
            return value.model_copy(update={"path": base_dir / value.path})
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for collection, names in (
            ("sources", [s.name for s in self.sources]),
            ("audiences", [a.name for a in self.audiences]),
        ):
            for index, name in enumerate(names):
                first = names.index(name)
                if first != index:
                    fix = (
                        "give each [[sources]] its own name = (it defaults to the connector)"
                        if collection == "sources"
                        else "give each [[audiences]] its own name"
                    )
                    raise issue(
                        f"{name!r} is already the name of {collection}[{first}]",
                        fix,
                        path=(collection, index, "name"),
                    )
        return self

    @model_validator(mode="after")
    def _webhook_sources(self) -> Self:
        connectors = {s.name: s.connector for s in self.sources}
        for name, table in self.webhooks.sources.items():
            where: tuple[str, ...] = ("webhooks", "sources", name)
            connector = connectors.get(name)
            if connector is None:
                close = suggest(name, list(connectors))
                hint = f"did you mean {close!r}? " if close else ""
                raise issue(
                    f"no source named {name!r}",
                    f"{hint}name a [[sources]] entry (known: {quoted_list(connectors)})",
                    path=where,
                )
            if connector not in WEBHOOK_CONNECTORS:
                raise issue(
                    f"the {connector!r} connector does not take webhooks",
                    f"remove this table; webhooks come from {quoted_list(WEBHOOK_CONNECTORS)}, "
                    "other sources are read by `clientsync sync`",
                    path=where,
                )
            _check_webhook_source(connector, table.verification, table.secret_env, where)
            if connector == "trello" and self.webhooks.callback_url(name) is None:
                raise issue(
                    "Trello signs the callback URL, so it must be known",
                    "set [webhooks] public_url, or callback_url here, to the URL registered",
                    path=(*where, "callback_url"),
                )
        return self

    @property
    def report_settings(self) -> ReportSettings:
        return ReportSettings(forecast=self.forecast, status=self.status, risks=self.risks)

    @property
    def store_path(self) -> Path:
        path = Path(self.store.path)
        return path if path.is_absolute() else self.base_dir / path

    def source(self, name: str) -> SourceConfig:
        found = next((s for s in self.sources if s.name == name), None)
        if found is None:
            raise self._unknown("source", name, [s.name for s in self.sources])
        return found

    def audience(self, name: str) -> AudienceConfig:
        found = next((a for a in self.audiences if a.name == name), None)
        if found is None:
            raise self._unknown("audience", name, [a.name for a in self.audiences])
        return found

    def _unknown(self, kind: str, name: str, known: list[str]) -> ConfigError:
        close = suggest(name, known)
        hint = f"did you mean {close!r}? " if close else ""
        listed = quoted_list(known) if known else f"none; add a [[{kind}s]] table"
        return ConfigError(f"{self._file()}no {kind} named {name!r}; {hint}known {kind}s: {listed}")

    def env_references(self) -> tuple[EnvReference, ...]:
        """Every environment variable the file names, with who needs it."""
        refs: list[EnvReference] = []
        for index, source in enumerate(self.sources):
            refs.extend(source.env_references(f"sources[{index}] {source.name!r}"))
        for index, audience in enumerate(self.audiences):
            refs.extend(audience.channel.env_references(f"audiences[{index}] {audience.name!r}"))
        return tuple(refs)

    def check_env(self, env: Mapping[str, str]) -> None:
        """Raise one ConfigError listing every named variable that `env` lacks."""
        missing = []
        for ref in self.env_references():
            try:
                resolve_env(ref.variable, env, needed_by=f"{ref.owner} for {ref.option}")
            except ConfigError as exc:
                missing.append(f"{self._file()}{exc}")
        if missing:
            raise ConfigError("\n".join(missing))

    def _file(self) -> str:
        return f"{self.path}: " if self.path is not None else ""
