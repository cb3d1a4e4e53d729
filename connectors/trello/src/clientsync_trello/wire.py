# Field names are Trello's own JSON keys, hence mixedCase.
# ruff: noqa: N815
"""Trello's JSON, as pydantic models that keep what clientsync maps and ignore the rest.

They stay inside the connector: the domain never sees a Trello shape. Dates arrive as
ISO-8601 UTC with milliseconds and `Z`; custom-field numbers and booleans arrive as strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

# Actions that change how cards no action names map: only a full read can follow them.
STRUCTURAL_ACTIONS = frozenset(
    {
        "updateList",
        "moveListFromBoard",
        "moveListToBoard",
        "updateCustomField",
        "deleteCustomField",
        "updateLabel",
        "deleteLabel",
    }
)
# Actions after which the card is no longer on the board.
REMOVING_ACTIONS = frozenset({"deleteCard", "moveCardFromBoard"})


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


class WireBoard(Wire):
    id: str
    name: str = ""
    url: str | None = None
    shortLink: str | None = None
    closed: bool = False


class WireList(Wire):
    id: str
    name: str = ""
    closed: bool = False
    pos: float = 0.0


class WireLabel(Wire):
    id: str
    name: str | None = ""
    color: str | None = None

    @property
    def display(self) -> str:
        """The label's name, or its colour when it has none (Trello shows the colour)."""
        return self.name or self.color or ""


class WireOption(Wire):
    id: str
    value: dict[str, str] = Field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.value.get("text", "")


class WireCustomField(Wire):
    id: str
    name: str = ""
    type: str = "text"
    options: tuple[WireOption, ...] = ()


class WireCustomFieldItem(Wire):
    idCustomField: str
    value: dict[str, str] | None = None
    idValue: str | None = None


class WireCheckItem(Wire):
    id: str
    name: str = ""
    state: str = "incomplete"
    due: AwareDatetime | None = None
    pos: float = 0.0
    idMember: str | None = None


class WireChecklist(Wire):
    id: str
    name: str = ""
    idCard: str | None = None
    pos: float = 0.0
    checkItems: tuple[WireCheckItem, ...] = ()


class WireMember(Wire):
    id: str
    fullName: str | None = None
    username: str | None = None


class WireCard(Wire):
    id: str = Field(pattern=r"^[0-9a-fA-F]{24}$")
    name: str
    idShort: int
    idList: str
    closed: bool = False
    desc: str = ""
    due: AwareDatetime | None = None
    start: AwareDatetime | None = None
    dueComplete: bool = False
    dateLastActivity: AwareDatetime | None = None
    url: str | None = None
    shortUrl: str | None = None
    shortLink: str | None = None
    idLabels: tuple[str, ...] = ()
    labels: tuple[WireLabel, ...] | None = None
    idMembers: tuple[str, ...] = ()
    members: tuple[WireMember, ...] | None = None
    checklists: tuple[WireChecklist, ...] | None = None
    customFieldItems: tuple[WireCustomFieldItem, ...] = ()

    @property
    def created(self) -> datetime:
        """Trello has no creation date: the first 8 hex digits of the id are unix seconds."""
        return datetime.fromtimestamp(int(self.id[:8], 16), tz=UTC)


class WireAction(Wire):
    id: str
    type: str
    date: AwareDatetime
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def card(self) -> dict[str, Any]:
        card = self.data.get("card")
        return card if isinstance(card, dict) else {}

    @property
    def card_id(self) -> str | None:
        ident = self.card.get("id")
        return ident if isinstance(ident, str) else None

    @property
    def old(self) -> dict[str, Any]:
        old = self.data.get("old")
        return old if isinstance(old, dict) else {}


class WireWebhook(Wire):
    id: str
    idModel: str
    callbackURL: str
    description: str = ""
    active: bool = True


def parse_actions(raw: Iterable[Any]) -> list[WireAction]:
    """Valid actions only: one Trello could not describe is no reason to fail a read."""
    actions = []
    for entry in raw:
        try:
            actions.append(WireAction.model_validate(entry))
        except ValidationError:
            continue
    return actions
