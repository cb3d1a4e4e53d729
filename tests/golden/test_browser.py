"""The example HTML report in headless Chromium (Debian's `chromium`, which `.ci/run`
installs): it loads with no console error and no request beyond the file itself, every
chart the report drew is laid out at a real size and has ink on the screenshot, and the
screenshot is kept as a CI artifact in `.ci/out/`.

Chromium is driven through the DevTools protocol over a pipe (`devtools.py`): no port,
no extra dependency. Skipped, saying why, where Chromium or the charts extra is missing.
"""

from __future__ import annotations

import base64
import io
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from clientsync.demo import run_demo
from clientsync.domain.report import Report
from clientsync.render import render_charts, render_html
from clientsync.services import example_dir

from .devtools import Browser

ARTIFACTS = Path(__file__).parents[2] / ".ci" / "out"  # what CI keeps
WIDTH, HEIGHT = 1200, 900

# Where each inline SVG is on the page (document coordinates), how it is styled, and how
# many of its shapes the layout gave a size.
LAYOUT = """
(() => {
  const svgs = [...document.querySelectorAll('svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    const style = getComputedStyle(svg);
    const shapes = [...svg.querySelectorAll('path, line, rect, polygon, polyline, text, use')]
      .filter(shape => {
        const b = shape.getBoundingClientRect();
        return b.width > 0 || b.height > 0;
      }).length;
    return {
      figure: svg.closest('figure.chart') ? svg.closest('figure.chart').id : null,
      x: box.left + window.scrollX, y: box.top + window.scrollY,
      width: box.width, height: box.height,
      display: style.display, visibility: style.visibility, opacity: Number(style.opacity),
      shapes,
    };
  });
  return {
    svgs,
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  };
})()
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(example_dir(), out, progress=lambda _: None).reports["client"]


@pytest.fixture
def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip(
            "chromium is not on PATH: the browser test runs where .ci/run installs Debian's "
            "chromium package (apt-get install chromium)"
        )
    return browser


@pytest.fixture
def browser(chromium: str, tmp_path: Path) -> Iterator[Browser]:
    with Browser(chromium, tmp_path / "profile") as opened:
        yield opened


def open_page(browser: Browser, url: str) -> str:
    """A new tab showing `url`, loaded; returns its DevTools session id."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Runtime", "Log", "Network", "Page"):
        browser.send(f"{domain}.enable", sessionId=session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        sessionId=session,
    )
    browser.send("Page.navigate", {"url": url}, sessionId=session)
    browser.wait_for("Page.loadEventFired", session)
    return session


def problems(browser: Browser, session: str, page_url: str) -> list[str]:
    """Console errors, uncaught exceptions, failed loads and requests leaving the file."""
    found = []
    for event in browser.events:
        if event.get("sessionId") != session:
            continue
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(f"log: {params['entry'].get('text')} ({params['entry'].get('url')})")
        elif method == "Network.loadingFailed":
            found.append(f"failed load: {params.get('errorText')}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url != page_url and not url.startswith("data:"):
                found.append(f"request beyond the file: {url}")
    return found


def evaluate(browser: Browser, session: str, expression: str) -> Any:
    result = browser.send(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}, sessionId=session
    )
    assert "exceptionDetails" not in result, result["exceptionDetails"]
    return result["result"]["value"]


def screenshot(browser: Browser, session: str, width: int, height: int) -> bytes:
    """The whole page, not just the viewport, at one device pixel per CSS pixel."""
    shot = browser.send(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
        sessionId=session,
    )
    return base64.b64decode(shot["data"])


def ink(png: bytes, box: dict[str, float]) -> tuple[float, int]:
    """In `box` of the screenshot: the share of pixels that are not white, and how many
    colours there are (a blank or one-colour region is not a drawn chart)."""
    image_module = pytest.importorskip("PIL.Image", reason="Pillow comes with matplotlib")
    with image_module.open(io.BytesIO(png)) as image:
        region = image.convert("RGB").crop(
            (
                round(box["x"]),
                round(box["y"]),
                round(box["x"] + box["width"]),
                round(box["y"] + box["height"]),
            )
        )
        pixels = np.asarray(region).reshape(-1, 3)
    inked = float((pixels != 255).any(axis=1).mean())
    return inked, len(np.unique(pixels, axis=0))


def test_the_report_renders_with_every_chart_visible_and_no_console_error(
    report: Report, browser: Browser, tmp_path: Path
) -> None:
    drawn = render_charts(report)
    if drawn is None:
        pytest.skip("matplotlib is not installed: the report has no charts to look at")
    expected = [f"chart-{c.name}" for c in drawn if c.svg]
    assert expected, "the example report draws charts"
    page = tmp_path / "client-report.html"
    page.write_text(render_html(report, next_update=report.status.as_of + timedelta(days=7)))
    url = page.resolve().as_uri()

    session = open_page(browser, url)
    layout = evaluate(browser, session, LAYOUT)
    png = screenshot(browser, session, layout["width"], layout["height"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "client-report.png").write_bytes(png)

    assert problems(browser, session, url) == []
    # Every inline SVG is one of the charts the report drew, and each is there once.
    assert [svg["figure"] for svg in layout["svgs"]] == expected
    for svg in layout["svgs"]:
        where = svg["figure"]
        assert svg["width"] >= 300 and svg["height"] >= 100, (where, svg)
        assert svg["x"] + svg["width"] <= layout["width"], (where, "cut off at the right")
        assert svg["display"] != "none" and svg["visibility"] == "visible", (where, svg)
        assert svg["opacity"] == 1, (where, svg)
        assert svg["shapes"] >= 20, (where, "hardly anything in it was laid out")
        share, colours = ink(png, svg)
        assert share >= 0.02, (where, f"only {share:.1%} of the chart has ink")
        assert colours >= 8, (where, f"{colours} colours: blank or a flat box")


def test_the_checks_would_catch_a_blank_chart_and_a_console_error(
    report: Report, browser: Browser, tmp_path: Path
) -> None:
    # Hidden shapes keep their layout boxes: only the pixels show the chart is not drawn.
    sabotage = (
        "<style>figure.chart svg * { visibility: hidden; }</style>"
        "<script>console.error('boom')</script></head>"
    )
    page = tmp_path / "blank-charts.html"
    page.write_text(render_html(report).replace("</head>", sabotage, 1))
    url = page.resolve().as_uri()
    session = open_page(browser, url)
    layout = evaluate(browser, session, LAYOUT)
    png = screenshot(browser, session, layout["width"], layout["height"])
    assert any("console.error" in p and "boom" in p for p in problems(browser, session, url))
    assert layout["svgs"], "the charts are still on the page"
    for svg in layout["svgs"]:
        assert svg["shapes"] >= 20
        share, colours = ink(png, svg)
        assert share < 0.02 and colours < 8, (svg["figure"], share, colours)
    image_module = pytest.importorskip("PIL.Image", reason="Pillow comes with matplotlib")
    with image_module.open(io.BytesIO(png)) as image:
        assert image.size == (layout["width"], layout["height"])  # the whole page
    assert layout["height"] > HEIGHT  # longer than the window: captured beyond it
