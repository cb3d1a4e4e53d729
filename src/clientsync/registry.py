"""Connectors by name, from the `clientsync.connectors` entry-point group.

Every connector, the core's own `file` included, registers one line of packaging
metadata, e.g. `jira = "clientsync_jira:JiraConnector"`. Nothing is imported until a
connector is asked for by name, so a missing SDK only matters to the source that needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata
from typing import cast

from clientsync.errors import ConfigError
from clientsync.ports import ConnectorFactory

__all__ = ["GROUP", "available", "load"]

GROUP = "clientsync.connectors"


def _entry_points() -> Iterable[metadata.EntryPoint]:
    """The installed entry points of the group (tests replace this lookup)."""
    return metadata.entry_points(group=GROUP)


def available() -> dict[str, metadata.EntryPoint]:
    """Installed connectors by name, sorted, none of them imported."""
    found = {ep.name: ep for ep in _entry_points()}
    return dict(sorted(found.items()))


def load(name: str) -> ConnectorFactory:
    """Import the connector registered as `name` (only that one) and return its factory."""
    installed = available()
    entry_point = installed.get(name)
    if entry_point is None:
        names = ", ".join(installed) or "none"
        raise ConfigError(
            f"no connector {name!r}; installed: {names}; "
            f"install one with pip install clientsync-{name}"
        )
    try:
        factory = entry_point.load()
    except ImportError as error:
        missing = error.name or str(error)
        raise ConfigError(
            f"connector {name!r} cannot be loaded: module {missing!r} is missing; "
            f"{_install_hint(name, entry_point)}"
        ) from error
    except AttributeError as error:
        raise ConfigError(
            f"connector {name!r} points at {entry_point.value!r}, which does not exist "
            f"({error}); {_install_hint(name, entry_point)}"
        ) from error
    if not callable(getattr(factory, "from_options", None)):
        raise ConfigError(
            f"connector {name!r} ({entry_point.value}) is not a connector factory: "
            "it has no from_options(options, *, env, base_dir); report this to its authors"
        )
    return cast(ConnectorFactory, factory)


def _install_hint(name: str, entry_point: metadata.EntryPoint) -> str:
    if entry_point.value.startswith("clientsync."):
        return "the clientsync installation is broken; reinstall it with pip install clientsync"
    return f"install it (with its SDK) with pip install clientsync-{name}"
