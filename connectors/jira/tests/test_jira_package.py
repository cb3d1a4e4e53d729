"""The package is import-light and registered as the `jira` connector."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from clientsync_jira import JiraConnector

from clientsync.errors import ConfigError
from clientsync.registry import load


def test_importing_the_connector_does_not_import_the_sdk() -> None:
    code = "import sys, clientsync_jira; print('jira' in sys.modules, 'requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_registered_under_the_entry_point() -> None:
    assert load("jira") is JiraConnector


def test_from_options_reads_secrets_from_the_environment_only() -> None:
    env = {"JIRA_EMAIL": "pm@agency.example", "JIRA_API_TOKEN": "ATATT3xFfGF0-secret-value"}
    options = {"url": "https://acme.atlassian.net", "project": "CS"}
    connector = JiraConnector.from_options(options, env=env, base_dir=Path())
    assert "secret-value" not in repr(connector) + repr(connector.api)
    with pytest.raises(ConfigError, match="JIRA_API_TOKEN"):
        JiraConnector.from_options(options, env={"JIRA_EMAIL": "x"}, base_dir=Path())
    with pytest.raises(ConfigError, match="unknown option 'projct'"):
        JiraConnector.from_options({**options, "projct": "X"}, env=env, base_dir=Path())
