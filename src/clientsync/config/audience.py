"""[[audiences]]: the communication plan's lines, validated (the plan itself runs elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import parseaddr
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, field_validator, model_validator

from clientsync.domain.status import Rag
from clientsync.domain.visibility import DetailLevel

from .issues import issue, quoted_list
from .tables import ConfigModel, OptionsTable


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    ON_CHANGE = "on-change"

    @property
    def has_weekday(self) -> bool:
        return self in (Cadence.WEEKLY, Cadence.BIWEEKLY)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as in `date.weekday()`."""
        return list(Weekday).index(self)


_DAY_NAMES = {
    name: day.value
    for day, name in zip(
        Weekday,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        strict=True,
    )
}


class ChannelType(StrEnum):
    FILE = "file"
    TRACKER = "tracker"
    EMAIL = "email"
    WEBHOOK = "webhook"


class Section(StrEnum):
    OVERALL = "overall"
    MILESTONES = "milestones"
    DONE = "done"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    OVERDUE = "overdue"
    COMING_UP = "coming_up"
    REQUESTS = "requests"
    DECISIONS = "decisions"
    RISKS = "risks"
    CHANGES = "changes"


class ChannelConfig(OptionsTable):
    """Where an audience's updates go. Keys other than `type` go to the channel."""

    type: ChannelType

    @model_validator(mode="after")
    def _options_hold_no_secret(self) -> Self:
        self._check_options(self.type.value)
        return self


def _check_contact(value: str) -> str:
    if not value.strip():
        raise issue("a contact must not be empty", "write a name or an email address")
    if "@" in value:
        _, address = parseaddr(value)
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise issue(
                f"{value!r} is not a valid email address",
                'write it as "name@example.com" or "Name <name@example.com>"',
            )
    return value


class EscalationConfig(ConfigModel):
    """Escalate when the overall status is at `rag` (or worse) `reports` reports running."""

    rag: Rag = Rag.RED
    reports: int = Field(2, ge=1, le=52)
    to: tuple[str, ...] = Field(min_length=1, description="Who hears about the escalation.")

    @field_validator("rag")
    @classmethod
    def _not_green(cls, value: Rag) -> Rag:
        if value is Rag.GREEN:
            raise issue("cannot escalate on green", 'use "amber" or "red"')
        return value

    @field_validator("to")
    @classmethod
    def _contacts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_contact(c) for c in value)


class AudienceConfig(ConfigModel):
    """One line of the communication plan: who, how much detail, how often, where."""

    name: str = Field(min_length=1)
    level: DetailLevel = DetailLevel.CLIENT
    contacts: tuple[str, ...] = ()
    cadence: Cadence = Cadence.WEEKLY
    weekday: Weekday | None = Field(None, description="weekly/biweekly only; default mon.")
    channel: ChannelConfig
    sections: tuple[Section, ...] = tuple(Section)
    escalation: EscalationConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_weekday(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "weekday" not in data:
            cadence = data.get("cadence", Cadence.WEEKLY.value)
            if cadence in (Cadence.WEEKLY.value, Cadence.BIWEEKLY.value):
                return {**data, "weekday": Weekday.MON.value}
        return data

    @field_validator("weekday", mode="before")
    @classmethod
    def _short_weekday(cls, value: Any) -> Any:
        # Accept "Monday" as well as "mon".
        if isinstance(value, str):
            return _DAY_NAMES.get(value.casefold(), value.casefold())
        return value

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_contact(c) for c in value)

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: tuple[Section, ...]) -> tuple[Section, ...]:
        if not value:
            raise issue("no sections", "list at least one, or remove the key to get them all")
        repeated = sorted({s.value for s in value if value.count(s) > 1})
        if repeated:
            raise issue(f"{quoted_list(repeated)} listed more than once", "list each section once")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.cadence.has_weekday and self.weekday is None:
            raise issue(
                f"a {self.cadence.value} cadence needs a weekday",
                'set weekday = "mon" (or tue, wed, thu, fri, sat, sun)',
                path=("weekday",),
            )
        if not self.cadence.has_weekday and self.weekday is not None:
            raise issue(
                f"weekday does not apply to a {self.cadence.value} cadence",
                'remove it, or use cadence = "weekly" or "biweekly"',
                path=("weekday",),
            )
        if self.channel.type is ChannelType.EMAIL:
            if not self.contacts:
                raise issue(
                    "an email channel needs contacts",
                    'add contacts = ["name@example.com"]',
                    path=("contacts",),
                )
            for index, contact in enumerate(self.contacts):
                if "@" not in contact:
                    raise issue(
                        "an email channel needs an email address for every contact",
                        'write it as "Name <name@example.com>"',
                        path=("contacts", index),
                    )
        return self
