"""The item sections of a status report, gathered in one pass over the snapshot.

Successes (done since the last report), challenges (in progress, blocked, overdue), what is
next (coming up), open client requests and the items waiting on the client. Each section
sorts only its own items: sorting every open item first costs more than all the rest on
large projects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from pydantic import Field

from .base import DomainModel, UtcDatetime
from .model import ItemState, Snapshot, WorkItem
from .ordering import natural_key
from .settings import StatusSettings


class ItemSummary(DomainModel):
    """One line of a report section: what the reader needs about an item."""

    key: str
    title: str
    url: str | None = None
    state: ItemState
    status: str = ""
    milestones: tuple[str, ...] = ()
    due: date | None = None
    completed_at: UtcDatetime | None = None
    age_days: int | None = Field(None, description="Days in the section's condition.")
    note: str | None = Field(None, description="Blocked reason, waiting on whom, and so on.")


class Decision(DomainModel):
    """Something the client must decide or provide."""

    kind: str = Field(description="'change-notice' or 'waiting-on-client'.")
    subject: str = Field(description="Milestone id or item key.")
    title: str
    since: date | None = None


def summarise(
    item: WorkItem, *, age_days: int | None = None, note: str | None = None
) -> ItemSummary:
    return ItemSummary(
        key=item.key,
        title=item.title,
        url=item.url,
        state=item.state,
        status=item.status,
        milestones=item.milestones,
        due=item.due,
        completed_at=item.completed_at,
        age_days=age_days,
        note=note,
    )


@dataclass
class ItemSections:
    done_since_last: tuple[ItemSummary, ...] = ()
    in_progress: tuple[ItemSummary, ...] = ()
    blocked: tuple[ItemSummary, ...] = ()
    overdue: tuple[ItemSummary, ...] = ()
    coming_up: tuple[ItemSummary, ...] = ()
    client_requests: tuple[ItemSummary, ...] = ()
    waiting_on_client: list[Decision] = field(default_factory=list)


def gather_sections(
    snapshot: Snapshot,
    *,
    today: date,
    horizon: date,
    start: datetime,
    end: datetime,
    settings: StatusSettings,
) -> ItemSections:
    """The sections as of the project-local `today`; done since covers (start, end]."""
    zone = snapshot.project.zone
    # Stored moments are UTC: comparing within one tzinfo skips the offset lookups.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    statuses = {s.casefold() for s in settings.waiting_on_client_statuses}
    labels = {label.casefold() for label in settings.waiting_on_client_labels}
    done: list[WorkItem] = []
    in_progress: list[WorkItem] = []
    blocked: list[WorkItem] = []
    overdue: list[WorkItem] = []
    coming_up: list[WorkItem] = []
    requests: list[WorkItem] = []
    waiting: list[WorkItem] = []
    for item in snapshot.items:
        state = item.state
        if state is ItemState.DONE:
            moment = item.completed_at
            if moment is not None and start < moment <= end:
                done.append(item)
            continue
        if state is ItemState.CANCELLED:
            continue
        if item.blocked:
            blocked.append(item)
        elif state is ItemState.IN_PROGRESS:
            in_progress.append(item)
        due = item.due
        if due is not None:
            if due < today:
                overdue.append(item)
            elif due <= horizon:
                coming_up.append(item)
        if item.client_request:
            requests.append(item)
        if item.status.strip().casefold() in statuses or (
            item.labels and any(label.casefold() in labels for label in item.labels)
        ):
            waiting.append(item)

    def age(moment: datetime) -> int:
        return max(0, (today - moment.astimezone(zone).date()).days)

    def by_key(items: list[WorkItem]) -> list[WorkItem]:
        return sorted(items, key=lambda i: natural_key(i.key))

    def by_due(items: list[WorkItem]) -> list[WorkItem]:
        return sorted(items, key=lambda i: (i.due or date.max, natural_key(i.key)))

    return ItemSections(
        done_since_last=tuple(
            summarise(i) for i in sorted(done, key=lambda i: (i.completed_at, natural_key(i.key)))
        ),
        in_progress=tuple(summarise(i) for i in by_key(in_progress)),
        # The last update is the best date the tracker gives for when the block began.
        blocked=tuple(
            summarise(i, age_days=age(i.updated), note=i.blocked_reason) for i in by_key(blocked)
        ),
        overdue=tuple(
            summarise(i, age_days=(today - i.due).days if i.due else None) for i in by_due(overdue)
        ),
        coming_up=tuple(summarise(i) for i in by_due(coming_up)),
        client_requests=tuple(
            summarise(i, age_days=age(i.created))
            for i in sorted(requests, key=lambda i: (i.created, natural_key(i.key)))
        ),
        waiting_on_client=[
            Decision(
                kind="waiting-on-client",
                subject=i.key,
                title=f"{i.key} '{i.title}' is waiting on you",
                # The last update is the best date the tracker gives for when it began waiting.
                since=i.updated.astimezone(zone).date(),
            )
            for i in by_key(waiting)
        ],
    )
