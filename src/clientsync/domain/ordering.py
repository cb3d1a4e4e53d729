"""Orderings shared by the views, so every list reads the same way in every report."""

from __future__ import annotations

import re

NaturalKey = tuple[tuple[tuple[int, str], ...], str]


def natural_key(key: str) -> NaturalKey:
    """Sort key for item keys in human order: PROJ-2 before PROJ-10."""
    # re.split with a group alternates text (even) and digits (odd), so parts compare alike.
    parts = re.split(r"(\d+)", key)
    return tuple((int(p), "") if n % 2 else (0, p) for n, p in enumerate(parts)), key
