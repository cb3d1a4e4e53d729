"""The domain model's contract: strict, frozen, UTC inside, errors that name the culprit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from clientsync.domain.model import Project, Snapshot, SnapshotError, WorkItem
from clientsync.domain.report import json_schema

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def payload(**item_fields: object) -> str:
    good = {
        "id": "1",
        "key": "P-1",
        "title": "ok",
        "created": T0.isoformat(),
        "updated": T0.isoformat(),
    }
    bad = {
        "id": "2",
        "key": "P-2",
        "title": "bad",
        "created": T0.isoformat(),
        "updated": T0.isoformat(),
        **item_fields,
    }
    return json.dumps(
        {"project": {"id": "p", "name": "P"}, "taken_at": T0.isoformat(), "items": [good, bad]}
    )


def test_malformed_value_names_the_item_key_and_the_field() -> None:
    with pytest.raises(SnapshotError) as raised:
        Snapshot.from_json(payload(due="next week"))
    assert "items[1] (key P-2) field 'due'" in str(raised.value)


def test_unknown_field_is_rejected_by_name() -> None:
    with pytest.raises(SnapshotError, match=r"\(key P-2\) field 'colour'"):
        Snapshot.from_json(payload(colour="red"))


def test_naive_datetimes_are_rejected_and_aware_ones_become_utc() -> None:
    with pytest.raises(ValidationError):
        WorkItem(id="1", key="P-1", title="t", created=datetime(2026, 11, 2), updated=T0)
    berlin = timezone(timedelta(hours=1))
    item = WorkItem(id="1", key="P-1", title="t", created=T0.astimezone(berlin), updated=T0)
    assert item.created.tzinfo is UTC
    assert item.created == T0


def test_models_are_frozen() -> None:
    item = WorkItem(id="1", key="P-1", title="t", created=T0, updated=T0)
    with pytest.raises(ValidationError):
        item.title = "changed"  # type: ignore[misc]


def test_unknown_time_zone_says_what_to_use() -> None:
    with pytest.raises(ValidationError, match="IANA name"):
        Project(id="p", name="P", timezone="Mars/Olympus")


def test_duplicate_keys_are_refused() -> None:
    item = WorkItem(id="1", key="P-1", title="t", created=T0, updated=T0)
    with pytest.raises(ValidationError, match="duplicate key 'P-1'"):
        Snapshot(
            project=Project(id="p", name="P"),
            taken_at=T0,
            items=(item, item.model_copy(update={"id": "2"})),
        )


@pytest.mark.parametrize("name", ["snapshot", "baseline", "report"])
def test_json_schemas_are_published(name: str) -> None:
    schema = json_schema(name)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["type"] == "object"
    assert schema["properties"]


def test_unknown_schema_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="baseline, report, snapshot"):
        json_schema("risks")


def test_snapshot_equality_ignores_lookup_caches() -> None:
    from clientsync.domain.base import replaced

    looked_into = Snapshot.model_validate_json(payload())
    fresh = Snapshot.model_validate_json(payload())
    assert looked_into.item("P-1") is looked_into.items[0]
    assert looked_into == fresh
    copied = replaced(looked_into, {"items": ()})
    assert copied.item("P-1") is None  # the copy never inherits the index of other items
    assert copied == fresh.model_copy(update={"items": ()})
