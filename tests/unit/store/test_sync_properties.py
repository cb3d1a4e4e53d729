"""Properties of the sync engine over random edit sequences (real store files)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.model import ItemState
from clientsync.store import Store
from clientsync.sync import sync_source

from .readers import VersionedTracker, at, item

STATES = list(ItemState)

# An edit: (kind, item number, value); applied in order between syncs.
edits = st.lists(
    st.tuples(
        st.sampled_from(["put", "update", "delete"]),
        st.integers(0, 11),
        st.integers(0, 3),
    ),
    max_size=12,
)


def apply(tracker: VersionedTracker, batch: list[tuple[str, int, int]], hour: int) -> None:
    for kind, n, value in batch:
        ident = f"id-{n}"
        if kind == "put" and ident not in tracker.items:
            tracker.put(item(n, created=at(hour), updated=at(hour)))
        elif kind == "update" and ident in tracker.items:
            tracker.update(ident, when=at(hour), state=STATES[value], estimate=float(value))
        elif kind == "delete" and ident in tracker.items:
            tracker.delete(ident)


@settings(max_examples=25, deadline=None)
@given(st.lists(edits, min_size=1, max_size=5))
def test_incremental_syncs_end_where_one_full_sync_ends(
    batches: list[list[tuple[str, int, int]]],
) -> None:
    tracker = VersionedTracker([item(n) for n in range(6)])
    with tempfile.TemporaryDirectory() as scratch:
        with Store.open(Path(scratch) / "inc.db") as incremental:
            sync_source(incremental, "src", tracker, now=at(0))
            for hour, batch in enumerate(batches, start=1):
                apply(tracker, batch, hour)
                sync_source(incremental, "src", tracker, now=at(hour), allow_empty=True)
            synced = incremental.snapshot("src", taken_at=at(99))
            # A sync with nothing new records nothing and changes nothing.
            quiet = sync_source(incremental, "src", tracker, now=at(50), allow_empty=True)
            assert quiet.changes == 0
            assert incremental.snapshot("src", taken_at=at(99)) == synced
        with Store.open(Path(scratch) / "full.db") as fresh:
            sync_source(fresh, "src", tracker, now=at(99), full=True)
            assert fresh.snapshot("src", taken_at=at(99)) == synced
    assert {i.id for i in synced.items} == set(tracker.items)
