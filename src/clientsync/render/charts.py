"""The report's charts as inline SVG, drawn with matplotlib's SVG backend.

matplotlib is the optional `charts` extra, imported only when a chart is drawn; without
it `render_charts` returns None and the report says so. The figures use the object API
(no pyplot global state) and fixed SVG settings, so the same report gives the same bytes.
Everything is derived from the Report alone: the charts show what the report says.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from clientsync.domain.report import Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHARTS_UNAVAILABLE = "Charts are unavailable: install clientsync[charts]"

# Colours chosen to stay distinguishable in greyscale print, too.
_BASELINE = "#8c8c8c"
_CURRENT = "#1f4e79"
_RANGE = "#6fa8dc"
_DONE = "#38761d"
_TODAY = "#cc0000"

_XML_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID_REFERENCE = re.compile(r"""(\bid="|url\(#|href="#)([^"()]+)""")


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    description: str
    """One sentence on how to read it, printed under the chart."""
    svg: str = ""
    empty_note: str = ""
    """Why there is nothing to draw (then `svg` is empty)."""


def render_charts(report: Report) -> tuple[Chart, ...] | None:
    """The timeline, burn-up and scope charts of `report`; None without matplotlib."""
    try:
        import matplotlib  # noqa: F401  (only probing that the extra is installed)
    except ImportError:
        return None
    return tuple(
        _chart(report, name, title, description, draw) for name, title, description, draw in _CHARTS
    )


_Draw = Callable[["Axes", Report], str]
"""Draws on the axes; returns a note when there is nothing to draw, else ''."""


def _chart(report: Report, name: str, title: str, description: str, draw: _Draw) -> Chart:
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(
        {
            "svg.hashsalt": f"clientsync-{name}",  # stable ids, distinct per chart on one page
            "svg.fonttype": "none",  # text stays text: no embedded glyphs, selectable, printable
            "text.parse_math": False,  # a '$' in a tracker title is a dollar, not TeX
            "font.size": 9,
            "font.family": "sans-serif",
            "date.epoch": "1970-01-01T00:00:00",  # what _x counts from
        }
    ):
        figure = Figure(figsize=(7.5, 3.2), layout="constrained")
        axes = figure.add_subplot()
        note = draw(axes, report)
        if note:
            return Chart(name, title, description, empty_note=note)
        return Chart(name, title, description, svg=_svg(figure, name, title))


def _svg(figure: Figure, name: str, title: str) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    FigureCanvasSVG(figure).print_svg(  # type: ignore[no-untyped-call]
        buffer, metadata={"Date": None, "Title": title}
    )
    text = _METADATA.sub("", _XML_PROLOGUE.sub("", buffer.getvalue()))
    # matplotlib numbers ids per figure (figure_1, axes_1...): prefixed, several charts
    # share one HTML page without duplicate ids.
    text = _ID_REFERENCE.sub(lambda m: f"{m[1]}{name}-{m[2]}", text)
    return text.strip() + "\n"


def _timeline(axes: Axes, report: Report) -> str:
    milestones = report.status.milestones
    if not milestones:
        return "No milestones."
    baseline_due = {m.milestone: m.baseline_due for m in report.drift.milestones}
    rows = list(range(len(milestones)))[::-1]
    labelled: set[str] = set()

    def once(label: str) -> str:
        if label in labelled:
            return "_nolegend_"
        labelled.add(label)
        return label

    for row, m in zip(rows, milestones, strict=True):
        forecast = m.forecast
        if forecast is not None and forecast.p50 is not None and not m.completed:
            p85 = forecast.p85 or forecast.p50
            axes.plot(
                [_x(forecast.p50), _x(p85)],
                [row, row],
                color=_RANGE,
                linewidth=7,
                solid_capstyle="butt",
                label=once("Forecast P50–P85"),
            )
        agreed = baseline_due.get(m.id)
        if agreed is not None:
            axes.plot(
                [_x(agreed)], [row], "D", mfc="white", mec=_BASELINE, label=once("Agreed due date")
            )
        if m.due is not None:
            axes.plot([_x(m.due)], [row], "D", color=_CURRENT, label=once("Current due date"))
    axes.axvline(_x(report.status.as_of), color=_TODAY, linestyle="--", linewidth=1, label="Today")
    axes.set_yticks(rows, [_short(m.name) + (" ✓" if m.completed else "") for m in milestones])
    axes.set_ylim(-0.7, len(milestones) - 0.3)
    _date_axis(axes)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=4, frameon=False)
    return ""


