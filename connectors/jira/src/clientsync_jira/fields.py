"""The per-site custom fields the mapping reads: story points, sprint, Flagged, start date.

Their ids differ per site, so they are found in `/field` (by schema type, then by name),
unless the options name them (an id or a name) or say "none".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .wire import FieldDetails

__all__ = ["NO_FIELD", "CustomFieldIds", "resolve_custom_fields"]

_STORY_POINT_TYPES = ("com.pyxis.greenhopper.jira:jsw-story-points",)
_STORY_POINT_NAMES = ("story point estimate", "story points")
_SPRINT_TYPES = ("com.pyxis.greenhopper.jira:gh-sprint",)
NO_FIELD = "none"


@dataclass(frozen=True)
class CustomFieldIds:
    """Per-site custom field ids, discovered from `/field` (None: the site has none)."""

    story_points: str | None = None
    sprint: str | None = None
    flagged: str | None = None
    start_date: str | None = None

    def ids(self) -> tuple[str, ...]:
        found = (self.story_points, self.sprint, self.flagged, self.start_date)
        return tuple(f for f in found if f)


def resolve_custom_fields(
    fields: Sequence[Mapping[str, Any]], overrides: Mapping[str, str | None]
) -> CustomFieldIds:
    """Find story points, sprint, Flagged and start date; overrides name an id or a name.

    An override of "none" says the site has no such field. Raises `LookupError` naming an
    override that matches no field on the site.
    """
    details = [FieldDetails.model_validate(f) for f in fields]

    def by_override(option: str, wanted: str) -> str:
        folded = wanted.casefold()
        for f in details:
            if f.id.casefold() == folded or f.name.casefold() == folded:
                return f.id
        for f in details:
            if folded in (c.casefold() for c in f.clause_names):
                return f.id
        raise LookupError(f"{option}: no field named or with id {wanted!r} on this Jira site")

    def find(types: Sequence[str], names: Sequence[str]) -> str | None:
        for f in details:
            if f.custom_type in types:
                return f.id
        for f in details:
            if f.name.casefold() in names:
                return f.id
        return None

    found = {
        "story_points": find(_STORY_POINT_TYPES, _STORY_POINT_NAMES),
        "sprint": find(_SPRINT_TYPES, ("sprint",)),
        "flagged": find((), ("flagged",)),
        "start_date": find((), ("start date",)),
    }
    for name, wanted in overrides.items():
        if wanted:
            none = wanted.casefold() == NO_FIELD
            found[name] = None if none else by_override(f"{name}_field", wanted)
    return CustomFieldIds(**found)
