"""How a Trello board maps onto clientsync: every convention configurable, with defaults."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from clientsync.domain.model import EstimateUnit

MilestoneMode = Literal["label", "list", "lists", "custom_field", "checklist"]
# Modes whose milestones come from a few cards: an item is placed by those cards' dates.
CARD_MILESTONE_MODES = frozenset({"label", "list", "checklist"})


class MappingOptions(BaseModel):
    """The mapping conventions of one board. Names match case-insensitively.

    - `done_lists` / `in_progress_lists`: regular expressions searched in list names.
    - `archived_as`: the state of an archived card (or a card in an archived list) that is
      not already done.
    - `milestones`: "label" (cards with `milestone_label` and a due date), "list" (cards in
      `milestone_list`), "lists" (each open list is a phase), "custom_field" (the options
      of the dropdown `milestone_field`), or "checklist" (the checklist items of the cards
      with `milestone_label`). With "label", "list" and "checklist", a card belongs to the
      first milestone due on or after its own due date.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    done_lists: str = r"\b(done|complete|completed|shipped|finished)\b"
    in_progress_lists: str = r"\b(doing|in progress|in review|review|testing)\b"
    archived_as: Literal["cancelled", "done"] = "cancelled"
    milestones: MilestoneMode = "label"
    milestone_label: str = "Milestone"
    milestone_list: str = "Milestones"
    milestone_field: str = "Phase"
    blocked_label: str = "Blocked"
    estimate_field: str = Field("Estimate", description="A number field whose name starts so.")
    estimate_unit: EstimateUnit = EstimateUnit.POINTS
    client_request_label: str = "Client request"
    internal_label: str = "Internal"
    key_prefix: str = "#"
    timezone: str = "UTC"

    @field_validator("done_lists", "in_progress_lists")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def matches_done(self, list_name: str) -> bool:
        return re.search(self.done_lists, list_name, re.IGNORECASE) is not None

    def matches_in_progress(self, list_name: str) -> bool:
        return re.search(self.in_progress_lists, list_name, re.IGNORECASE) is not None