def _burnup(axes: Axes, report: Report) -> str:
    """Items done against total scope, with where the forecast puts each milestone's end.

    The report holds no completion history, so the past is one point (done today); the
    future is the cumulative scope of the milestones in delivery order, reached at each
    milestone's P50 (optimistic edge) and P85 (cautious edge).
    """
    milestones = report.status.milestones
    if not milestones:
        return "No milestones."
    today = report.status.as_of
    done = sum(m.done for m in milestones)
    total = sum(m.total for m in milestones)
    p50: list[tuple[date, int]] = [(today, done)]
    p85: list[tuple[date, int]] = [(today, done)]
    cumulative = 0
    for m in milestones:
        cumulative += m.total
        forecast = m.forecast
        if m.completed or forecast is None or forecast.p50 is None:
            continue
        p50.append((max(forecast.p50, p50[-1][0]), max(done, cumulative)))
        p85.append((max(forecast.p85 or forecast.p50, p85[-1][0]), max(done, cumulative)))
    end = max(p85[-1][0], p50[-1][0], today + timedelta(days=14))
    axes.axhline(total, color=_CURRENT, linewidth=1.5, label=f"Scope now ({total} items)")
    if len(p50) > 1:
        band = [*p50, *reversed(p85)]
        axes.fill(
            [_x(d) for d, _ in band], [n for _, n in band], color=_RANGE, alpha=0.25, linewidth=0
        )
        axes.plot(
            [_x(d) for d, _ in p50], [n for _, n in p50], ".-", color=_RANGE, label="Forecast P50"
        )
        axes.plot(
            [_x(d) for d, _ in p85], [n for _, n in p85], ".--", color=_RANGE, label="Forecast P85"
        )
    axes.plot([_x(today)], [done], "o", color=_DONE, label=f"Done today ({done} items)")
    axes.axvline(_x(today), color=_TODAY, linestyle="--", linewidth=1, label="Today")
    axes.set_xlim(_x(today - timedelta(days=7)), _x(end + timedelta(days=7)))
    axes.set_ylim(0, max(total, 1) * 1.12)
    axes.set_ylabel("Items")
    _date_axis(axes)
    axes.legend(loc="lower right", frameon=False)
    return ""


def _scope(axes: Axes, report: Report) -> str:
    drift = report.drift
    if drift.baseline_id is None:
        return "No baseline has been agreed yet, so there is nothing to compare the scope with."
    totals = {m.id: m.total for m in report.status.milestones}
    rows = [
        (d.name, d.items_removed + totals[d.milestone] - d.items_added, totals[d.milestone])
        for d in drift.milestones
        if d.milestone in totals
    ]
    if not rows:
        return "No milestone is in both the baseline and the current plan."
    positions = list(range(len(rows)))
    width = 0.38
    agreed = axes.bar(
        [p - width / 2 for p in positions],
        [a for _, a, _ in rows],
        width,
        color=_BASELINE,
        label="Agreed baseline",
    )
    now = axes.bar(
        [p + width / 2 for p in positions],
        [n for _, _, n in rows],
        width,
        color=_CURRENT,
        label="Now",
    )
    axes.bar_label(agreed, padding=2)
    axes.bar_label(now, padding=2)
    axes.set_xticks(positions, [_wrapped(name) for name, _, _ in rows])
    axes.set_ylabel("Items")
    axes.set_ylim(0, max(max(a, n) for _, a, n in rows) * 1.2 + 1)
    axes.legend(loc="upper left", frameon=False)
    return ""


_CHARTS: tuple[tuple[str, str, str, _Draw], ...] = (
    (
        "timeline",
        "Milestones: agreed date, current date and forecast",
        "Each row is a milestone: the hollow diamond is the date agreed in the baseline, "
        "the filled one the current due date, and the bar the forecast range from 50% to "
        "85% likely.",
        _timeline,
    ),
    (
        "burnup",
        "Burn-up with the forecast range",
        "Items done today against the total scope; the lines run to the dates by which each "
        "milestone's work is 50% and 85% likely to be done, milestones in delivery order.",
        _burnup,
    ),
    (
        "scope",
        "Scope now against the agreed baseline",
        "Items per milestone when the baseline was agreed and now; the difference is work "
        "added or removed since.",
        _scope,
    ),
)


def _date_axis(axes: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formatter = ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(formatter)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def _short(name: str, limit: int = 28) -> str:
    flat = " ".join(name.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _wrapped(name: str) -> str:
    return "\n".join(textwrap.wrap(_short(name), 14, break_on_hyphens=False)) or " "


_EPOCH = date(1970, 1, 1)


def _x(day: date) -> float:
    """A day as matplotlib's date number (days since the epoch set in the rc context)."""
    return float((day - _EPOCH).days)
