"""Renderers by format name: a Report in, text out.

Looked up by name at send time, so a format whose renderer is not installed (or not
written yet) fails with an error naming the formats that work, not at import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Any

from clientsync.domain.report import Report
from clientsync.errors import ConfigError

Renderer = Callable[[Report, "date | None"], str]

# format -> (module, function). Every function takes (report, *, next_update=...) except
# markdown, which takes the report alone.
_RENDERERS: dict[str, tuple[str, str]] = {
    "md": ("clientsync.render.markdown", "render_markdown"),
    "html": ("clientsync.render.html", "render_html"),
    "txt": ("clientsync.render.text", "render_text"),
    "adf": ("clientsync.render.adf", "render_adf_json"),
    "asana": ("clientsync.render.text", "render_asana_status"),
}
FORMATS = ("md", "json", *sorted(set(_RENDERERS) - {"md"}))
_BY_SUFFIX = {".md": "md", ".json": "json", ".html": "html", ".htm": "html", ".txt": "txt"}


def format_for_path(suffix: str) -> str:
    """The format a file's extension asks for; Markdown when it says nothing."""
    return _BY_SUFFIX.get(suffix.lower(), "md")


def renderer(name: str) -> Renderer:
    """The renderer for format `name`, or a ConfigError saying which formats work."""
    if name == "json":
        return lambda report, next_update: report.to_json()
    target = _RENDERERS.get(name)
    if target is None:
        raise ConfigError(f"unknown format {name!r}; use one of: {', '.join(FORMATS)}")
    function = _load(*target)
    if function is None:
        working = ", ".join(f for f in FORMATS if available(f))
        raise ConfigError(
            f"the {name!r} renderer is not available in this installation; use one of: {working}"
        )
    if name == "md":
        return lambda report, next_update: str(function(report))
    if name == "asana":
        # An Asana status update is a title and a text; as one body, the title leads.
        def asana(report: Report, next_update: date | None) -> str:
            status = function(report, next_update=next_update)
            return f"{status.title}\n\n{status.text}"

        return asana
    return lambda report, next_update: str(function(report, next_update=next_update))


def available(name: str) -> bool:
    if name == "json":
        return True
    target = _RENDERERS.get(name)
    return target is not None and _load(*target) is not None


def render(name: str, report: Report, *, next_update: date | None = None) -> str:
    return renderer(name)(report, next_update)


def _load(module_name: str, function_name: str) -> Callable[..., Any] | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    function = getattr(module, function_name, None)
    return function if callable(function) else None
