"""The Asana source's options (`[[sources]] connector = "asana"`), validated, with defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from clientsync.errors import ConfigError

from .client import DEFAULT_HOST
from .mapping import AsanaSettings

__all__ = ["AsanaOptions", "parse_options"]


class AsanaOptions(AsanaSettings):
    """Connection and read options on top of the mapping settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project: str = Field(pattern=r"^\d+$", description="The project's gid (digits).")
    name: str | None = None
    token_env: str = "ASANA_ACCESS_TOKEN"
    host: str = DEFAULT_HOST
    include_subtasks: bool = False
    incremental: Literal["events", "modified_since"] = "events"
    concurrency: int = Field(8, ge=1, le=16)
    connect_timeout_seconds: float = Field(10.0, gt=0)
    timeout_seconds: float = Field(60.0, gt=0)
    story_history: bool = True
    max_story_reads: int = Field(50, ge=0)
    status_updates: bool = False
    comment_task: str | None = Field(None, pattern=r"^\d+$")

    def settings(self) -> AsanaSettings:
        return AsanaSettings(**{k: getattr(self, k) for k in AsanaSettings.model_fields})


def parse_options(options: Mapping[str, Any]) -> AsanaOptions:
    """Validate a source table; the error names the option and the fix, never a value."""
    try:
        return AsanaOptions.model_validate(dict(options))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "(options)"
            if error["type"] == "extra_forbidden":
                known = ", ".join(sorted(AsanaOptions.model_fields))
                problems.append(f"unknown option {where!r} (known: {known})")
            elif where == "project":
                problems.append(
                    "set 'project' to the project's gid, the digits in its URL "
                    '(e.g. project = "1207139462811000")'
                )
            else:
                problems.append(f"option {where!r}: {error['msg']}")
        raise ConfigError("asana connector: " + "; ".join(problems)) from None
