"""Trello cards, lists, labels and custom fields -> clientsync work items and milestones.

Pure functions of the board's JSON and the mapping options: the live reader and the
export reader share them, so a board maps the same way from either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from clientsync.domain.model import ItemKind, ItemState, Milestone, Visibility, WorkItem
from clientsync.ports import RejectedItem

from .cards import (
    BoardMeta,
    card_key,
    card_labels,
    card_state,
    has_label,
    is_archived,
    is_milestone_card,
    local_date,
)
from .milestones import board_milestones, field_membership, membership
from .options import MappingOptions
from .wire import WireAction, WireCard, WireCustomField, WireCustomFieldItem


@dataclass(frozen=True)
class Mapped:
    items: tuple[WorkItem, ...]
    milestones: tuple[Milestone, ...]
    rejected: tuple[RejectedItem, ...]
    milestone_cards: tuple[str, ...]
    """Ids of the cards milestones come from (label, list, checklist modes)."""


def parse_cards(
    raw_cards: Iterable[Any], source: str, options: MappingOptions
) -> tuple[list[WireCard], list[RejectedItem]]:
    """Validate each card; a malformed one is reported by key and field, never fatal."""
    cards: list[WireCard] = []
    rejected: list[RejectedItem] = []
    for index, raw in enumerate(raw_cards):
        try:
            cards.append(WireCard.model_validate(raw))
        except ValidationError as error:
            short = raw.get("idShort") if isinstance(raw, dict) else None
            key = card_key(options, short) if short is not None else f"cards[{index}]"
            for problem in error.errors():
                where = ".".join(str(p) for p in problem["loc"]) or "(card)"
                rejected.append(RejectedItem(source, key, where, problem["msg"]))
    return cards, rejected


def map_board(
    meta: BoardMeta,
    cards: Sequence[WireCard],
    options: MappingOptions,
    *,
    source: str,
    completions: Mapping[str, datetime] | None = None,
    milestone_context: Sequence[WireCard] = (),
    with_milestones: bool = True,
) -> Mapped:
    """Map `cards` into items, and milestones as the options say.

    `milestone_context` adds milestone-source cards that are not themselves re-sent (an
    incremental read refetches them to place the changed cards). `with_milestones=False`
    leaves out milestones derived from every card (phase completion, option due dates),
    which only a full read can compute.
    """
    completions = completions or {}
    context = {c.id: c for c in milestone_context}
    context.update({c.id: c for c in cards})
    milestone_cards = [c for c in context.values() if is_milestone_card(c, meta, options)]
    milestones = board_milestones(
        meta, list(context.values()), milestone_cards, options, completions
    )
    dated = sorted(
        (m for m in milestones if m.due is not None),
        key=lambda m: (m.due or date.min, m.id),
    )
    items: list[WorkItem] = []
    rejected: list[RejectedItem] = []
    milestone_ids = {c.id for c in milestone_cards}
    for card in cards:
        try:
            items.append(_item(card, meta, options, completions, dated, card.id in milestone_ids))
        except (ValueError, ValidationError) as error:
            name, reason = error.args if len(error.args) == 2 else ("(card)", str(error))
            rejected.append(RejectedItem(source, card_key(options, card.idShort), name, reason))
    if not with_milestones and options.milestones in ("lists", "custom_field"):
        milestones = []
    return Mapped(
        items=tuple(items),
        milestones=tuple(milestones),
        rejected=tuple(rejected),
        milestone_cards=tuple(sorted(milestone_ids)),
    )


# -- items -----------------------------------------------------------------------------


def _field_value(
    item: WireCustomFieldItem, definition: WireCustomField
) -> str | float | bool | None:
    """A custom field's value, typed: numbers and booleans arrive as strings."""
    if item.idValue is not None:
        option = next((o for o in definition.options if o.id == item.idValue), None)
        return option.text if option is not None else None
    value = item.value or {}
    if "number" in value:
        try:
            return float(value["number"])
        except ValueError:
            raise ValueError(
                f"customFieldItems.{definition.name}",
                f"not a number: {value['number']!r}",
            ) from None
    if "checked" in value:
        return value["checked"].strip().lower() == "true"
    if "date" in value:
        return value["date"]
    return value.get("text")


