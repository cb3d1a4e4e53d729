"""Test support for users of the Trello connector: the fake server and board builders."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from .fake import FakeTrello, TrelloFailure, TrelloRateLimited

__all__ = ["FakeTrello", "TrelloFailure", "TrelloRateLimited", "populate_board"]

LISTS = ("Backlog", "Doing", "Client Review", "Done")


def populate_board(fake: FakeTrello, cards: int, *, seed: int = 0, milestones: int = 3) -> None:
    """A realistic board of `cards` cards (plus `milestones` milestone cards), seeded.

    Cards spread over Backlog/Doing/Client Review/Done with due dates, labels, an
    estimate field (string-typed numbers), a checklist on every fifth card and members.
    """
    rng = random.Random(seed)
    for name in LISTS:
        fake.add_list(name)
    fake.add_list("Milestones")
    fake.add_custom_field("Estimate", "number")
    owner = fake.add_member("Dana Reyes", "danareyes")
    base = datetime(2024, 3, 1, 17, 0, tzinfo=UTC)
    for n in range(milestones):
        fake.add_card(
            f"M{n + 1}: milestone", "Milestones", labels=["Milestone"],
            due=base + timedelta(days=30 * (n + 1)),
        )  # fmt: skip
    for n in range(cards):
        checklists = None
        if n % 5 == 0:
            checklists = {"Steps": [("Draft", True, None), ("Review", False, base)]}
        fake.add_card(
            f"Card {n + 1}",
            rng.choice(LISTS),
            due=base + timedelta(days=rng.randrange(0, 100)) if rng.random() < 0.8 else None,
            labels=rng.choice([(), ("Blocked",), ("Client request",), ("Internal",)]),
            members=[owner] if rng.random() < 0.5 else [],
            fields={"Estimate": str(rng.choice([1, 2, 3, 5, 8.5]))},
            checklists=checklists,
        )
