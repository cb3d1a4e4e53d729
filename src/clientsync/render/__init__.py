"""Renderers: a Report in, text out. Pure; everything from a tracker is escaped."""

from .adf import render_adf, render_adf_json
from .charts import CHARTS_UNAVAILABLE, Chart, render_charts
from .email import EmailBody, render_email
from .html import render_html
from .markdown import render_markdown
from .text import AsanaStatus, render_asana_status, render_text

__all__ = [
    "CHARTS_UNAVAILABLE",
    "AsanaStatus",
    "Chart",
    "EmailBody",
    "render_adf",
    "render_adf_json",
    "render_asana_status",
    "render_charts",
    "render_email",
    "render_html",
    "render_markdown",
    "render_text",
]
