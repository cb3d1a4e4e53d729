"""Read a project through a connector, as `clientsync sync` does, without a store."""

from datetime import UTC, datetime

from clientsync import Snapshot
from clientsync.registry import load
from clientsync.services import example_dir

folder = example_dir()  # the bundled example; use your own folder and options
reader = load("file").from_options({"path": "snapshots/2026-11-23.json"}, env={}, base_dir=folder)
result = reader.read(full=True)  # a full read is a census of the live items
snapshot = Snapshot(
    project=result.project,
    taken_at=datetime.now(UTC),
    items=result.items,
    milestones=result.milestones,
)
print(
    f"{snapshot.project.name}: {len(snapshot.items)} items, {len(snapshot.milestones)} milestones"
)
