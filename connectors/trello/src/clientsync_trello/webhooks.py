"""Trello webhooks, the connector's side: a delivery as a partial read, and registration.

Reading (`read_delivery`). The handler has verified the signature and parsed
`{"action": …, "model": …}`. An action on another board, or one that changes nothing
clientsync maps (a comment, an attachment, a vote), is ignored without a request. A
deleted card, or one moved to another board, comes back in `deleted`, without a request.
Any other card action re-reads that one card with the incremental read's card request,
in a single `/batch` together with the board, its lists and custom fields, and, where
milestones are cards, each card's labels or list and due date: an item is placed under
the first milestone due on or after it, so those dates are needed to map it as a full
read would. An action that moves milestones re-reads the board like a full read (never
a census), since every card's milestone may shift; so does a renamed or archived list,
label or custom field. A delivery never advances the sync cursor; deliveries can be
lost, and the periodic sync stays the source of truth.

Registering (`register`). A webhook belongs to the token: the token's webhooks are
listed first, and one for this board and URL is reused (re-activated if Trello disabled
it); otherwise `POST /1/webhooks`. Each attempt lists before it posts, so a retried POST
whose first answer was lost finds the webhook instead of creating a second.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from clientsync.domain.model import Project
from clientsync.errors import ConfigError, FatalTrackerError
from clientsync.ports import ReadResult, RejectedItem, WebhookRegistration

from .api import TrelloApi, card_path
from .cards import BoardMeta, is_milestone_card
from .history import changes_from_actions
from .mapping import parse_cards
from .options import MappingOptions
from .wire import (
    REMOVING_ACTIONS,
    STRUCTURAL_ACTIONS,
    WireAction,
    WireBoard,
    WireCard,
    WireWebhook,
)

if TYPE_CHECKING:
    from .connector import TrelloConnector

__all__ = ["CARD_ACTIONS", "read_delivery", "register"]

# Actions that may change what a card maps to (fields, list, labels, members, checklists,
# custom fields, or just its last activity): the card is read back.
CARD_ACTIONS = frozenset(
    {
        "createCard",
        "updateCard",
        "copyCard",
        "moveCardToBoard",
        "convertToCardFromCheckItem",
        "emailCard",
        "addLabelToCard",
        "removeLabelFromCard",
        "addMemberToCard",
        "removeMemberFromCard",
        "addChecklistToCard",
        "removeChecklistFromCard",
        "updateChecklist",
        "createCheckItem",
        "updateCheckItem",
        "deleteCheckItem",
        "updateCheckItemStateOnCard",
        "updateCustomFieldItem",
    }
)
# A new list is a new phase when each open list is a milestone ("lists" mode).
_LIST_ACTIONS = frozenset({"createList"})
_ADDING = frozenset({"createCard", "copyCard", "moveCardToBoard", "convertToCardFromCheckItem"})
_HEX_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_SHORT_LINK = re.compile(r"/b/([A-Za-z0-9]+)")


# -- reading ---------------------------------------------------------------------------


def read_delivery(connector: TrelloConnector, payload: Mapping[str, Any]) -> ReadResult:
    """What one delivery changed on the connector's board (see the module docstring)."""
    if connector.export is not None:
        raise FatalTrackerError(
            f"trello export {connector.export} takes no webhooks: set 'board_id' to read "
            "the live board"
        )
    raw_action = payload.get("action") if isinstance(payload, Mapping) else None
    if not isinstance(raw_action, Mapping):
        return _rejected(connector, "(delivery)", "action", "not a Trello delivery: no action")
    try:
        action = WireAction.model_validate(raw_action)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "action"
        ident = str(raw_action.get("id") or "(delivery)")
        return _rejected(connector, ident, f"action.{where}", first["msg"])
    model = payload.get("model")
    model = model if isinstance(model, Mapping) else {}
    if str(connector.board_id) not in _board_refs(action, model):
        return ReadResult(project=_stub_project(connector))
    project = _delivery_project(connector, action, model)
    mapping = connector.mapping
    changes = changes_from_actions([action], mapping)
    kind, card_id = action.type, action.card_id
    if kind in STRUCTURAL_ACTIONS:
        return _reread_board(connector, action)
    if kind == "updateBoard":
        return ReadResult(project=project)
    if kind in REMOVING_ACTIONS and card_id is not None:
        if _moves_milestones(action, mapping):
            return _reread_board(connector, action, deleted=(card_id,))
        return ReadResult(project=project, deleted=(card_id,), changes=changes)
    if kind in _LIST_ACTIONS and mapping.milestones == "lists":
        return _reread_board(connector, action)
    if kind not in CARD_ACTIONS or card_id is None:
        return ReadResult(project=project)
    if not _HEX_ID.match(card_id):
        return _rejected(connector, card_id, "action.data.card.id", "not a Trello card id")
    if _moves_milestones(action, mapping):
        return _reread_board(connector, action)
    return _reread_card(connector, action, card_id, project)


