"""The HTML report: inert tracker text, no external requests, sections in reading order."""

from __future__ import annotations

import builtins
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.model import ItemState
from clientsync.domain.visibility import DetailLevel
from clientsync.render import CHARTS_UNAVAILABLE, render_charts, render_html

from .builders import IMG, SCRIPT, done, hostile_report, item, report_of

NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def test_markup_in_tracker_text_renders_as_text() -> None:
    html = render_html(hostile_report(), next_update=date(2026, 12, 4))
    assert SCRIPT not in html
    assert IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    tags = {tag for tag, _ in elements(html)}
    assert "script" not in tags
    assert "img" not in tags
    for _, attrs in elements(html):
        assert not any(name.startswith("on") for name in attrs)


def test_only_http_links_to_tracker_items_are_links() -> None:
    html = render_html(hostile_report())
    hrefs = [a["href"] for tag, a in elements(html) if tag == "a"]
    assert hrefs
    assert all(h is not None and h.startswith("https://tracker.example/browse/") for h in hrefs)
    assert "javascript:" not in html


def test_nothing_is_fetched_from_outside_the_file() -> None:
    report = hostile_report()
    html = render_html(report)
    assert 'src="http' not in html
    assert "@import" not in html
    assert "url(http" not in html
    assert "<link" not in html
    assert "<script" not in html
    item_urls = {f"https://tracker.example/browse/P-{n}" for n in range(1, 14)}
    urls = set(re.findall(r"https?://[^\"'\s<>)]+", html))
    assert urls - NAMESPACES <= item_urls
    # Namespaces only as the SVG's xmlns declarations, which are names, not requests.
    for namespace in NAMESPACES:
        assert html.count(namespace) == html.count(f'="{namespace}"')


def test_charts_are_inline_svg_with_unique_ids() -> None:
    html = render_html(hostile_report())
    assert html.count("<svg ") == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for reference in re.findall(r'(?:url\(#|href="#)([^")]+)', html):
        assert reference in ids


def test_the_same_report_renders_to_the_same_bytes() -> None:
    report = hostile_report()
    assert render_html(report).encode() == render_html(report).encode()


def test_sections_come_in_the_order_a_client_reads() -> None:
    html = render_html(hostile_report(), next_update=date(2026, 12, 4))
    order = [
        "Overall:",
        "<h2>Milestones</h2>",
        "<h2>Done since the last report</h2>",
        "<h2>In progress</h2>",
        "<h2>Blocked</h2>",
        "<h2>Coming up</h2>",
        "<h2>Risks</h2>",
        "<h2>Changes to what we agreed</h2>",
        "<h2>Decisions needed from you</h2>",
        "<h2>Open requests</h2>",
        "<h2>Next update</h2>",
    ]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "The next update is due on 2026-12-04." in html
    assert "Awaiting your sign-off" in html


def test_without_a_next_update_date_there_is_no_such_section() -> None:
    assert "Next update" not in render_html(hostile_report())


def test_executive_level_shows_less() -> None:
    executive = render_html(hostile_report(DetailLevel.EXECUTIVE))
    assert "<h2>Milestones</h2>" in executive
    for section in ("In progress", "Blocked", "Open requests", "Done since the last report"):
        assert f"<h2>{section}</h2>" not in executive
    assert "<h2>Decisions needed from you</h2>" in executive


def test_without_matplotlib_the_report_says_charts_are_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    report = hostile_report()
    assert render_charts(report) is None
    html = render_html(report)
    assert CHARTS_UNAVAILABLE in html
    assert "Charts are unavailable: install clientsync[charts]" in html
    assert "<svg" not in html


def test_charts_can_be_left_out() -> None:
    html = render_html(hostile_report(), charts=False)
    assert "<svg" not in html
    assert CHARTS_UNAVAILABLE not in html


def test_without_a_baseline_the_scope_chart_says_why_it_is_empty() -> None:
    report = report_of([done(1, 3), item(2)])
    charts = render_charts(report)
    assert charts is not None
    scope = next(c for c in charts if c.name == "scope")
    assert scope.svg == ""
    assert "No baseline" in scope.empty_note
    assert "No baseline has been agreed yet" in render_html(report)
    assert "<h2>Changes to what we agreed</h2>" not in render_html(report)


def test_chart_text_is_escaped_and_dollars_are_not_tex() -> None:
    report = report_of(
        [done(1, 3), item(2)], baseline_items=[done(1, 3)], milestone_name=f"Costs $5 {SCRIPT}"
    )
    charts = render_charts(report)
    assert charts is not None
    svg = "".join(c.svg for c in charts)
    assert "<script" not in svg
    assert "Costs $5 &lt;script&gt;" in svg


@settings(max_examples=20, deadline=None)
@given(title=st.text(max_size=40) | st.sampled_from([SCRIPT, IMG, "</style><script>x()"]))
def test_any_title_leaves_the_page_structure_alone(title: str) -> None:
    report = report_of(
        [done(1, 3, title=title), item(2, title=title, state=ItemState.IN_PROGRESS)],
        milestone_name=title,
        project_name=title,
    )
    html = render_html(report, charts=False)
    tags = [tag for tag, _ in elements(html)]
    assert "script" not in tags
    assert "img" not in tags
    assert tags.count("style") == 1
