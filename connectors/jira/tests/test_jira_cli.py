"""`clientsync sync` and `report` end to end, with clientsync.toml pointing at a FakeJira."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from clientsync_jira.testing import FakeJira

from clientsync.cli import main
from clientsync.testing import FixedClock

CONFIG = """
[project]
name = "Client portal"
timezone = "Europe/Berlin"

[[sources]]
connector = "jira"
url = "{url}"
project = "CS"

[store]
path = "state.db"

[[audiences]]
name = "sponsor"
level = "client"
contacts = ["jordan@client.example"]
cadence = "weekly"
weekday = "mon"
channel = {{ type = "file", path = "reports/sponsor.md" }}
"""


def cli(config: Path, server: FakeJira, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"JIRA_EMAIL": server.email, "JIRA_API_TOKEN": server.secret}
    clock = FixedClock(datetime(2026, 9, 1, 9, tzinfo=UTC))
    code = main(["--config", str(config), *args], env=env, clock=clock, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_sync_then_report_from_a_fake_jira(tmp_path: Path) -> None:
    with FakeJira() as server:
        server.data.generate("CS", 120, seed=3)
        config = tmp_path / "clientsync.toml"
        config.write_text(CONFIG.format(url=server.url), encoding="utf-8")

        code, out, err = cli(config, server, "sync")
        assert code == 0, err
        assert "jira: full sync read 120" in out
        code, out, err = cli(config, server, "sync")
        assert code == 0, err
        assert "jira: incremental sync" in out

        code, out, err = cli(config, server, "report", "--audience", "sponsor")
        assert code == 0, err
        assert "Client portal" in out
        assert "1.0" in out  # a fix version, as a milestone
        assert server.secret not in out + err
