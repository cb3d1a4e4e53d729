"""Renderers: a Report in, text out. Pure; everything from a tracker is escaped."""

from .markdown import render_markdown

__all__ = ["render_markdown"]
