"""Milestones from a board, in the mode the options choose (see `MappingOptions`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from clientsync.domain.model import ItemState, Milestone

from .cards import BoardMeta, card_state, local_date
from .options import MappingOptions
from .wire import WireCard, WireCheckItem, WireChecklist


def board_milestones(
    meta: BoardMeta,
    cards: Sequence[WireCard],
    milestone_cards: Sequence[WireCard],
    options: MappingOptions,
    completions: Mapping[str, datetime],
) -> list[Milestone]:
    if options.milestones in ("label", "list"):
        return [_card_milestone(c, meta, options, completions) for c in milestone_cards]
    if options.milestones == "checklist":
        return [
            _check_milestone(item, options)
            for card in milestone_cards
            for checklist in sorted(card.checklists or (), key=lambda c: c.pos)
            for item in sorted(checklist.checkItems, key=lambda i: i.pos)
        ]
    if options.milestones == "lists":
        return _phase_milestones(meta, cards, options)
    return _field_milestones(meta, cards, options)


def _deliverables(checklists: Iterable[WireChecklist] | None) -> tuple[str, ...]:
    return tuple(
        item.name
        for checklist in sorted(checklists or (), key=lambda c: c.pos)
        for item in sorted(checklist.checkItems, key=lambda i: i.pos)
    )


def _card_milestone(
    card: WireCard,
    meta: BoardMeta,
    options: MappingOptions,
    completions: Mapping[str, datetime],
) -> Milestone:
    done = card_state(card, meta, options) is ItemState.DONE
    updated = card.dateLastActivity or card.created
    return Milestone(
        id=card.id,
        name=card.name,
        due=local_date(card.due, options),
        start=local_date(card.start, options),
        done=done,
        completed_at=completions.get(card.id, updated) if done else None,
        description=card.desc or None,
        deliverables=_deliverables(card.checklists),
    )


def _check_milestone(item: WireCheckItem, options: MappingOptions) -> Milestone:
    return Milestone(
        id=item.id,
        name=item.name,
        due=local_date(item.due, options),
        done=item.state == "complete",
    )


def _phase_milestones(
    meta: BoardMeta, cards: Sequence[WireCard], options: MappingOptions
) -> list[Milestone]:
    """Lists as phases: a phase is done when it holds no open card."""
    open_lists = sorted((x for x in meta.lists.values() if not x.closed), key=lambda x: x.pos)
    result = []
    for board_list in open_lists:
        members = [c for c in cards if c.idList == board_list.id and not c.closed]
        dues = [d for c in members if (d := local_date(c.due, options)) is not None]
        result.append(
            Milestone(
                id=board_list.id,
                name=board_list.name,
                due=max(dues) if dues else None,
                done=not members,
            )
        )
    return result


def _field_milestones(
    meta: BoardMeta, cards: Sequence[WireCard], options: MappingOptions
) -> list[Milestone]:
    """The options of a dropdown field: due is the latest due date among their cards."""
    wanted = options.milestone_field.casefold()
    definition = next(
        (f for f in meta.fields.values() if f.name.casefold() == wanted and f.type == "list"),
        None,
    )
    if definition is None:
        return []
    result = []
    for option in definition.options:
        members = [
            c
            for c in cards
            if any(
                i.idCustomField == definition.id and i.idValue == option.id
                for i in c.customFieldItems
            )
        ]
        dues = [d for c in members if (d := local_date(c.due, options)) is not None]
        open_members = [c for c in members if card_state(c, meta, options).is_open]
        result.append(
            Milestone(
                id=option.id,
                name=option.text,
                due=max(dues) if dues else None,
                done=bool(members) and not open_members,
            )
        )
    return result


def field_membership(card: WireCard, meta: BoardMeta, options: MappingOptions) -> tuple[str, ...]:
    """The dropdown option a card carries in the milestone field (custom_field mode)."""
    wanted = options.milestone_field.casefold()
    for item in card.customFieldItems:
        definition = meta.fields.get(item.idCustomField)
        if definition is not None and definition.name.casefold() == wanted and item.idValue:
            return (item.idValue,)
    return ()


def membership(
    card: WireCard,
    due: date | None,
    options: MappingOptions,
    dated: Sequence[Milestone],
    is_milestone: bool,
) -> tuple[str, ...]:
    if options.milestones == "lists":
        return (card.idList,)
    if is_milestone or due is None:
        return ()
    following = next((m for m in dated if m.due is not None and m.due >= due), None)
    return (following.id,) if following is not None else ()
