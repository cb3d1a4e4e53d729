"""Card-level facts shared by the item and milestone mappings: keys, dates, labels, state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from clientsync.domain.model import ItemState

from .options import MappingOptions
from .wire import WireBoard, WireCard, WireCustomField, WireLabel, WireList


@dataclass(frozen=True)
class BoardMeta:
    """What maps a card besides the card itself: the board, its lists, labels and fields."""

    board: WireBoard
    lists: Mapping[str, WireList]
    labels: Mapping[str, WireLabel] = field(default_factory=dict)
    fields: Mapping[str, WireCustomField] = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        board: Any,
        lists: Iterable[Any],
        labels: Iterable[Any] = (),
        fields: Iterable[Any] = (),
    ) -> BoardMeta:
        """Validate the board-level payloads; a malformed one is a fatal read error."""
        parsed_lists = [WireList.model_validate(x) for x in lists]
        parsed_labels = [WireLabel.model_validate(x) for x in labels]
        parsed_fields = [WireCustomField.model_validate(x) for x in fields]
        return cls(
            board=WireBoard.model_validate(board),
            lists={x.id: x for x in parsed_lists},
            labels={x.id: x for x in parsed_labels},
            fields={x.id: x for x in parsed_fields},
        )


def card_key(options: MappingOptions, id_short: Any) -> str:
    return f"{options.key_prefix}{id_short}"


def local_date(value: datetime | None, options: MappingOptions) -> date | None:
    """A Trello instant as a calendar date in the project's time zone."""
    return value.astimezone(options.zone).date() if value is not None else None


def card_labels(card: WireCard, meta: BoardMeta) -> list[WireLabel]:
    if card.labels is not None:
        return list(card.labels)
    return [meta.labels[i] for i in card.idLabels if i in meta.labels]


def has_label(card: WireCard, meta: BoardMeta, name: str) -> bool:
    wanted = name.casefold()
    return any((label.name or "").casefold() == wanted for label in card_labels(card, meta))


def is_milestone_card(card: WireCard, meta: BoardMeta, options: MappingOptions) -> bool:
    if options.milestones in ("label", "checklist"):
        return has_label(card, meta, options.milestone_label)
    if options.milestones == "list":
        wanted = options.milestone_list.casefold()
        board_list = meta.lists.get(card.idList)
        return board_list is not None and board_list.name.casefold() == wanted
    return False


def is_archived(card: WireCard, meta: BoardMeta) -> bool:
    board_list = meta.lists.get(card.idList)
    return card.closed or (board_list is not None and board_list.closed)


def card_state(card: WireCard, meta: BoardMeta, options: MappingOptions) -> ItemState:
    """Done by list name or `dueComplete`; archived as configured; else the list decides."""
    list_name = meta.lists[card.idList].name if card.idList in meta.lists else ""
    if card.dueComplete or options.matches_done(list_name):
        return ItemState.DONE
    if is_archived(card, meta):
        return ItemState(options.archived_as)
    if options.matches_in_progress(list_name):
        return ItemState.IN_PROGRESS
    return ItemState.TODO
