"""The base of every config table, and of tables whose extra keys are free-form options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .issues import issue
from .secrets import ENV_NAME, EnvReference, env_options, find_secrets


class ConfigModel(BaseModel):
    """Frozen, rejects unknown keys; input values never appear in validation messages."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, hide_input_in_errors=True
    )


class OptionsTable(ConfigModel):
    """A table whose keys beyond the declared fields are free-form `options`."""

    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_options(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        declared = set(cls.model_fields)
        extra = {k: v for k, v in data.items() if k not in declared}
        if not extra:
            return data
        explicit = data.get("options")
        merged = {**explicit, **extra} if isinstance(explicit, Mapping) else extra
        return {**{k: v for k, v in data.items() if k in declared}, "options": merged}

    def _check_options(self, prefix: str) -> None:
        secrets = find_secrets(self.options, prefix=prefix)
        if secrets:
            first = secrets[0]
            raise issue("looks like a secret written in the file", first.fix(), path=first.loc)
        for loc, value in env_options(self.options):
            if not (isinstance(value, str) and ENV_NAME.fullmatch(value)):
                raise issue(
                    "must name an environment variable",
                    'use letters, digits and underscores, e.g. "JIRA_API_TOKEN"',
                    path=loc,
                )

    def env_references(self, owner: str) -> tuple[EnvReference, ...]:
        return tuple(
            EnvReference(owner=owner, option=".".join(map(str, loc)), variable=str(value))
            for loc, value in env_options(self.options)
        )
