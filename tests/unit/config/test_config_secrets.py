"""Secrets stay out of clientsync.toml and out of every message; `*_env` names resolve."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from clientsync.config import SourceConfig, looks_like_credential, resolve_env
from clientsync.errors import ConfigError

from .support import AUDIENCE, MINIMAL, error_of, load_text

# --- secrets ------------------------------------------------------------------------

ATLASSIAN = "ATATT3xFfGF0" + "q" * 20 + "Z9k2LmP"
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SLACK = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrSt"
RANDOM = "k3J9sQ0vZ7mW2xR5tB8nL1pY4cF6hD0gA2eU9iO3"


@pytest.mark.parametrize(
    ("snippet", "where", "set_instead"),
    [
        (
            f'[[sources]]\nconnector = "jira"\napi_token = "{ATLASSIAN}"\n',
            "sources[1].api_token",
            'sources[1].api_token_env = "JIRA_API_TOKEN"',
        ),
        (
            '[[sources]]\nconnector = "trello"\nkey = "plain-looking"\ntoken_env = "T"\n',
            "sources[1].key",
            'sources[1].key_env = "TRELLO_KEY"',
        ),
        (
            '[[sources]]\nconnector = "jira"\n[sources.auth]\npassword = "hunter2"\n',
            "sources[1].auth.password",
            'sources[1].auth.password_env = "JIRA_PASSWORD"',
        ),
        (
            f'[[sources]]\nconnector = "github"\n[sources.a.b]\nc = ["x", "{GITHUB}"]\n',
            "sources[1].a.b.c[1]",
            'sources[1].a.b.c_env = "GITHUB_C"',
        ),
        (
            f'[[sources]]\nconnector = "asana"\nworkspace = "{RANDOM}"\n',
            "sources[1].workspace",
            'sources[1].workspace_env = "ASANA_WORKSPACE"',
        ),
        (
            f'[[sources]]\nconnector = "jira"\nserver = "https://me:{RANDOM}@x.atlassian.net"\n',
            "sources[1].server",
            'sources[1].server_env = "JIRA_SERVER"',
        ),
        (
            AUDIENCE.replace(
                '{ type = "file", path = "reports/sponsor.md" }',
                f'{{ type = "webhook", headers = {{ Authorization = "{SLACK}" }} }}',
            ),
            "audiences[0].channel.headers.Authorization",
            'audiences[0].channel.headers.Authorization_env = "WEBHOOK_AUTHORIZATION"',
        ),
        (
            '[[sources]]\nconnector = "jira"\npat = 12345678\n',
            "sources[1].pat",
            'sources[1].pat_env = "JIRA_PAT"',
        ),
    ],
)
def test_a_secret_in_the_file_is_refused_without_echoing_it(
    tmp_path: Path, snippet: str, where: str, set_instead: str
) -> None:
    message = error_of(tmp_path, MINIMAL + snippet)

    assert message == (
        f"{tmp_path / 'clientsync.toml'}: {where} looks like a secret written in the file; "
        f"move it to an environment variable and set {set_instead} instead"
    )
    for secret in (ATLASSIAN, GITHUB, SLACK, RANDOM, "hunter2", "plain-looking", "12345678"):
        assert secret not in message


def test_a_secret_pasted_into_an_env_option_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + f'[[sources]]\nconnector = "jira"\napi_token_env = "{ATLASSIAN}"\n'
    message = error_of(tmp_path, text)
    assert message == (
        f"{tmp_path / 'clientsync.toml'}: sources[1].api_token_env looks like a secret written "
        "in the file; an `_env` option holds the NAME of an environment variable: put the "
        'secret in JIRA_API_TOKEN and set sources[1].api_token_env = "JIRA_API_TOKEN" instead'
    )
    assert ATLASSIAN not in message


def test_every_secret_is_reported(tmp_path: Path) -> None:
    text = MINIMAL + f'[[sources]]\nconnector = "trello"\nkey = "k"\ntoken = "{RANDOM}"\n'
    lines = error_of(tmp_path, text).splitlines()
    assert [line.split(": ")[1].split(" ")[0] for line in lines] == [
        "sources[1].key",
        "sources[1].token",
    ]


def test_a_secret_given_in_python_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as caught:
        SourceConfig.model_validate({"connector": "jira", "nested": {"api_token": ATLASSIAN}})
    text = str(caught.value)
    assert "nested.api_token" in text
    assert "looks like a secret" in text
    assert ATLASSIAN not in text
    assert ATLASSIAN not in repr(caught.value.errors(include_input=False))


@pytest.mark.parametrize(
    "value",
    [
        "snapshots/2026-11-23.json",
        "https://your-company.atlassian.net",
        "project = WEB AND statusCategory != Done ORDER BY updated DESC",
        "sponsor@client.example",
        "JIRA_API_TOKEN",
        "CLIENTSYNC_ACME_JIRA_API_TOKEN_PRODUCTION",
        "release_2024_q1_milestone_deliverables_phase_2",
        "ReleaseCandidate2024MilestonePlanningBoard",
        "Sprint-2026-W48-review-notes-for-client",
        "customfield_10016_story_points_estimate",
        "3f2b8a4e-9c1d-4e7a-8b6f-2d5c9e0a1b3c",
        "5f8a1b2c3d4e5f6a7b8c9d0e",
        "1208865472947371",
        "xoxo",
    ],
)
def test_ordinary_values_are_not_taken_for_secrets(value: str) -> None:
    assert not looks_like_credential(value)


@pytest.mark.parametrize(
    "value",
    [
        ATLASSIAN,
        GITHUB,
        SLACK,
        RANDOM,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "glpat-abcdefghijKLMNOPQRST",
        "1/1200000000000000:0123456789abcdef0123456789abcdef",
        "Bearer eyJhbGciOiJIUzI1NiJ9abcdef",
        "https://bot:s3cr3t-pass@hooks.example.com/x",
    ],
)
def test_credential_shapes_are_recognised(value: str) -> None:
    assert looks_like_credential(value)


def test_random_tokens_are_recognised() -> None:
    # A heuristic: nearly every random token of 32+ characters is caught.
    rng = random.Random(20260101)
    urlsafe = string.ascii_letters + string.digits + "-_"
    hexdigits = "0123456789abcdef"
    tokens = [
        "".join(rng.choice(alphabet) for _ in range(length))
        for length in (32, 40, 64)
        for alphabet in (hexdigits, urlsafe)
        for _ in range(500)
    ]
    caught = sum(looks_like_credential(t) for t in tokens)
    assert caught / len(tokens) >= 0.99
    assert all(looks_like_credential(t) for t in tokens if len(t) == 64)


# --- environment variables ----------------------------------------------------------

JIRA_SOURCE = """
[[sources]]
connector = "jira"
email_env = "JIRA_EMAIL"
api_token_env = "JIRA_API_TOKEN"
"""


def test_resolve_env_returns_a_secret_str() -> None:
    value = resolve_env("JIRA_API_TOKEN", {"JIRA_API_TOKEN": "s3cret-value"})
    assert isinstance(value, SecretStr)
    assert value.get_secret_value() == "s3cret-value"
    assert "s3cret-value" not in repr(value)


def test_resolve_env_names_the_variable_and_who_needs_it() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_env("JIRA_API_TOKEN", {}, needed_by="sources[0] 'jira' for api_token_env")
    assert str(caught.value) == (
        "environment variable JIRA_API_TOKEN is not set "
        "(needed by sources[0] 'jira' for api_token_env)"
    )


def test_resolve_env_treats_an_empty_variable_as_missing() -> None:
    with pytest.raises(ConfigError, match=r"environment variable X is empty$"):
        resolve_env("X", {"X": ""})


def test_load_with_env_lists_every_missing_variable(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + JIRA_SOURCE, env={"JIRA_EMAIL": "me@x.example"})
    assert message == (
        f"{tmp_path / 'clientsync.toml'}: environment variable JIRA_API_TOKEN is not set "
        "(needed by sources[1] 'jira' for api_token_env)"
    )


def test_load_without_env_does_not_check_variables(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL + JIRA_SOURCE)
    assert [(r.owner, r.option, r.variable) for r in config.env_references()] == [
        ("sources[1] 'jira'", "email_env", "JIRA_EMAIL"),
        ("sources[1] 'jira'", "api_token_env", "JIRA_API_TOKEN"),
    ]


def test_secret_values_never_reach_the_config(tmp_path: Path) -> None:
    env = {"JIRA_EMAIL": "me@x.example", "JIRA_API_TOKEN": ATLASSIAN}
    config = load_text(tmp_path, MINIMAL + JIRA_SOURCE, env=env)
    assert ATLASSIAN not in repr(config)
    assert ATLASSIAN not in config.model_dump_json()


def test_channel_env_variables_are_checked_too(tmp_path: Path) -> None:
    text = MINIMAL + AUDIENCE.replace(
        '{ type = "file", path = "reports/sponsor.md" }',
        '{ type = "webhook", url_env = "SPONSOR_WEBHOOK_URL" }',
    )
    message = error_of(tmp_path, text, env={})
    assert message.endswith(
        "environment variable SPONSOR_WEBHOOK_URL is not set "
        "(needed by audiences[0] 'sponsor' for url_env)"
    )
