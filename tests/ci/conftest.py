"""The bundled example's client report, built once for the gate and docs tests."""

from __future__ import annotations

import pytest

from clientsync.domain.report import Report

from .builders import demo_report


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return demo_report(tmp_path_factory.mktemp("demo"))
