"""Writing a clientsync.toml into a temporary directory and loading it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from clientsync.config import Config, load_config
from clientsync.errors import ConfigError

MINIMAL = """\
[project]
name = "Acme Portal"

[[sources]]
connector = "file"
path = "snapshot.json"
"""

AUDIENCE = """
[[audiences]]
name = "sponsor"
contacts = ["sponsor@client.example"]
channel = { type = "file", path = "reports/sponsor.md" }
"""


def write(directory: Path, text: str) -> Path:
    path = directory / "clientsync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_text(directory: Path, text: str, *, env: Mapping[str, str] | None = None) -> Config:
    return load_config(write(directory, text), env=env)


def error_of(directory: Path, text: str, *, env: Mapping[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_text(directory, text, env=env)
    return str(caught.value)
