"""Write-back: a comment on a card, posted exactly once per idempotency key.

Trello has no idempotency keys. The comment ends with a marker, `[clientsync:<key>]`,
and every attempt first looks for a comment carrying it: a retry after a lost answer,
or a rerun of the whole job, finds the first comment and posts nothing.
"""

from __future__ import annotations

import re

from clientsync.errors import FatalTrackerError

from .api import TrelloApi
from .cards import card_key
from .options import MappingOptions

_HEX_ID = re.compile(r"^[0-9a-fA-F]{24}$")


class CardComments:
    def __init__(self, api: TrelloApi, board_id: str, mapping: MappingOptions) -> None:
        self.api = api
        self.board_id = board_id
        self.mapping = mapping
        self._targets: dict[str, str] = {}

    def post(self, target: str, body: str, *, idempotency_key: str) -> str:
        """Comment on `target`; returns the comment's action id (the first one on a rerun)."""
        card_id = self._card_for(target)
        marker = f"[clientsync:{idempotency_key}]"
        text = f"{body}\n\n{marker}"
        # Safe to retry: each attempt looks for the marker before it posts.
        result: str = self.api.retry.call(self._post_once, card_id, marker, text)
        return result

    def _post_once(self, card_id: str, marker: str, text: str) -> str:
        comments = self.api.get_once(
            f"/cards/{card_id}/actions", {"filter": "commentCard", "limit": "1000"}
        )
        for comment in comments or []:
            if marker in str(comment.get("data", {}).get("text", "")):
                return str(comment["id"])
        posted = self.api.post_once(f"/cards/{card_id}/actions/comments", {"text": text})
        return str(posted["id"])

    def _card_for(self, target: str) -> str:
        if _HEX_ID.match(target):
            return target
        if target not in self._targets:
            cards = self.api.get(
                f"/boards/{self.board_id}/cards",
                {"filter": "open", "fields": "name,idShort,shortLink"},
            )
            wanted = target.casefold()
            for card in cards or []:
                names = {
                    card_key(self.mapping, card.get("idShort")).casefold(),
                    str(card.get("shortLink", "")).casefold(),
                    str(card.get("name", "")).casefold(),
                }
                if wanted in names:
                    self._targets[target] = str(card["id"])
                    break
            else:
                raise FatalTrackerError(
                    f"trello: no open card {target!r} on board {self.board_id!r} to comment "
                    "on; name it by key (e.g. #12), short link or exact title"
                )
        return self._targets[target]
