"""Board actions -> `ItemChange`s: the tracker's own history, exact to the second.

Due-date changes (`data.old.due`) feed expectation drift; list moves, `dueComplete`,
archive, create and delete complete the picture. Field names match what the sync engine
diffs (`due`, `status`), so the engine records these instead of its own diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from clientsync.domain.model import ItemChange

from .cards import card_key, local_date
from .options import MappingOptions
from .wire import WireAction


def _date_text(value: Any, options: MappingOptions) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    day = local_date(moment, options)
    return day.isoformat() if day is not None else None


def _list_name(value: Any) -> str | None:
    return str(value.get("name")) if isinstance(value, dict) and "name" in value else None


def changes_from_actions(
    actions: Iterable[WireAction], options: MappingOptions
) -> tuple[ItemChange, ...]:
    """Every change the actions describe, oldest first."""
    changes: list[ItemChange] = []
    for action in sorted(actions, key=lambda a: (a.date, a.id)):
        short = action.card.get("idShort")
        if short is None:
            continue
        key = card_key(options, short)
        at = action.date
        if action.type == "createCard":
            changes.append(
                ItemChange(
                    key=key, field="created", after=_list_name(action.data.get("list")), at=at
                )
            )
        elif action.type == "deleteCard":
            changes.append(
                ItemChange(
                    key=key, field="deleted", before=_list_name(action.data.get("list")), at=at
                )
            )
        elif action.type == "updateCard":
            old, new = action.old, action.card
            if "due" in old:
                changes.append(
                    ItemChange(
                        key=key,
                        field="due",
                        before=_date_text(old.get("due"), options),
                        after=_date_text(new.get("due"), options),
                        at=at,
                    )
                )
            if "idList" in old:
                changes.append(
                    ItemChange(
                        key=key,
                        field="status",
                        before=_list_name(action.data.get("listBefore")),
                        after=_list_name(action.data.get("listAfter")),
                        at=at,
                    )
                )
            for name, field in (("dueComplete", "due_complete"), ("closed", "archived")):
                if name in old:
                    changes.append(
                        ItemChange(
                            key=key,
                            field=field,
                            before=bool(old.get(name)),
                            after=bool(new.get(name, not old.get(name))),
                            at=at,
                        )
                    )
    return tuple(changes)
