"""The agreed expectation a client signed up to: versioned, never edited in place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import Field

from .base import DomainModel, UtcDatetime
from .model import Snapshot


class BaselineMilestone(DomainModel):
    name: str
    due: date | None = None


class ChangeAcknowledgement(DomainModel):
    """The client's sign-off on one change notice: who agreed to what, when."""

    notice_id: str = Field(min_length=1, description="The notice's id (`ChangeNotice.id`).")
    summary: str = Field(description="What the notice said, in one line, as the client saw it.")
    acknowledged_by: str = Field(min_length=1)
    acknowledged_at: UtcDatetime
    note: str | None = None


class Baseline(DomainModel):
    id: str = Field(min_length=1)
    name: str
    captured_at: UtcDatetime
    agreed_by: str | None = None
    agreed_at: UtcDatetime | None = None
    note: str | None = None
    scope: dict[str, float | None] = Field(
        default_factory=dict, description="Item key -> estimate (null when unestimated)."
    )
    item_milestones: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Item key -> milestone ids it was agreed under."
    )
    milestones: dict[str, BaselineMilestone] = Field(default_factory=dict)
    budget_hours: float | None = Field(None, ge=0)
    assumptions: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    acknowledgements: tuple[ChangeAcknowledgement, ...] = Field(
        (),
        description="Every change notice the client has signed off, oldest first. Each "
        "version carries the earlier ones forward, so the latest holds the whole record.",
    )

    def acknowledged_here(self, notice_id: str) -> ChangeAcknowledgement | None:
        """The sign-off on `notice_id` that made this version, if one did.

        Accepting a notice makes a version at the moment of the sign-off
        (`rebaseline.fold_notice`); an older sign-off on the same notice was about drift
        measured against an earlier version.
        """
        for ack in reversed(self.acknowledgements):
            if ack.notice_id == notice_id and ack.acknowledged_at >= self.captured_at:
                return ack
        return None


def capture_baseline(
    snapshot: Snapshot,
    *,
    id: str,
    captured_at: UtcDatetime,
    name: str | None = None,
    agreed_by: str | None = None,
    agreed_at: UtcDatetime | None = None,
    note: str | None = None,
    budget_hours: float | None = None,
    assumptions: tuple[str, ...] = (),
    constraints: tuple[str, ...] = (),
    acknowledgements: Sequence[ChangeAcknowledgement] = (),
) -> Baseline:
    """The snapshot's open and done scope (cancelled items are not agreed work): the whole
    current plan agreed. Accepting one change notice agrees less: `rebaseline.fold_notice`.

    `acknowledgements` is the record of sign-offs to carry, usually the previous version's.
    """
    from .model import ItemState

    in_scope = [i for i in snapshot.items if i.state is not ItemState.CANCELLED]
    return Baseline(
        id=id,
        name=name or f"Baseline {captured_at.date().isoformat()}",
        captured_at=captured_at,
        agreed_by=agreed_by,
        agreed_at=agreed_at,
        note=note,
        scope={i.key: i.estimate for i in in_scope},
        item_milestones={i.key: i.milestones for i in in_scope if i.milestones},
        milestones={m.id: BaselineMilestone(name=m.name, due=m.due) for m in snapshot.milestones},
        budget_hours=budget_hours,
        assumptions=assumptions,
        constraints=constraints,
        acknowledgements=tuple(acknowledgements),
    )
