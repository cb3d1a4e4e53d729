"""A small project with canary strings in everything a client must never see, synced into
a real store through the file connector, with a baseline and a drift since it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from clientsync.config import load_config
from clientsync.domain.model import ItemState, Milestone, Project, Snapshot, Visibility, WorkItem
from clientsync.publish import PublishResult, publish_due
from clientsync.retry import RetryPolicy
from clientsync.services import capture_project_baseline, sync_project
from clientsync.store import Store
from clientsync.testing import FixedClock

CANARY = "CANARYzq"
"""Every string a client or executive must never see starts with this."""
BASELINE_DAY = datetime(2026, 11, 16, 9, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)  # the Monday after

CONFIG_HEAD = f"""
[project]
name = "Portal"
id = "portal"
timezone = "UTC"

[[sources]]
name = "main"
connector = "file"
path = "snapshot.json"

[visibility]
internal_labels = ["internal", "{CANARY}-label"]

[forecast]
trials = 200
"""

FILE_AUDIENCE = """
[[audiences]]
name = "sponsor"
level = "client"
contacts = ["Jordan <jordan@client.example>"]
cadence = "weekly"
weekday = "mon"
channel = { type = "file", path = "out/{audience}-{date}.md" }
"""


def _item(n: int, taken: datetime, **fields: Any) -> WorkItem:
    base: dict[str, Any] = {
        "id": str(n),
        "key": f"P-{n}",
        "title": f"Visible item {n}",
        "created": BASELINE_DAY - timedelta(days=40),
        "updated": taken - timedelta(hours=1),
        "milestones": ("m1",),
        "estimate": 3.0,
    }
    base.update(fields)
    return WorkItem.model_validate(base)


def snapshot(taken: datetime, *, week: int) -> Snapshot:
    items = [
        _item(1, taken, state=ItemState.DONE, completed_at=taken - timedelta(days=2)),
        _item(
            2,
            taken,
            state=ItemState.IN_PROGRESS,
            assignee=f"{CANARY}-assignee",
            extra={
                "note": f"{CANARY}-extra",
                "sprint": f"{CANARY}-sprint",
                # Raw comments, as a connector could keep them: no connector does today.
                "comments": [{"body": f"{CANARY}-internal-comment", "public": False}],
            },
            labels=("frontend",),
        ),
        _item(3, taken, blocked=True, blocked_reason="waiting for the client's API keys"),
        _item(4, taken, due=date(2026, 11, 20), client_request=True),
        _item(
            90,
            taken,
            title=f"{CANARY}-internal-item",
            visibility=Visibility.INTERNAL,
            blocked=True,
            blocked_reason=f"{CANARY}-internal-reason",
            due=date(2026, 11, 18),
            assignee=f"{CANARY}-internal-assignee",
        ),
        _item(
            91,
            taken,
            title=f"{CANARY}-labelled-item",
            labels=(f"{CANARY}-label",),
            state=ItemState.IN_PROGRESS,
        ),
        _item(92, taken, title=f"{CANARY}-child-of-internal", parent="P-90", blocked=True),
    ]
    for n in range(10, 16):
        items.append(
            _item(n, taken, state=ItemState.DONE, completed_at=taken - timedelta(days=n - 8))
        )
    due = date(2026, 12, 4)
    if week == 2:
        due = date(2026, 12, 18)  # the milestone moved: a change notice
        items.append(_item(5, taken, title="Visible new scope", estimate=5.0))
        items.append(
            _item(93, taken, title=f"{CANARY}-new-internal", visibility=Visibility.INTERNAL)
        )
    milestones = (Milestone(id="m1", name="Launch", due=due),)
    return Snapshot(
        project=Project(id="portal", name="Portal"),
        taken_at=taken,
        items=tuple(items),
        milestones=milestones,
    )


class Workspace:
    """A config directory, its store (synced twice, baselined once) and a clock."""

    def __init__(self, root: Path, audiences: str = FILE_AUDIENCE) -> None:
        self.root = root
        (root / "clientsync.toml").write_text(CONFIG_HEAD + audiences, encoding="utf-8")
        self.clock = FixedClock(NOW)
        self.sleeps: list[float] = []
        self.config = load_config(root / "clientsync.toml")
        self.store = Store.open(self.config.store_path)
        self.sync(snapshot(BASELINE_DAY, week=1), BASELINE_DAY)
        capture_project_baseline(self.config, self.store, now=BASELINE_DAY, agreed_by="Jordan")
        self.sync(snapshot(NOW - timedelta(hours=1), week=2), NOW - timedelta(hours=1))

    def sync(self, snap: Snapshot, now: datetime) -> None:
        (self.root / "snapshot.json").write_text(snap.model_dump_json(), encoding="utf-8")
        sync_project(self.config, self.store, now=now, env={}, full=True)

    def retry(self) -> RetryPolicy:
        """No real waiting: sleeps are recorded."""
        return RetryPolicy(sleep=self.sleeps.append, clock=self.clock.monotonic)

    def publish(self, *, env: dict[str, str] | None = None, **kwargs: Any) -> PublishResult:
        kwargs.setdefault("retry", self.retry())
        return publish_due(self.config, self.store, now=self.clock.now(), env=env or {}, **kwargs)

    def statuses(self, result: PublishResult) -> list[tuple[str, str]]:
        return [(o.audience + ("!" if o.escalation else ""), o.status) for o in result.outcomes]

    def close(self) -> None:
        self.store.close()


def walk(root: Path) -> Iterator[Path]:
    yield from (p for p in sorted(root.rglob("*")) if p.is_file())
