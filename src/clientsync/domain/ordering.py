"""Orderings shared by the views, so every list reads the same way in every report."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")
_DIGIT = re.compile(r"\d")
NaturalKey = tuple[tuple[tuple[int, str], ...], str]


def natural_key(key: str) -> NaturalKey:
    """Sort key for item keys in human order: PROJ-2 before PROJ-10."""
    head, dash, tail = key.rpartition("-")
    if dash and tail.isdigit() and _DIGIT.search(head) is None:
        # The common PROJ-12 shape, in the same form the general case gives.
        return ((0, head + dash), (int(tail), ""), (0, "")), key
    # re.split with a group alternates text (even) and digits (odd), so parts compare alike.
    parts = _DIGITS.split(key)
    return tuple((int(p), "") if n % 2 else (0, p) for n, p in enumerate(parts)), key
