"""The fake Trello's board: state and the builders tests use to shape it.

Every change goes through Trello's own bookkeeping: an action (`createCard`,
`updateCard` with `data.old`, `copyCard`, `deleteCard`, `moveCardFromBoard`,
`addLabelToCard`/`removeLabelFromCard` with `data.label`, `addMemberToCard`/
`removeMemberFromCard`, `updateCheckItemStateOnCard`, `updateList`, `commentCard`), a
new `dateLastActivity`, and the clock ticking a second.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any


def iso(moment: datetime) -> str:
    """Trello's date format: UTC, milliseconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


class BoardBuilder:
    """One board in memory; mixed into `FakeTrello`, which serves it."""

    def _init_board(self, board_name: str, start: datetime) -> None:
        self._state = threading.RLock()
        self._clock = start
        self._counter = 0
        self.board_id = self._new_id()
        self.board: dict[str, Any] = {
            "id": self.board_id,
            "name": board_name,
            "desc": "",
            "closed": False,
            "url": f"https://trello.com/b/{self.board_id[-8:]}/fake-board",
            "shortLink": self.board_id[-8:],
            "shortUrl": f"https://trello.com/b/{self.board_id[-8:]}",
        }
        self.lists: dict[str, dict[str, Any]] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.custom_fields: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.actions: list[dict[str, Any]] = []
        self.elsewhere: dict[str, dict[str, Any]] = {}
        """Cards moved to other boards: `GET /cards/{id}` still finds them there."""
        self.webhooks: dict[str, dict[str, Any]] = {}
        self._next_short = 1

    # -- the clock and ids ---------------------------------------------------------------

    def tick(self, seconds: float = 1.0) -> datetime:
        with self._state:
            self._clock += timedelta(seconds=seconds)
            return self._clock

    def _new_id(self) -> str:
        self._counter += 1
        return f"{int(self._clock.timestamp()):08x}{self._counter:016x}"

    # -- building the board (the test's side) -------------------------------------------

    def add_list(self, name: str, *, closed: bool = False) -> str:
        with self._state:
            self.tick()
            ident = self._new_id()
            pos = 16384.0 * (len(self.lists) + 1)
            self.lists[ident] = {
                "id": ident, "name": name, "closed": closed, "idBoard": self.board_id,
                "pos": pos, "color": None, "subscribed": False,
            }  # fmt: skip
            self._act("createList", {"list": {"id": ident, "name": name}})
            return ident

    def list_id(self, name: str) -> str:
        return next(i for i, x in self.lists.items() if x["name"] == name)

    def add_label(self, name: str, color: str | None = "green") -> str:
        with self._state:
            ident = self._new_id()
            self.labels[ident] = {
                "id": ident, "idBoard": self.board_id, "name": name, "color": color, "uses": 0,
            }  # fmt: skip
            return ident

    def label_id(self, name: str) -> str:
        found = next((i for i, x in self.labels.items() if x["name"] == name), None)
        return found if found is not None else self.add_label(name)

    def add_custom_field(self, name: str, kind: str, options: Iterable[str] = ()) -> str:
        with self._state:
            ident = self._new_id()
            field: dict[str, Any] = {
                "id": ident, "idModel": self.board_id, "modelType": "board", "name": name,
                "pos": 16384 * (len(self.custom_fields) + 1), "type": kind,
                "display": {"cardFront": True},
            }  # fmt: skip
            if kind == "list":
                field["options"] = [
                    {"id": self._new_id(), "idCustomField": ident, "value": {"text": text},
                     "color": "none", "pos": 16384 * (n + 1)}
                    for n, text in enumerate(options)
                ]  # fmt: skip
            self.custom_fields[ident] = field
            return ident

    def add_member(self, full_name: str, username: str) -> str:
        with self._state:
            ident = self._new_id()
            self.members[ident] = {"id": ident, "fullName": full_name, "username": username}
            return ident

    def add_card(
        self,
        name: str,
        list_name: str,
        *,
        id_short: int | None = None,
        due: datetime | None = None,
        start: datetime | None = None,
        due_complete: bool = False,
        closed: bool = False,
        labels: Iterable[str] = (),
        members: Iterable[str] = (),
        checklists: Mapping[str, Iterable[tuple[str, bool, datetime | None]]] | None = None,
        fields: Mapping[str, Any] | None = None,
        desc: str = "",
    ) -> str:
        """A card in `list_name` (created if missing); `fields` by custom-field name."""
        with self._state:
            if not any(x["name"] == list_name for x in self.lists.values()):
                self.add_list(list_name)
            list_id = self.list_id(list_name)
            now = self.tick()
            ident = self._new_id()
            short = id_short if id_short is not None else self._next_short
            self._next_short = max(self._next_short, short + 1)
            label_ids = [self.label_id(n) for n in labels]
            card: dict[str, Any] = {
                "id": ident, "name": name, "desc": desc, "idShort": short, "idBoard": self.board_id,
                "idList": list_id, "closed": closed, "due": iso(due) if due else None,
                "start": iso(start) if start else None, "dueComplete": due_complete,
                "dueReminder": None, "dateLastActivity": iso(now), "pos": 16384.0 * short,
                "shortLink": f"s{short:07d}"[-8:], "url": f"https://trello.com/c/s{short:07d}/{short}",
                "shortUrl": f"https://trello.com/c/s{short:07d}", "idLabels": label_ids,
                "idMembers": list(members), "idChecklists": [], "checklists": [],
                "customFieldItems": [], "subscribed": False, "isTemplate": False,
                "badges": {"checkItems": 0, "checkItemsChecked": 0, "comments": 0},
            }  # fmt: skip
            for checklist_name, items in (checklists or {}).items():
                checklist_id = self._new_id()
                entries = [
                    {"id": self._new_id(), "name": text,
                     "state": "complete" if done else "incomplete",
                     "due": iso(when) if when else None, "pos": 16384 * (n + 1),
                     "idChecklist": checklist_id, "idMember": None, "dueReminder": None}
                    for n, (text, done, when) in enumerate(items)
                ]  # fmt: skip
                card["checklists"].append(
                    {"id": checklist_id, "name": checklist_name, "idBoard": self.board_id,
                     "idCard": ident, "pos": 16384, "checkItems": entries}
                )  # fmt: skip
                card["idChecklists"].append(checklist_id)
            self.cards[ident] = card
            self._set_fields(card, fields or {})
            self._act("createCard", {"card": self._ref(card), "list": self._list_ref(list_id)})
            return ident

    def _set_fields(self, card: dict[str, Any], fields: Mapping[str, Any]) -> None:
        for name, value in fields.items():
            field = next(f for f in self.custom_fields.values() if f["name"] == name)
            card["customFieldItems"] = [
                i for i in card["customFieldItems"] if i["idCustomField"] != field["id"]
            ]
            if value is None:
                continue
            item: dict[str, Any] = {
                "id": self._new_id(), "idCustomField": field["id"], "idModel": card["id"],
                "modelType": "card",
            }  # fmt: skip
            if field["type"] == "list":
                item["idValue"] = next(
                    o["id"] for o in field["options"] if o["value"]["text"] == value
                )
            else:
                key = {"number": "number", "checkbox": "checked", "date": "date"}.get(
                    field["type"], "text"
                )
                item["value"] = {key: str(value).lower() if isinstance(value, bool) else str(value)}
            card["customFieldItems"].append(item)

    def update_card(self, card_id: str, **changes: Any) -> None:
        """Change card fields as Trello's UI does, recording `updateCard` actions.

        Keys: `name`, `due`, `start` (datetimes or None), `dueComplete`, `closed`, `desc`,
        `list` (a list name: a move), `labels` (names), `members` (member ids), `fields`
        (custom fields by name).
        """
        with self._state:
            card = self.cards[card_id]
            now = self.tick()
            for key, value in changes.items():
                if key == "list":
                    before = card["idList"]
                    if not any(x["name"] == value for x in self.lists.values()):
                        self.add_list(value)
                    card["idList"] = self.list_id(value)
                    self._act("updateCard", {
                        "card": {**self._ref(card), "idList": card["idList"]},
                        "old": {"idList": before}, "listBefore": self._list_ref(before),
                        "listAfter": self._list_ref(card["idList"]),
                    })  # fmt: skip
                elif key == "labels":
                    before, card["idLabels"] = card["idLabels"], [self.label_id(n) for n in value]
                    for kind, ids in (
                        ("addLabelToCard", [i for i in card["idLabels"] if i not in before]),
                        ("removeLabelFromCard", [i for i in before if i not in card["idLabels"]]),
                    ):
                        for label in ids:
                            label_ref = {k: self.labels[label][k] for k in ("id", "name", "color")}
                            self._act(kind, {"card": self._ref(card), "label": label_ref})
                elif key == "members":
                    before, card["idMembers"] = card["idMembers"], list(value)
                    for kind, ids in (
                        ("addMemberToCard", [i for i in card["idMembers"] if i not in before]),
                        ("removeMemberFromCard", [i for i in before if i not in card["idMembers"]]),
                    ):
                        for member in ids:
                            self._act(kind, {"card": self._ref(card), "idMember": member})
                elif key == "fields":
                    self._set_fields(card, value)
                    for name in value:
                        field = next(f for f in self.custom_fields.values() if f["name"] == name)
                        field_ref = {k: field[k] for k in ("id", "name", "type")}
                        self._act("updateCustomFieldItem", {
                            "card": self._ref(card), "customField": field_ref,
                        })  # fmt: skip
                else:
                    if key in ("due", "start") and isinstance(value, datetime):
                        value = iso(value)
                    old = card[key]
                    card[key] = value
                    self._act("updateCard", {
                        "card": {**self._ref(card), key: value}, "old": {key: old},
                        "list": self._list_ref(card["idList"]),
                    })  # fmt: skip
            card["dateLastActivity"] = iso(now)

    def delete_card(self, card_id: str) -> None:
        with self._state:
            self.tick()
            card = self.cards.pop(card_id)
            self._act("deleteCard", {
                "card": {"id": card_id, "idShort": card["idShort"]},
                "list": self._list_ref(card["idList"]),
            })  # fmt: skip

    def set_check_item(self, card_id: str, item_name: str, done: bool) -> None:
        """Tick (or untick) a checklist item, as `updateCheckItemStateOnCard`."""
        with self._state:
            card = self.cards[card_id]
            now = self.tick()
            for checklist in card["checklists"]:
                for item in checklist["checkItems"]:
                    if item["name"] == item_name:
                        item["state"] = "complete" if done else "incomplete"
                        self._act("updateCheckItemStateOnCard", {
                            "card": self._ref(card),
                            "checklist": {"id": checklist["id"], "name": checklist["name"]},
                            "checkItem": {"id": item["id"], "name": item_name,
                                          "state": item["state"]},
                        })  # fmt: skip
            card["dateLastActivity"] = iso(now)

    def copy_card(self, card_id: str, name: str) -> str:
        """A copy of the card in the same list, recorded as `copyCard`."""
        with self._state:
            source = self.cards[card_id]
            list_name = self.lists[source["idList"]]["name"]
            labels = [self.labels[i]["name"] for i in source["idLabels"]]
            due = datetime.fromisoformat(source["due"]) if source["due"] else None
            ident = self.add_card(name, list_name, due=due, labels=labels)
            self.actions.pop()  # Trello records the copy, not a creation
            copy = self.cards[ident]
            self._act("copyCard", {
                "card": self._ref(copy), "cardSource": self._ref(source),
                "list": self._list_ref(copy["idList"]),
            })  # fmt: skip
            return ident

    def move_card_to_board(self, card_id: str, board_id: str) -> None:
        """Move the card to another board: this board records `moveCardFromBoard`."""
        with self._state:
            self.tick()
            card = self.cards.pop(card_id)
            card["idBoard"] = board_id
            self.elsewhere[card_id] = card
            self._act("moveCardFromBoard", {
                "card": self._ref(card), "boardTarget": {"id": board_id},
                "list": self._list_ref(card["idList"]),
            })  # fmt: skip

    def webhook_payload(self, action: dict[str, Any] | None = None) -> dict[str, Any]:
        """What a board webhook delivers for `action` (default: the latest one)."""
        with self._state:
            chosen = action if action is not None else self.actions[-1]
            return {"model": dict(self.board), "action": dict(chosen)}

    def rename_list(self, list_id: str, name: str) -> None:
        with self._state:
            self.tick()
            old = self.lists[list_id]["name"]
            self.lists[list_id]["name"] = name
            self._act("updateList", {"list": {"id": list_id, "name": name}, "old": {"name": old}})

    def comments(self, card_id: str | None = None) -> list[dict[str, Any]]:
        return [
            a for a in self.actions
            if a["type"] == "commentCard"
            and (card_id is None or a["data"]["card"]["id"] == card_id)
        ]  # fmt: skip

    def _ref(self, card: dict[str, Any]) -> dict[str, Any]:
        return {"id": card["id"], "name": card["name"], "idShort": card["idShort"],
                "shortLink": card["shortLink"]}  # fmt: skip

    def _list_ref(self, list_id: str) -> dict[str, Any]:
        return {"id": list_id, "name": self.lists[list_id]["name"]}

    def _act(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        action = {
            "id": self._new_id(), "idMemberCreator": "5c7a704065a1f0c2001a2b3e", "type": kind,
            "date": iso(self._clock),
            "data": {**data, "board": {"id": self.board_id, "name": self.board["name"]}},
        }  # fmt: skip
        self.actions.append(action)
        return action