def _reread_card(
    connector: TrelloConnector, action: WireAction, card_id: str, project: Project
) -> ReadResult:
    """The one card, mapped as a full read maps it: one `/batch` request."""
    mapping = connector.mapping
    context_urls = _milestone_context_urls(str(connector.board_id), mapping)
    meta, bodies = connector._board_context(
        [card_path(card_id), *context_urls],
        labels=mapping.milestones in ("label", "checklist"),
    )
    body, context = bodies[0], bodies[1:]
    changes = changes_from_actions([action], mapping)
    if not isinstance(body, dict) or body.get("idBoard") not in (None, meta.board.id):
        # Deleted, or moved to another board, since the action.
        return ReadResult(project=project, deleted=(card_id,), changes=changes)
    cards, rejected = parse_cards([body], connector.source, mapping)
    if not cards:
        return ReadResult(project=project, changes=changes, rejected=tuple(rejected))
    if is_milestone_card(cards[0], meta, mapping):
        return _reread_board(connector, action)
    result = connector._mapped(
        meta, cards, rejected, [action], census=False, context=_context_cards(context, mapping)
    )
    # The context cards carry dates only: their milestones are placeholders, not news.
    return replace(result, milestones=(), milestone_census=False, cursor=None)


def _reread_board(
    connector: TrelloConnector, action: WireAction, *, deleted: tuple[str, ...] = ()
) -> ReadResult:
    """Every card and milestone, read as a full read does, reported as a partial read."""
    full = connector._read_full()
    return replace(
        full,
        deleted=deleted,
        cursor=None,
        census=False,
        census_ids=None,
        changes=changes_from_actions([action], connector.mapping),
    )


def _moves_milestones(action: WireAction, mapping: MappingOptions) -> bool:
    """Whether the action, by itself, may change milestones (or which cards they hold).

    In the card modes a card that *is* a milestone is only known once it is read; this
    catches what the action alone says: a milestone label or list gained or lost.
    """
    mode, data, old = mapping.milestones, action.data, action.old
    if mode in ("label", "checklist"):
        if action.type not in ("addLabelToCard", "removeLabelFromCard"):
            return False
        name = _name(data.get("label"))
        return name is None or name.casefold() == mapping.milestone_label.casefold()
    if mode == "list":
        wanted = mapping.milestone_list.casefold()
        lists = (data.get("list"), data.get("listBefore"), data.get("listAfter"))
        return any((_name(x) or "").casefold() == wanted for x in lists)
    removed_or_added = action.type in REMOVING_ACTIONS or action.type in _ADDING
    if mode == "lists":
        return removed_or_added or (
            action.type == "updateCard" and bool({"idList", "closed", "due"} & set(old))
        )
    # custom_field: option dates and completion follow the cards that carry the option.
    if action.type == "updateCustomFieldItem":
        name = _name(data.get("customField"))
        return name is None or name.casefold() == mapping.milestone_field.casefold()
    return (
        action.type in REMOVING_ACTIONS
        or action.type == "copyCard"
        or (
            action.type == "updateCard"
            and bool({"idList", "closed", "due", "dueComplete"} & set(old))
        )
    )


def _milestone_context_urls(board: str, mapping: MappingOptions) -> list[str]:
    """What places an item among card milestones: every card's labels or list, and dates.

    Single-field projections (a `/batch` URL cannot hold a comma) keep these small.
    """
    cards = f"/boards/{board}/cards/all?fields="
    if mapping.milestones == "label":
        return [cards + "idLabels", cards + "due"]
    if mapping.milestones == "list":
        return [cards + "idList", cards + "due"]
    if mapping.milestones == "checklist":
        return [cards + "idLabels", f"/boards/{board}/checklists?checkItem_fields=all"]
    return []


def _context_cards(bodies: Sequence[Any], mapping: MappingOptions) -> list[WireCard]:
    """The context projections joined by card id, as cards the mapping can place items by."""
    merged: dict[str, dict[str, Any]] = {}
    checklists: dict[str, list[Any]] = {}
    for body in bodies:
        for entry in body if isinstance(body, list) else ():
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            if "checkItems" in entry:  # a checklist, from /boards/{id}/checklists
                checklists.setdefault(str(entry.get("idCard")), []).append(entry)
                continue
            card = merged.setdefault(entry["id"], {"id": entry["id"], "name": "", "idShort": 0})
            card.update({k: entry[k] for k in ("idLabels", "idList", "due") if k in entry})
    cards = []
    for ident, raw in merged.items():
        try:
            cards.append(
                WireCard.model_validate(
                    {"idList": "", **raw, "checklists": checklists.get(ident, [])}
                )
            )
        except ValidationError:
            continue  # a card Trello cannot describe is reported by full reads
    return cards


def _board_refs(action: WireAction, model: Mapping[str, Any]) -> set[str]:
    """The ids and short links naming the board the delivery is about."""
    refs: list[Any] = []
    board = action.data.get("board")
    if isinstance(board, dict):
        refs += [board.get("id"), board.get("shortLink")]
    if not isinstance(board, dict) or model.get("id") == board.get("id"):
        refs += [model.get("id"), model.get("shortLink")]
        for url in (model.get("url"), model.get("shortUrl")):
            found = _SHORT_LINK.search(url) if isinstance(url, str) else None
            refs.append(found.group(1) if found else None)
    return {r for r in refs if isinstance(r, str) and r}


