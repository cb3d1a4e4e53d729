"""A bad clientsync.toml fails with `<file>: <key.path>: <problem>; <fix>`, one line each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clientsync.config import load_config
from clientsync.errors import ConfigError

from .support import AUDIENCE, MINIMAL, error_of, load_text, write

# --- file and syntax errors ---------------------------------------------------------


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    path = tmp_path / "clientsync.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: config file not found; run `clientsync init` to write one"
    )
    assert caught.value.exit_code == 2


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[project]\nname = "P"\ntimezone = Europe/Berlin\n')
    assert message.startswith(f"{tmp_path / 'clientsync.toml'}: line 3, column 12: invalid TOML")


def test_toml_error_at_end_of_document_still_has_a_position(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[project]\nname = "unterminated')
    assert ": line 2, column 21: invalid TOML: Unterminated string" in message


def test_toml_syntax_error_does_not_echo_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[[sources]]\napi_token = ATATT3xFfGF0SECRETVALUE\n")
    assert "SECRETVALUE" not in message


# --- validation errors: each names file, key path, problem and fix -----------------


def test_unknown_key_suggests_the_closest_known_one(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + "[forcast]\ntrials = 500\n")
    assert message == (
        f"{tmp_path / 'clientsync.toml'}: forcast: unknown key 'forcast'; did you mean 'forecast'?"
    )


def test_unknown_nested_key_suggests_within_its_table(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + AUDIENCE.replace("contacts", "contcts"))
    assert message.endswith("audiences[0].contcts: unknown key 'contcts'; did you mean 'contacts'?")


def test_unknown_key_without_a_close_match_lists_the_known_keys(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + "[store]\nzzz = 1\n")
    assert message.endswith(
        "store.zzz: unknown key 'zzz'; known keys here: 'path', 'busy_timeout_seconds'"
    )


@pytest.mark.parametrize("key", ["path", "base_dir"])
def test_path_and_base_dir_cannot_be_set_from_inside_the_file(tmp_path: Path, key: str) -> None:
    message = error_of(tmp_path, f'{key} = "/etc"\n' + MINIMAL)
    assert f"clientsync.toml: {key}: unknown key '{key}'" in message


@pytest.mark.parametrize(
    ("snippet", "where", "expected"),
    [
        (
            '[forecast]\ntrials = "many"\n',
            "forecast.trials",
            "expected an integer, got a string; write a whole number without quotes",
        ),
        (
            "forecast = 5\n",
            "forecast",
            "expected a table, got an integer; write it as a [forecast]",
        ),
        (
            '[visibility]\ninternal_labels = "internal"\n',
            "visibility.internal_labels",
            "expected an array of strings, got a string; write it as an array, "
            'e.g. internal_labels = ["..."]',
        ),
        (
            '[store]\nbusy_timeout_seconds = "soon"\n',
            "store.busy_timeout_seconds",
            "expected a number, got a string; write a number without quotes",
        ),
        (
            '[[audiences]]\nname = "a"\ncontacts = [1]\nchannel = { type = "file" }\n',
            "audiences[0].contacts[0]",
            'expected a string, got an integer; put it in quotes, e.g. contacts = "..."',
        ),
    ],
)
def test_wrong_type_names_the_expected_type(
    tmp_path: Path, snippet: str, where: str, expected: str
) -> None:
    message = error_of(tmp_path, snippet + MINIMAL)
    assert f"clientsync.toml: {where}: {expected}" in message


def test_sources_written_as_a_single_table_asks_for_double_brackets(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[project]\nname = "P"\n[sources]\nconnector = "file"\n')
    assert message.endswith(
        "sources: expected an array of tables, got a table; write each entry as a [[sources]] table"
    )


@pytest.mark.parametrize(
    ("snippet", "where", "expected"),
    [
        (
            '[forecast]\nmode = "sequentail"\n',
            "forecast.mode",
            "'sequentail' is not allowed; did you mean 'sequential'? "
            "(allowed: 'sequential', 'parallel')",
        ),
        (
            AUDIENCE.replace('name = "sponsor"', 'name = "s"\ncadence = "weekley"'),
            "audiences[0].cadence",
            "'weekley' is not allowed; did you mean 'weekly'? "
            "(allowed: 'weekly', 'biweekly', 'monthly', 'on-change')",
        ),
        (
            AUDIENCE.replace('name = "sponsor"', 'name = "s"\nlevel = "board"'),
            "audiences[0].level",
            "'board' is not allowed; use one of 'executive', 'client', 'internal'",
        ),
        (
            AUDIENCE.replace('type = "file"', 'type = "slack"'),
            "audiences[0].channel.type",
            "'slack' is not allowed; use one of 'file', 'tracker', 'email', 'webhook'",
        ),
        (
            AUDIENCE.replace('name = "sponsor"', 'name = "s"\nsections = ["overall", "risk"]'),
            "audiences[0].sections[1]",
            "'risk' is not allowed; did you mean 'risks'?",
        ),
        (
            AUDIENCE.replace('name = "sponsor"', 'name = "s"\nweekday = "someday"'),
            "audiences[0].weekday",
            "'someday' is not allowed; use one of 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'",
        ),
    ],
)
def test_bad_enum_lists_the_allowed_values(
    tmp_path: Path, snippet: str, where: str, expected: str
) -> None:
    message = error_of(tmp_path, MINIMAL + snippet)
    assert f"clientsync.toml: {where}: {expected}" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "project: missing [project] table; add a [project] table with name = ..."),
        ("", "sources: missing [[sources]] table; add at least one [[sources]] table"),
        (
            '[project]\ntimezone = "UTC"\n[[sources]]\nconnector = "file"\n',
            "project.name: missing required key 'name'; add name = \"...\" to [project]",
        ),
        (
            '[project]\nname = "P"\n[[sources]]\npath = "x.json"\n',
            "sources[0].connector: missing required key 'connector'; "
            'add connector = "..." to [sources]',
        ),
        (
            MINIMAL + '[[audiences]]\nname = "a"\n',
            "audiences[0].channel: missing [channel] table; "
            "add a [audiences.channel] table with type = ...",
        ),
        (
            'sources = []\n[project]\nname = "P"\n',
            "sources: no sources; add a [[sources]] table",
        ),
    ],
)
def test_missing_required_keys_say_what_to_add(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error_of(tmp_path, text)


def test_range_errors_give_the_allowed_range(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + "[forecast]\ntrials = 5\n")
    assert message.endswith(
        "forecast.trials: must be greater than or equal to 100; use a value >= 100 and <= 1000000"
    )


def test_domain_rule_errors_name_the_table(tmp_path: Path) -> None:
    message = error_of(
        tmp_path, MINIMAL + "[status]\ngreen_probability = 0.6\namber_probability = 0.7\n"
    )
    assert message.endswith("status: amber_probability must not exceed green_probability")


def test_unknown_time_zone_suggests_a_real_one(tmp_path: Path) -> None:
    message = error_of(
        tmp_path, MINIMAL.replace('name = "Acme Portal"', 'name = "P"\ntimezone = "Europe/Berln"')
    )
    assert message.endswith(
        "project.timezone: unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'?"
    )


def test_invalid_project_id(tmp_path: Path) -> None:
    message = error_of(
        tmp_path, MINIMAL.replace('name = "Acme Portal"', 'name = "P"\nid = "my project"')
    )
    assert message.endswith(
        'project.id: not a valid project id; use letters, digits, "-", "_" '
        'or "." (e.g. "my-project")'
    )


def test_duplicate_source_names_point_at_the_second_one(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[sources]]\nconnector = "file"\npath = "other.json"\n'
    message = error_of(tmp_path, text)
    assert message.endswith(
        "sources[1].name: 'file' is already the name of sources[0]; "
        "give each [[sources]] its own name = (it defaults to the connector)"
    )


def test_duplicate_audience_names(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + AUDIENCE + AUDIENCE)
    assert "audiences[1].name: 'sponsor' is already the name of audiences[0]" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('name = "sponsor"', 'name = "s"\ncadence = "monthly"\nweekday = "tue"'),
            "audiences[0].weekday: weekday does not apply to a monthly cadence; remove it",
        ),
        (
            ('type = "file"', 'type = "email"'),
            "",
        ),
        (
            ('contacts = ["sponsor@client.example"]', 'contacts = ["Sam"]\n'),
            "",
        ),
        (
            ('contacts = ["sponsor@client.example"]', 'contacts = ["sam@"]'),
            "audiences[0].contacts: 'sam@' is not a valid email address",
        ),
        (
            ('name = "sponsor"', 'name = "s"\nsections = ["risks", "risks"]'),
            "audiences[0].sections: 'risks' listed more than once; list each section once",
        ),
        (
            ('name = "sponsor"', 'name = "s"\nsections = []'),
            "audiences[0].sections: no sections",
        ),
        (
            (
                'name = "sponsor"',
                'name = "s"\nescalation = { rag = "green", to = ["a@b.example"] }',
            ),
            'audiences[0].escalation.rag: cannot escalate on green; use "amber" or "red"',
        ),
        (
            ('name = "sponsor"', 'name = "s"\nescalation = { rag = "red" }'),
            "audiences[0].escalation.to: missing required key 'to'",
        ),
    ],
)
def test_audience_rules(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = MINIMAL + AUDIENCE.replace(*change)
    if not expected:
        load_text(tmp_path, text)  # valid
        return
    assert expected in error_of(tmp_path, text)


def test_email_channel_needs_an_address_for_every_contact(tmp_path: Path) -> None:
    text = MINIMAL + AUDIENCE.replace('type = "file"', 'type = "email"').replace(
        '["sponsor@client.example"]', '["Sponsor <sponsor@client.example>", "Sam"]'
    )
    assert "audiences[0].contacts[1]: an email channel needs an email address" in error_of(
        tmp_path, text
    )


def test_hidden_fields_must_be_hideable(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + '[visibility]\nclient_hidden_fields = ["asignee"]\n')
    assert message.endswith(
        "visibility.client_hidden_fields[0]: 'asignee' is not a field that can be hidden; "
        "did you mean 'assignee'?"
    )


def test_connector_names_are_lowercase_words(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace('"file"', '"File Connector"'))
    assert "sources[0].connector: 'File Connector' is not a connector name" in message


def test_env_options_must_name_a_variable(tmp_path: Path) -> None:
    text = MINIMAL + AUDIENCE.replace(
        '{ type = "file", path = "reports/sponsor.md" }', '{ type = "webhook", url_env = "my url" }'
    )
    assert error_of(tmp_path, text).endswith(
        "audiences[0].channel.url_env: must name an environment variable; "
        'use letters, digits and underscores, e.g. "JIRA_API_TOKEN"'
    )


def test_every_problem_is_listed_on_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL + '[forecast]\ntrials = 5\nmode = "fast"\n[risks]\nstale_dayz = 3\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    for line in lines:
        assert line.startswith(f"{path}: ")
        assert re.fullmatch(rf"{re.escape(str(path))}: [\w.\[\]]+: .+; .+", line)
