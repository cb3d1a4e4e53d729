"""The Jira ADF document: valid structure, tracker text only ever in plain text nodes."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.model import ItemState
from clientsync.domain.visibility import DetailLevel
from clientsync.render import render_adf, render_adf_json

from .builders import IMG, SCRIPT, done, hostile_report, item, report_of

# Which children each node type may hold (the subset of the ADF schema we emit).
BLOCKS = {"paragraph", "heading", "bulletList", "orderedList", "table", "rule"}
CHILDREN: dict[str, set[str]] = {
    "doc": BLOCKS,
    "paragraph": {"text"},
    "heading": {"text"},
    "bulletList": {"listItem"},
    "orderedList": {"listItem"},
    "listItem": {"paragraph", "bulletList", "orderedList"},
    "table": {"tableRow"},
    "tableRow": {"tableHeader", "tableCell"},
    "tableHeader": {"paragraph"},
    "tableCell": {"paragraph"},
}
MARKS = {"strong", "em", "link"}


def text_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    if node["type"] == "text":
        return [node]
    return [t for child in node.get("content", []) for t in text_nodes(child)]


def check(node: dict[str, Any]) -> None:
    kind = node["type"]
    if kind == "text":
        assert isinstance(node["text"], str)
        assert node["text"], "ADF forbids empty text nodes"
        assert set(node) <= {"type", "text", "marks"}
        for mark in node.get("marks", []):
            assert mark["type"] in MARKS
            if mark["type"] == "link":
                assert mark["attrs"]["href"].startswith("https://")
        return
    if kind == "rule":
        assert "content" not in node
        return
    if kind == "heading":
        assert node["attrs"]["level"] in range(1, 7)
    children = node["content"]
    if kind in {"bulletList", "orderedList", "listItem", "table", "tableRow", "doc"}:
        assert children, f"{kind} needs content"
    if kind in {"tableHeader", "tableCell", "listItem"}:
        assert children[0]["type"] == "paragraph"
    for child in children:
        assert child["type"] in CHILDREN[kind], f"{child['type']} inside {kind}"
        check(child)


def test_the_document_is_valid_adf() -> None:
    document = render_adf(hostile_report(), next_update=date(2026, 12, 4))
    assert document["version"] == 1
    assert document["type"] == "doc"
    check(document)
    kinds = {n["type"] for n in document["content"]}
    assert {"heading", "paragraph", "bulletList", "table", "orderedList", "rule"} <= kinds


def test_markup_stays_a_plain_text_node() -> None:
    texts = [n["text"] for n in text_nodes(render_adf(hostile_report()))]
    assert any(SCRIPT in t for t in texts)
    assert any(IMG in t for t in texts)
    assert f" {SCRIPT}" in texts  # P-10's title, after its key: a text node of its own


def test_only_http_item_urls_become_links() -> None:
    nodes = text_nodes(render_adf(hostile_report()))
    links = [m["attrs"]["href"] for n in nodes for m in n.get("marks", []) if m["type"] == "link"]
    assert links
    assert all(h.startswith("https://tracker.example/browse/") for h in links)
    assert "javascript:" not in json.dumps(nodes)


def test_sign_off_and_next_update_are_said() -> None:
    texts = [
        n["text"] for n in text_nodes(render_adf(hostile_report(), next_update=date(2026, 12, 4)))
    ]
    assert "Awaiting your sign-off" in texts
    assert "The next update is due on 2026-12-04." in texts


def test_executive_level_shows_less() -> None:
    headings = [
        n["content"][0]["text"]
        for n in render_adf(hostile_report(DetailLevel.EXECUTIVE))["content"]
        if n["type"] == "heading"
    ]
    assert "Milestones" in headings
    assert "In progress" not in headings
    assert "Open requests" not in headings


def test_json_form_is_deterministic_and_parses_back() -> None:
    report = hostile_report()
    first = render_adf_json(report)
    assert first == render_adf_json(report)
    assert json.loads(first) == render_adf(report)


tracker_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(["", " ", "\n\t", SCRIPT, IMG, "&amp; <b>"])


@settings(max_examples=30, deadline=None)
@given(title=tracker_text, milestone=tracker_text, reason=tracker_text)
def test_any_tracker_text_gives_a_valid_document(title: str, milestone: str, reason: str) -> None:
    items = [
        done(1, 3, title=title),
        item(2, title=title, state=ItemState.IN_PROGRESS, blocked=True, blocked_reason=reason),
        item(3, title=reason, client_request=True),
    ]
    report = report_of(items, baseline_items=items[:1], milestone_name=milestone)
    check(render_adf(report, next_update=date(2026, 12, 4)))