def _delivery_project(
    connector: TrelloConnector, action: WireAction, model: Mapping[str, Any]
) -> Project:
    """The project as the delivery describes it: the board model, else `data.board`."""
    board = action.data.get("board")
    source: Any = model
    if isinstance(board, dict) and model.get("id") != board.get("id"):
        source = board
    try:
        parsed = WireBoard.model_validate(source)
    except ValidationError:
        return _stub_project(connector)
    return connector._project(BoardMeta(board=parsed, lists={}))


def _stub_project(connector: TrelloConnector) -> Project:
    board = str(connector.board_id)
    return Project(id=board, name=board, tracker="trello", timezone=connector.mapping.timezone)


def _rejected(connector: TrelloConnector, key: str, field: str, reason: str) -> ReadResult:
    return ReadResult(
        project=_stub_project(connector),
        rejected=(RejectedItem(connector.source, key, field, reason),),
    )


def _name(value: Any) -> str | None:
    name = value.get("name") if isinstance(value, dict) else None
    return name if isinstance(name, str) else None


# -- registering -----------------------------------------------------------------------


def register(
    connector: TrelloConnector, url: str, *, secret: str | None = None
) -> WebhookRegistration:
    """Create the token's webhook on the board posting to `url`, or reuse the one there.

    `secret` is not sent: Trello signs deliveries with the application's secret, which
    the handler is configured with.
    """
    del secret  # Trello has no per-webhook secret
    if connector.export is not None:
        return WebhookRegistration(
            created=False,
            webhook_id=None,
            instructions=(
                f"This source reads the export {connector.export}, which takes no webhooks. "
                "Set 'board_id' (and the key and token) to watch the live board."
            ),
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"webhook URL {url!r}: give an absolute http(s) URL")
    api = connector._api()
    token = connector._token.get_secret_value() if connector._token is not None else ""
    board = _board_model_id(api, str(connector.board_id))
    description = f"clientsync: board {connector.board_id}"
    try:
        hook, created = api.retry.call(_register_once, api, token, board, url, description)
    except FatalTrackerError as error:
        if error.status == 400 and "did not return 200" in str(error):
            return WebhookRegistration(False, None, _head_instructions(url, str(error)))
        raise
    verb = "created" if created else "already existed and was reused"
    if not hook.active:
        api.retry.call(api.send_once, "PUT", f"/webhooks/{hook.id}", {"active": True})
        verb += " (Trello had disabled it after failed deliveries; it is active again)"
    return WebhookRegistration(
        created=created,
        webhook_id=hook.id,
        instructions=(
            f"Trello webhook {hook.id} {verb}: changes on board {board} are posted to {url}. "
            "Trello signs each delivery with your application's secret (the OAuth secret "
            "on https://trello.com/app-key), not the token: configure the handler with it."
        ),
    )


def _board_model_id(api: TrelloApi, board: str) -> str:
    """The board's 24-hex id, which webhooks are registered and listed under."""
    if _HEX_ID.match(board):
        return board
    found = api.get(f"/boards/{board}", {"fields": "id"})
    ident = found.get("id") if isinstance(found, dict) else None
    if not isinstance(ident, str):
        raise FatalTrackerError(f"trello board {board!r}: Trello answered without an id")
    return ident


def _register_once(
    api: TrelloApi, token: str, board: str, url: str, description: str
) -> tuple[WireWebhook, bool]:
    """One attempt: the existing webhook for (board, url), else a new one."""
    existing = _find_hook(api, token, board, url)
    if existing is not None:
        return existing, False
    body = {"callbackURL": url, "idModel": board, "description": description}
    try:
        return WireWebhook.model_validate(api.post_once("/webhooks", body)), True
    except FatalTrackerError as error:
        # Another registration won the race between our list and our POST.
        if error.status == 400 and "already exists" in str(error):
            raced = _find_hook(api, token, board, url)
            if raced is not None:
                return raced, False
        raise


def _find_hook(api: TrelloApi, token: str, board: str, url: str) -> WireWebhook | None:
    # Trello lists webhooks only under their token, in the path; errors scrub it.
    hooks = api.get_once(f"/tokens/{token}/webhooks", {})
    for raw in hooks if isinstance(hooks, list) else ():
        try:
            hook = WireWebhook.model_validate(raw)
        except ValidationError:
            continue
        if hook.idModel == board and hook.callbackURL == url:
            return hook
    return None


def _head_instructions(url: str, trello_said: str) -> str:
    return (
        f"Trello refused the webhook: when one is created, Trello sends `HEAD {url}` and "
        f"needs a 200 answer ({trello_said}). Make the handler reachable from the internet "
        "at exactly that URL (public DNS name; HTTPS needs a valid certificate; a loopback "
        f"or private address cannot work), check that `curl -I {url}` answers 200, then "
        "run `clientsync webhook register` again."
    )
