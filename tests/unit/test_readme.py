"""The README's library example runs as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from clientsync.services import example_dir

README = Path(__file__).resolve().parents[2] / "README.md"


def test_library_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    block = re.search(r"## As a library\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    shutil.copy(example_dir() / "snapshots" / "2026-11-23.json", tmp_path / "snapshot.json")
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("# Acme customer portal — status")
    assert "Priya Shah" not in printed
