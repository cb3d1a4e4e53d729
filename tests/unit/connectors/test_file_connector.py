"""The built-in `file` connector: the contract, its options and its error messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clientsync.connectors.file import FileConnector
from clientsync.errors import ConfigError, FatalTrackerError, TransientTrackerError
from clientsync.testing import ConnectorContract

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PROJECT = {"id": "acme", "name": "Acme", "timezone": "UTC"}


class SnapshotFile:
    """A snapshot JSON file edited like a tracker, with scriptable read failures."""

    page_size = 1  # a file is read whole: every item is its own "page" boundary
    secret = "file-connector-holds-no-credential-3f9c"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: dict[str, dict[str, Any]] = {}
        self.clock = T0
        self.failures: list[str] = []
        self._write()

    def _tick(self) -> str:
        # An hour per edit: far outside the connector's overlap window.
        self.clock += timedelta(hours=1)
        return self.clock.isoformat()

    def _write(self) -> None:
        document = {
            "project": PROJECT,
            "taken_at": self.clock.isoformat(),
            "items": list(self.items.values()),
            "milestones": [],
        }
        self.path.write_text(json.dumps(document), encoding="utf-8")

    def add_item(self, key: str, title: str, **fields: Any) -> str:
        ident = f"id-{key}"
        now = self._tick()
        self.items[ident] = {
            "id": ident,
            "key": key,
            "title": title,
            "created": now,
            "updated": now,
            **fields,
        }
        self._write()
        return ident

    def update_item(self, item_id: str, **fields: Any) -> None:
        self.items[item_id] |= {**fields, "updated": self._tick()}
        self._write()

    def delete_item(self, item_id: str) -> None:
        del self.items[item_id]
        self._write()

    def fail_next(self, exception_kind: str, times: int = 1) -> None:
        self.failures += [exception_kind] * times

    def read_text(self, path: Path) -> str:
        if self.failures:
            kind = self.failures.pop(0)
            if kind == "fatal":
                raise PermissionError(13, "Permission denied", str(path))
            return path.read_text(encoding="utf-8")[:-40]  # caught mid-write
        return path.read_text(encoding="utf-8")


class TestFileConnectorContract(ConnectorContract):
    # Items updated at the cursor's own moment are re-sent (the overlap window), unchanged.
    exact_incremental = False

    @pytest.fixture
    def tracker(self, tmp_path: Path) -> SnapshotFile:
        return SnapshotFile(tmp_path / "snapshot.json")

    @pytest.fixture
    def reader(self, tracker: SnapshotFile) -> FileConnector:
        return FileConnector(tracker.path, read_text=tracker.read_text)


def test_from_options_resolves_the_path_against_the_config_folder(tmp_path: Path) -> None:
    connector = FileConnector.from_options({"path": "data/s.json"}, env={}, base_dir=tmp_path)
    assert connector.path == tmp_path / "data" / "s.json"


def test_from_options_names_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="set 'path'"):
        FileConnector.from_options({}, env={}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"unknown option.*pth"):
        FileConnector.from_options({"pth": "x"}, env={}, base_dir=tmp_path)


def test_malformed_item_is_rejected_with_key_and_field(tmp_path: Path) -> None:
    backend = SnapshotFile(tmp_path / "s.json")
    backend.add_item("OK-1", "fine")
    backend.add_item("BAD-2", "broken", due="someday")
    result = FileConnector(backend.path).read()
    assert [i.key for i in result.items] == ["OK-1"]
    [rejected] = result.rejected
    assert (rejected.key, rejected.field) == ("BAD-2", "due")
    assert "date" in rejected.reason


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"project": {\n  "id": oops}\n}', encoding="utf-8")
    with pytest.raises(FatalTrackerError, match=r"line 2, column 9"):
        FileConnector(path).read()


def test_a_truncated_file_is_transient(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"project": {"id": "a", "name": "A"}, "items": [', encoding="utf-8")
    with pytest.raises(TransientTrackerError, match="still being written"):
        FileConnector(path).read()


def test_missing_file_is_fatal_and_named(tmp_path: Path) -> None:
    with pytest.raises(FatalTrackerError, match="does not exist"):
        FileConnector(tmp_path / "nope.json").read()


def test_incremental_read_keeps_the_overlap_window(tmp_path: Path) -> None:
    backend = SnapshotFile(tmp_path / "s.json")
    first_id = backend.add_item("A-1", "one")
    first = FileConnector(backend.path).read()
    # Changed two minutes after the cursor's item, but with an older clock: within overlap.
    backend.items[first_id]["updated"] = (backend.clock - timedelta(minutes=2)).isoformat()
    backend._write()
    again = FileConnector(backend.path).read(cursor=first.cursor)
    assert [i.key for i in again.items] == ["A-1"]
    assert again.census is False
    assert again.census_ids == frozenset({first_id})
