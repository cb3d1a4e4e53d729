"""Renderers by format name, with a clear error for one that is not there."""

from __future__ import annotations

import json

import pytest

from clientsync.errors import ConfigError
from clientsync.publish import formats
from clientsync.services import ReportRequest, make_report

from .workspace import Workspace


def test_markdown_and_json_always_render(workspace: Workspace) -> None:
    report = make_report(
        workspace.config, workspace.store, ReportRequest(as_of=workspace.clock.now()), save=False
    )
    assert formats.render("md", report).startswith("# Portal")
    assert json.loads(formats.render("json", report))["project"]["name"] == "Portal"
    assert formats.available("md") and formats.available("json")


def test_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown format 'pdf'.*md, json"):
        formats.renderer("pdf")


def test_a_format_whose_renderer_is_missing_fails_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(formats._RENDERERS, "html", ("clientsync.render.nowhere", "render_html"))
    assert not formats.available("html")
    with pytest.raises(ConfigError, match=r"'html' renderer is not available.*md, json"):
        formats.renderer("html")


def test_the_format_follows_a_file_extension() -> None:
    assert formats.format_for_path(".JSON") == "json"
    assert formats.format_for_path(".html") == "html"
    assert formats.format_for_path("") == "md"
