"""A board's JSON export ("Print, export and share -> Export as JSON"), read offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clientsync.errors import FatalTrackerError


def load_export(path: Path) -> dict[str, Any]:
    """The export, with checklists and members nested into their cards as the API nests them."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FatalTrackerError(f"trello export {path} does not exist") from None
    except OSError as error:
        raise FatalTrackerError(f"cannot read trello export {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise FatalTrackerError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("cards"), list):
        raise FatalTrackerError(
            f"{path}: not a Trello board export (expected an object with 'cards' and 'lists')"
        )
    by_card: dict[str, list[Any]] = {}
    for checklist in document.get("checklists") or []:
        if isinstance(checklist, dict):
            by_card.setdefault(str(checklist.get("idCard")), []).append(checklist)
    members = {
        m["id"]: m for m in document.get("members") or [] if isinstance(m, dict) and "id" in m
    }
    for card in document["cards"]:
        if not isinstance(card, dict):
            continue
        card.setdefault("checklists", by_card.get(str(card.get("id")), []))
        card.setdefault(
            "members", [members[i] for i in card.get("idMembers") or [] if i in members]
        )
    return document
