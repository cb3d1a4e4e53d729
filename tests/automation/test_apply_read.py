"""apply_read: a partial read applied like a sync, without the cursor or census deletions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.model import ItemChange
from clientsync.ports import ReadResult
from clientsync.store import Store
from clientsync.sync import apply_read, sync_source
from tests.unit.store.readers import PROJECT, T0, at, census, item, milestone


class _Once:
    def __init__(self, result: ReadResult) -> None:
        self.result = result

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        return self.result


def _synced(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "s.db")
    first = census(item(1, milestones=("m1",)), item(2), item(3), milestones=(milestone(1),))
    sync_source(store, "src", _Once(first), now=at(1))
    return store


def test_the_cursor_stays_where_the_last_sync_left_it(tmp_path: Path) -> None:
    with _synced(tmp_path) as store:
        changed = item(2, title="Renamed", updated=at(2))
        applied = apply_read(store, "src", ReadResult(project=PROJECT, items=(changed,)), now=at(3))
        assert store.cursor("src") == "c1"
        assert applied.cursor == "c1"
        assert (applied.updated, applied.inserted, applied.deleted) == (1, 0, 0)
        titles = {i.key: i.title for i in store.snapshot("src", taken_at=at(3)).items}
        assert titles["AC-2"] == "Renamed"


def test_a_read_claiming_to_be_a_census_deletes_nothing_it_does_not_name(tmp_path: Path) -> None:
    with _synced(tmp_path) as store:
        claimed = census(item(2, title="New", updated=at(2)), cursor="moved")
        claimed = replace(claimed, census_ids=frozenset({"id-2"}), milestone_census=True)
        applied = apply_read(store, "src", claimed, now=at(3))
        assert applied.deleted == 0
        live = {i.key for i in store.snapshot("src", taken_at=at(3)).items}
        assert live == {"AC-1", "AC-2", "AC-3"}
        assert {m.id for m in store.snapshot("src", taken_at=at(3)).milestones} == {"m1"}
        assert store.cursor("src") == "c1"


def test_named_deletions_are_applied_and_recorded(tmp_path: Path) -> None:
    with _synced(tmp_path) as store:
        applied = apply_read(
            store, "src", ReadResult(project=PROJECT, deleted=("id-3",)), now=at(3)
        )
        assert applied.deleted == 1
        assert [c.field for c in applied.recorded] == ["deleted"]
        assert "AC-3" not in {i.key for i in store.snapshot("src", taken_at=at(3)).items}


def test_a_source_never_synced_keeps_no_cursor(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        apply_read(store, "new", ReadResult(project=PROJECT, items=(item(9),)), now=at(1))
        assert store.cursor("new") is None  # the first sync still reads everything


def test_recorded_holds_the_changelog_and_diffs_of_written_items_only(tmp_path: Path) -> None:
    with _synced(tmp_path) as store:
        moved = item(1, milestones=("m1",), due=date(2026, 5, 1), updated=at(2))
        told = ItemChange(key="AC-1", field="due", before=None, after="2026-05-01", at=at(2))
        stale = ItemChange(key="AC-2", field="due", before=None, after="2026-01-01", at=T0)
        result = ReadResult(
            project=PROJECT,
            items=(moved, item(2)),
            milestones=(milestone(1, due=date(2026, 6, 30)),),
            changes=(told, stale),
        )
        applied = apply_read(store, "src", result, now=at(3))
        recorded = {(c.key, c.field, c.after) for c in applied.recorded}
        assert recorded == {("AC-1", "due", "2026-05-01"), ("m1", "due", "2026-06-30")}
        # The same delivery again: nothing written, nothing recorded.
        again = apply_read(store, "src", result, now=at(4))
        assert (again.updated, again.inserted, again.changes, again.recorded) == (0, 0, 0, ())


@settings(max_examples=25, deadline=None)
@given(
    titles=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=5),
    repeats=st.integers(min_value=1, max_value=3),
)
def test_applying_a_read_twice_changes_nothing_the_second_time(
    tmp_path_factory: object, titles: list[str], repeats: int
) -> None:
    directory = tmp_path_factory.mktemp("apply")  # type: ignore[attr-defined]
    with Store.open(directory / "s.db") as store:
        items = tuple(
            item(n, title=t, updated=T0 + timedelta(minutes=n)) for n, t in enumerate(titles)
        )
        result = ReadResult(project=PROJECT, items=items)
        apply_read(store, "src", result, now=at(1))
        before = store.snapshot("src", taken_at=at(2))
        history = store.history()
        for _ in range(repeats):
            again = apply_read(store, "src", result, now=at(2))
            assert again.changes == 0 and again.recorded == ()
        assert store.snapshot("src", taken_at=at(2)) == before
        assert store.history() == history


def test_a_read_of_every_milestone_drops_the_one_it_no_longer_lists(tmp_path: Path) -> None:
    # Jira re-reads every version on a version event and says so with milestone_census.
    with _synced(tmp_path) as store:
        listed = ReadResult(project=PROJECT, milestones=(milestone(2),), milestone_census=True)
        apply_read(store, "src", listed, now=at(3))
        assert {m.id for m in store.snapshot("src", taken_at=at(3)).milestones} == {"m2"}
        assert store.cursor("src") == "c1"


def test_an_empty_delivery_leaves_the_stored_project_alone(tmp_path: Path) -> None:
    # A heartbeat, or a delivery about another board, carries a stand-in project.
    with _synced(tmp_path) as store:
        stand_in = PROJECT.model_copy(update={"name": "board-id-only"})
        applied = apply_read(store, "src", ReadResult(project=stand_in), now=at(3))
        assert (applied.inserted, applied.updated, applied.deleted) == (0, 0, 0)
        assert store.snapshot("src", taken_at=at(3)).project.name == PROJECT.name
