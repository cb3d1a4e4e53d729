"""Which delivery this is: the id a replay of it would carry again.

- Jira: `X-Atlassian-Webhook-Identifier`, the same on every retry of one delivery;
- Trello: the action's id (one action, however often it is delivered);
- otherwise (Asana, Jira Automation, a Jira without the header): the SHA-256 of the body,
  which a retry resends byte for byte.

A body hash treats two identical bodies as one delivery. Jira and Asana bodies carry a
timestamp, so that only happens to true copies; a Jira Automation body should carry one
too (`{{now}}`), or a value set, changed and set again would be taken for a replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

JIRA_DELIVERY_HEADER = "X-Atlassian-Webhook-Identifier"


def needs_payload(connector: str) -> bool:
    """Trello's id is inside the body: it is parsed (after verification) to find it."""
    return connector == "trello"


def delivery_id(
    connector: str,
    headers: Mapping[str, str],
    body: bytes,
    payload: Mapping[str, Any] | None = None,
) -> str:
    if connector == "jira":
        given = headers.get(JIRA_DELIVERY_HEADER, "").strip()
        if given:
            return f"jira:{given[:200]}"
    if connector == "trello" and payload is not None:
        action = payload.get("action")
        ident = action.get("id") if isinstance(action, Mapping) else None
        if isinstance(ident, str) and ident:
            return f"trello-action:{ident[:200]}"
    return "sha256:" + hashlib.sha256(body).hexdigest()
