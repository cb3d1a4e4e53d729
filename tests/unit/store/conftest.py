"""Fixtures for the store tests: a fresh store file per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clientsync.store import Store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "clientsync.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with Store.open(store_path) as opened:
        yield opened
