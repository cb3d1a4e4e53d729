"""Telling on-change audiences at once, through the communication plan's own publish.

`publish_due` keeps its exactly-once guarantee (the publish log): a change notice that
went out is never sent again, whether a webhook or the scheduled `clientsync publish`
tries next.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from clientsync.config import Cadence, Config
from clientsync.errors import ClientsyncError
from clientsync.publish import Outcome as PublishOutcome
from clientsync.publish import publish_due
from clientsync.store import Store

from .context import WebhookContext
from .triggers import Trigger

_log = logging.getLogger("clientsync.automation")


def on_change_audiences(config: Config) -> tuple[str, ...]:
    return tuple(a.name for a in config.audiences if a.cadence is Cadence.ON_CHANGE)


def publish_on_change(
    context: WebhookContext, store: Store, triggers: Sequence[Trigger], *, now: datetime
) -> tuple[PublishOutcome, ...]:
    """Publish to the on-change audiences when `triggers` holds something worth it.

    A definite trigger (a milestone moved, scope added, an item blocked) is sent even if
    the RAG and the set of notices stay the same; a change that only may turn a milestone
    red is sent when the plan's on-change rule agrees. A failure is logged and left to
    the next `clientsync publish`, which retries it: the delivery itself was applied.
    """
    audiences = on_change_audiences(context.config)
    if not triggers or not audiences:
        return ()
    force = any(t.definite for t in triggers)
    try:
        result = publish_due(
            context.config,
            store,
            now=now,
            env=context.env,
            audiences=audiences,
            force=force,
            retry=context.retry,
        )
    except ClientsyncError as exc:
        _log.error("on-change publish failed: %s", exc)
        return ()
    except Exception:
        # The delivery is applied and marked done: a publishing bug must not undo that.
        _log.exception("on-change publish failed")
        return ()
    for outcome in result.outcomes:
        log = _log.warning if outcome.failed else _log.info
        log("on-change publish: %s", outcome.line())
    return result.outcomes
