"""[webhooks]: validated with errors naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from clientsync.automation import hook_sources
from clientsync.config import Verification, load_config
from clientsync.errors import ConfigError

BASE = """\
[project]
name = "Portal"

[[sources]]
connector = "jira"
url = "https://acme.atlassian.net"
project = "CS"

[[sources]]
connector = "trello"
board_id = "b1"

[[sources]]
connector = "file"
path = "snapshot.json"
"""


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "clientsync.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return load_config(path)


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    return str(caught.value)


def test_no_webhooks_table_means_no_source_takes_webhooks(tmp_path: Path) -> None:
    config = _load(tmp_path, "")
    assert config.webhooks.sources == {}  # type: ignore[attr-defined]
    assert config.webhooks.max_body_bytes == 1_048_576  # type: ignore[attr-defined]


def test_a_full_table_loads(tmp_path: Path) -> None:
    config = load_config_text(
        tmp_path,
        """
[webhooks]
max_body_bytes = 2048
public_url = "https://hooks.example.com/"

[webhooks.sources.jira]
verification = "shared-secret"
secret_env = "JIRA_AUTOMATION_SECRET"
header = "X-Token"

[webhooks.sources.trello]
secret_env = "TRELLO_APP_SECRET"
""",
    )
    jira = config.webhooks.sources["jira"]
    assert jira.verification is Verification.SHARED_SECRET
    assert jira.header == "X-Token"
    assert config.webhooks.public_url == "https://hooks.example.com"
    assert config.webhooks.callback_url("trello") == "https://hooks.example.com/webhooks/trello"


def load_config_text(tmp_path: Path, text: str) -> object:
    return _load(tmp_path, text)


def test_an_unknown_source_is_named_with_a_suggestion(tmp_path: Path) -> None:
    message = _error(tmp_path, '[webhooks.sources.jria]\nsecret_env = "S"\n')
    assert message == (
        f"{tmp_path / 'clientsync.toml'}: webhooks.sources.jria: no source named 'jria'; "
        "did you mean 'jira'? name a [[sources]] entry (known: 'jira', 'trello', 'file')"
    )


def test_a_connector_without_webhooks_is_refused(tmp_path: Path) -> None:
    message = _error(tmp_path, "[webhooks.sources.file]\n")
    assert "webhooks.sources.file: the 'file' connector does not take webhooks; remove" in message


def test_jira_signature_needs_its_secret_variable(tmp_path: Path) -> None:
    message = _error(tmp_path, "[webhooks.sources.jira]\n")
    assert message.endswith(
        "webhooks.sources.jira.secret_env: jira deliveries are verified with the webhook's "
        'secret; set secret_env = "JIRA_WEBHOOK_SECRET" (the variable holding it)'
    )


def test_trello_needs_the_callback_url_it_signs(tmp_path: Path) -> None:
    message = _error(tmp_path, '[webhooks.sources.trello]\nsecret_env = "TRELLO_APP_SECRET"\n')
    assert "webhooks.sources.trello.callback_url: Trello signs the callback URL" in message
    assert "set [webhooks] public_url, or callback_url here" in message


def test_shared_secret_is_for_jira_automation_only(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        '[webhooks.sources.trello]\nverification = "shared-secret"\nsecret_env = "S"\n'
        'callback_url = "https://h.example/webhooks/trello"\n',
    )
    assert "webhooks.sources.trello.verification: trello signs its deliveries" in message


def test_a_secret_written_in_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    secret = "ATATT3xFfGF0q9Lm2Rk7Vb8Tz4Yw1Xc6Nd5Ue0"
    message = _error(tmp_path, f'[webhooks.sources.jira]\nsecret = "{secret}"\n')
    assert secret not in message
    assert "webhooks.sources.jira.secret looks like a secret written in the file" in message


def test_misspelt_keys_get_a_suggestion_within_the_source_table(tmp_path: Path) -> None:
    message = _error(tmp_path, '[webhooks.sources.jira]\nsecret_env = "S"\nhedaer = "X"\n')
    assert message.endswith(
        "webhooks.sources.jira.hedaer: unknown key 'hedaer'; did you mean 'header'?"
    )


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ('[webhooks]\npublic_url = "ftp://x"\n', "webhooks.public_url: not an http(s) URL"),
        (
            '[webhooks]\npublic_url = "https://u:p@x.example"\n',
            "webhooks.public_url looks like a secret written in the file",
        ),
        ("[webhooks]\nmax_body_bytes = 10\n", "webhooks.max_body_bytes: must be greater than"),
        (
            '[webhooks.sources.jira]\nsecret_env = "S"\nheader = "Bad Header"\n',
            "webhooks.sources.jira.header: 'Bad Header' is not an HTTP header name",
        ),
        (
            '[webhooks.sources.jira]\nsecret_env = "not a name"\n',
            "webhooks.sources.jira.secret_env: must name an environment variable",
        ),
    ],
)
def test_bad_values_name_key_and_fix(tmp_path: Path, snippet: str, expected: str) -> None:
    assert expected in _error(tmp_path, snippet)


def test_missing_secret_variables_are_listed_together_without_values(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        '[webhooks]\npublic_url = "https://h.example"\n'
        '[webhooks.sources.jira]\nsecret_env = "JIRA_WEBHOOK_SECRET"\n'
        '[webhooks.sources.trello]\nsecret_env = "TRELLO_APP_SECRET"\n',
    )
    with pytest.raises(ConfigError) as caught:
        hook_sources(config, {"TRELLO_APP_SECRET": ""})  # type: ignore[arg-type]
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert "JIRA_WEBHOOK_SECRET is not set" in lines[0]
    assert "TRELLO_APP_SECRET is empty" in lines[1]
    resolved = hook_sources(
        config,  # type: ignore[arg-type]
        {"JIRA_WEBHOOK_SECRET": "one-secret-value", "TRELLO_APP_SECRET": "two-secret-value"},
    )
    assert "one-secret-value" not in repr(resolved)
    assert resolved["trello"].callback_url == "https://h.example/webhooks/trello"