def custom_fields(card: WireCard, meta: BoardMeta) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in card.customFieldItems:
        definition = meta.fields.get(item.idCustomField)
        if definition is not None:
            values[definition.name] = _field_value(item, definition)
    return values


def _estimate(card: WireCard, meta: BoardMeta, options: MappingOptions) -> float | None:
    prefix = options.estimate_field.casefold()
    for item in card.customFieldItems:
        definition = meta.fields.get(item.idCustomField)
        if definition is None or definition.type != "number":
            continue
        if definition.name.casefold().startswith(prefix):
            value = _field_value(item, definition)
            if isinstance(value, float):
                if value < 0:
                    raise ValueError(f"customFieldItems.{definition.name}", "negative estimate")
                return value
    return None


def _assignee(card: WireCard) -> str | None:
    for member in card.members or ():
        if member.fullName or member.username:
            return member.fullName or member.username
    return card.idMembers[0] if card.idMembers else None


def _item(
    card: WireCard,
    meta: BoardMeta,
    options: MappingOptions,
    completions: Mapping[str, datetime],
    dated: Sequence[Milestone],
    is_milestone: bool,
) -> WorkItem:
    state = card_state(card, meta, options)
    labels = [label.display for label in card_labels(card, meta) if label.display]
    board_list = meta.lists.get(card.idList)
    client_request = has_label(card, meta, options.client_request_label)
    due = local_date(card.due, options)
    created = card.created
    updated = max(card.dateLastActivity or created, created)
    completed_at = None
    if state is ItemState.DONE:
        completed_at = completions.get(card.id, updated)
    kind = ItemKind.TASK
    if is_milestone:
        kind = ItemKind.MILESTONE
    elif client_request:
        kind = ItemKind.REQUEST
    return WorkItem(
        id=card.id,
        key=card_key(options, card.idShort),
        title=card.name,
        url=card.url or card.shortUrl,
        kind=kind,
        status=board_list.name if board_list is not None else "",
        state=state,
        blocked=has_label(card, meta, options.blocked_label),
        milestones=(
            field_membership(card, meta, options)
            if options.milestones == "custom_field"
            else membership(card, due, options, dated, is_milestone)
        ),
        due=due,
        start=local_date(card.start, options),
        created=created,
        updated=updated,
        completed_at=completed_at,
        estimate=_estimate(card, meta, options),
        estimate_unit=options.estimate_unit,
        labels=tuple(labels),
        assignee=_assignee(card),
        client_request=client_request,
        visibility=(
            Visibility.INTERNAL
            if has_label(card, meta, options.internal_label)
            else Visibility.CLIENT
        ),
        extra={
            "list": board_list.name if board_list is not None else None,
            "short_link": card.shortLink,
            "archived": is_archived(card, meta),
            "due_complete": card.dueComplete,
            "custom_fields": custom_fields(card, meta),
        },
    )


def completion_times(
    actions: Iterable[WireAction], meta: BoardMeta, options: MappingOptions
) -> dict[str, datetime]:
    """When each card was last completed: marked complete, or moved into a done list."""
    done: dict[str, datetime] = {}
    for action in actions:
        card_id = action.card_id
        if action.type != "updateCard" or card_id is None:
            continue
        completed = (
            action.card.get("dueComplete") is True and action.old.get("dueComplete") is False
        )
        after = action.data.get("listAfter")
        moved_done = isinstance(after, dict) and options.matches_done(str(after.get("name", "")))
        if (completed or moved_done) and (card_id not in done or action.date > done[card_id]):
            done[card_id] = action.date
    return done
