"""The one-command dev install must pick up every connector package."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_requirements_dev_installs_every_connector() -> None:
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    listed = {line.split(maxsplit=1)[1].rstrip("/") for line in lines if line.startswith("-e ")}
    assert ".[dev,charts,docs]" in listed
    connectors = ROOT / "connectors"
    packages = (
        sorted(p for p in connectors.iterdir() if (p / "pyproject.toml").is_file())
        if connectors.is_dir()
        else []
    )
    missing = [f"./connectors/{p.name}" for p in packages if f"./connectors/{p.name}" not in listed]
    assert not missing, f"add to requirements-dev.txt: {', '.join('-e ' + m for m in missing)}"
