"""How a config problem is located and worded: `sources[0].api_token`, problem, fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic_core import PydanticCustomError

ISSUE_TYPE = "clientsync_config"
"""The pydantic error type of problems our validators word themselves (see `issue`)."""

Loc = Sequence[str | int]


def format_loc(loc: Loc) -> str:
    """`("sources", 0, "api_token")` -> `sources[0].api_token`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def join_where(base: str, relative: str) -> str:
    if not relative:
        return base
    if not base:
        return relative
    return base + relative if relative.startswith("[") else f"{base}.{relative}"


def table_header(loc: Loc) -> str:
    """The TOML header of the table at `loc`: `("audiences", 0, "x")` -> `[audiences.x]`."""
    return "[" + ".".join(str(p) for p in loc if isinstance(p, str)) + "]"


def issue(problem: str, fix: str, *, path: Loc = ()) -> PydanticCustomError:
    """A validation error that carries its own wording.

    `path` is relative to where pydantic reports the error, so a model-level check can
    point at one entry of a list (`sources[1].name`).
    """
    return PydanticCustomError(
        ISSUE_TYPE,
        "{problem}; {fix}",
        {"problem": problem, "fix": fix, "path": format_loc(path)},
    )


def suggest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def quoted_list(values: Iterable[Any]) -> str:
    return ", ".join(repr(str(v)) for v in values)
