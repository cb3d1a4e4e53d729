"""A deterministic, file-backed tracker for the fault tests (shared with `sync_worker.py`).

`GeneratedProject` evolves a project round by round (edits, deletions, additions) from a
seed and writes its state to a JSON file; `FileReader` reads that file as a tracker whose
cursor is the round number. Two processes reading the same file see the same tracker.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from clientsync.domain.model import Milestone, Project, WorkItem
from clientsync.ports import ReadResult

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
PROJECT = Project(id="big", name="Generated project", tracker="file")
STATES = ("todo", "in_progress", "done")


def round_time(round_: int) -> datetime:
    return T0 + timedelta(days=round_)


class GeneratedProject:
    def __init__(self, count: int, *, seed: int) -> None:
        self.rng = random.Random(seed)
        self.round = 0
        self.next_number = 0
        self.items: dict[str, tuple[int, dict[str, Any]]] = {}
        self.deleted: dict[str, int] = {}
        for _ in range(count):
            self._add()

    def _add(self) -> None:
        n = self.next_number
        self.next_number += 1
        when = round_time(self.round).isoformat()
        self.items[f"id-{n}"] = (
            self.round,
            {
                "id": f"id-{n}",
                "key": f"BIG-{n}",
                "title": f"Generated item {n}",
                "state": self.rng.choice(STATES),
                "estimate": float(self.rng.randrange(1, 9)),
                "milestones": [f"m{n % 4}"],
                "labels": ["generated"],
                "created": when,
                "updated": when,
            },
        )

    def advance(self, *, edits: int, deletions: int, additions: int) -> None:
        """The next round: `edits` items change, `deletions` go, `additions` arrive."""
        self.round += 1
        when = round_time(self.round) - timedelta(hours=1)
        live = sorted(self.items)
        for ident in self.rng.sample(live, k=min(edits, len(live))):
            _, data = self.items[ident]
            changed = data | {
                "state": self.rng.choice(STATES),
                "estimate": float(self.rng.randrange(1, 9)),
                "updated": when.isoformat(),
            }
            self.items[ident] = (self.round, changed)
        for ident in self.rng.sample(sorted(self.items), k=min(deletions, len(self.items))):
            del self.items[ident]
            self.deleted[ident] = self.round
        for _ in range(additions):
            self._add()

    def write(self, path: Path) -> None:
        document = {
            "round": self.round,
            "items": [{"rev": rev, "item": data} for rev, data in self.items.values()],
            "deleted": self.deleted,
            "milestones": [
                {"id": f"m{n}", "name": f"Phase {n}", "due": f"2026-0{n + 3}-01"} for n in range(4)
            ],
        }
        path.write_text(json.dumps(document), encoding="utf-8")


class FileReader:
    """A `TrackerReader` over a `GeneratedProject` file: the cursor is the round read."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        document = json.loads(self.path.read_text(encoding="utf-8"))
        since = None if full or cursor is None else int(cursor)
        items = tuple(
            WorkItem.model_validate(entry["item"])
            for entry in document["items"]
            if since is None or entry["rev"] > since
        )
        deleted = (
            ()
            if since is None
            else tuple(ident for ident, rev in document["deleted"].items() if rev > since)
        )
        return ReadResult(
            project=PROJECT,
            items=items,
            milestones=tuple(Milestone.model_validate(m) for m in document["milestones"]),
            deleted=deleted,
            cursor=str(document["round"]),
            census=since is None,
        )
