"""The connector's cursor: opaque to the core, a small JSON document to the connector."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Cursor:
    """Where the last read stopped: the newest action seen, and the milestone cards.

    It also remembers the board's id, name and URL, so a read that finds nothing changed
    (one request: the actions) still describes the project as the full read did.
    """

    action: str | None
    milestone_cards: tuple[str, ...] = ()
    board_id: str | None = None
    board_name: str | None = None
    board_url: str | None = None

    def dumps(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "action": self.action,
                "milestones": list(self.milestone_cards),
                "board": [self.board_id, self.board_name, self.board_url],
            }
        )

    def moved_to(self, action: str | None) -> Cursor:
        return replace(self, action=action)

    @classmethod
    def loads(cls, text: str | None) -> Cursor | None:
        try:
            data = json.loads(text or "")
            ident, name, url = data.get("board") or (None, None, None)
            milestones = tuple(data.get("milestones") or ())
            return cls(data.get("action"), milestones, ident, name, url)
        except (ValueError, AttributeError, TypeError):
            return None  # not ours (or from an older version): read everything
