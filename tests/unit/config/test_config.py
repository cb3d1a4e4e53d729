"""clientsync.toml -> Config: the template, defaults, and lookups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from clientsync import registry
from clientsync.config import (
    AudienceConfig,
    Cadence,
    ChannelType,
    Section,
    Weekday,
    load_config,
    slugify,
)
from clientsync.domain.settings import (
    ForecastSettings,
    ReportSettings,
    RiskSettings,
    StatusSettings,
)
from clientsync.domain.visibility import DetailLevel, VisibilityPolicy
from clientsync.errors import ConfigError
from clientsync.init_template import INIT_TEMPLATE

from .support import AUDIENCE, MINIMAL, load_text, write

# --- the template -------------------------------------------------------------------


def test_init_template_loads_without_errors(tmp_path: Path) -> None:
    config = load_text(tmp_path, INIT_TEMPLATE, env={})

    assert config.project.name == "Website relaunch"
    assert config.project.id == "website-relaunch"
    assert [(s.name, s.connector, s.options) for s in config.sources] == [
        ("file", "file", {"path": "snapshot.json"})
    ]
    sponsor, team = config.audiences
    assert (sponsor.level, sponsor.cadence, sponsor.weekday) == (
        DetailLevel.CLIENT,
        Cadence.WEEKLY,
        Weekday.MON,
    )
    assert sponsor.channel.type is ChannelType.FILE
    assert sponsor.channel.options == {"path": "reports/client-sponsor.md"}
    assert sponsor.escalation is not None
    assert sponsor.escalation.reports == 2
    assert (team.level, team.cadence, team.weekday) == (
        DetailLevel.INTERNAL,
        Cadence.ON_CHANGE,
        None,
    )


def test_init_template_shows_the_defaults(tmp_path: Path) -> None:
    config = load_text(tmp_path, INIT_TEMPLATE)

    assert config.forecast == ForecastSettings()
    assert config.status == StatusSettings()
    assert config.risks == RiskSettings()
    assert config.report_settings == ReportSettings()
    assert config.visibility == load_text(tmp_path, MINIMAL).visibility
    assert config.store.busy_timeout_seconds == 10
    assert config.store_path == tmp_path / ".clientsync" / "state.db"


def test_init_template_connector_examples_load_once_uncommented(tmp_path: Path) -> None:
    # Uncomment the commented [[sources]] examples: they must be valid config too.
    examples = re.findall(r"^# (\[\[sources\]\]\n(?:# [a-z_]+ = .*\n)+)", INIT_TEMPLATE, re.M)
    assert len(examples) == 3
    sources = "\n".join(block.replace("# ", "") for block in examples)
    config = load_text(tmp_path, INIT_TEMPLATE + "\n" + sources)

    assert [s.connector for s in config.sources] == ["file", "jira", "trello", "asana"]
    assert {r.variable for r in config.env_references()} == {
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
        "TRELLO_API_KEY",
        "TRELLO_TOKEN",
        "ASANA_ACCESS_TOKEN",
    }
    # Each example is accepted by its connector, where that connector is installed.
    env = dict.fromkeys((r.variable for r in config.env_references()), "x-test-secret")
    for source in config.sources:
        try:
            factory = registry.load(source.connector)
        except ConfigError:
            continue
        factory.from_options(source.options, env=env, base_dir=tmp_path)


def test_bundled_example_config_loads() -> None:
    example = Path(__file__).parents[3] / "examples" / "acme-portal" / "clientsync.toml"
    if not example.exists():
        pytest.skip("no bundled example in this checkout")
    config = load_config(example, env={})
    assert config.project.id == "acme-portal"
    assert config.audience("acme-sponsor").level is DetailLevel.CLIENT


# --- defaults -----------------------------------------------------------------------


def test_defaults_of_a_minimal_file(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL)

    assert config.path == tmp_path / "clientsync.toml"
    assert config.base_dir == tmp_path
    assert config.project.timezone == "UTC"
    assert config.project.id == "acme-portal"
    assert config.sources[0].name == "file"
    assert config.store.path == tmp_path / ".clientsync" / "state.db"
    assert config.store.busy_timeout_seconds == 10
    assert config.visibility.internal_labels == ("internal",)
    assert config.visibility.client_hidden_fields == ("assignee", "extra")
    assert config.visibility.executive_hidden_fields == (
        "assignee",
        "extra",
        "spent_hours",
        "labels",
        "blocked_reason",
        "url",
    )
    assert isinstance(config.visibility, VisibilityPolicy)
    assert config.audiences == ()
    assert config.report_settings == ReportSettings()


def test_audience_defaults(tmp_path: Path) -> None:
    audience = load_text(tmp_path, MINIMAL + AUDIENCE).audience("sponsor")

    assert audience.level is DetailLevel.CLIENT
    assert audience.cadence is Cadence.WEEKLY
    assert audience.weekday is Weekday.MON
    assert audience.sections == tuple(Section)
    assert audience.escalation is None


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Portal", "acme-portal"),
        ("  Café — Relaunch 2026!", "cafe-relaunch-2026"),
        ("!!", "project"),
    ],
)
def test_project_id_defaults_to_a_slug_of_the_name(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_relative_store_path_resolves_against_the_config_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    monkeypatch.chdir(tmp_path)
    config = load_text(project_dir, MINIMAL + '[store]\npath = "state/clientsync.db"\n')

    assert config.store.path == project_dir / "state" / "clientsync.db"
    assert config.store_path == project_dir / "state" / "clientsync.db"


def test_relative_config_path_still_gives_an_absolute_base_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, MINIMAL)
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("clientsync.toml"))

    assert config.base_dir == tmp_path
    assert config.store_path == tmp_path / ".clientsync" / "state.db"


def test_absolute_store_path_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "state.db"
    config = load_text(tmp_path, MINIMAL + f'[store]\npath = "{target.as_posix()}"\n')
    assert config.store_path == target


def test_source_keys_beyond_name_and_connector_are_connector_options(tmp_path: Path) -> None:
    text = """\
[project]
name = "P"

[[sources]]
name = "web"
connector = "jira"
server = "https://example.atlassian.net"
api_token_env = "JIRA_API_TOKEN"
states = { done = ["Done", "Closed"] }
"""
    source = load_text(tmp_path, text).source("web")
    assert source.connector == "jira"
    assert source.options == {
        "server": "https://example.atlassian.net",
        "api_token_env": "JIRA_API_TOKEN",
        "states": {"done": ["Done", "Closed"]},
    }


def test_weekday_accepts_full_names_and_biweekly_defaults_to_monday(tmp_path: Path) -> None:
    text = MINIMAL + AUDIENCE.replace('name = "sponsor"', 'name = "sponsor"\nweekday = "Friday"')
    text += AUDIENCE.replace("sponsor", "board").replace(
        'name = "board"', 'name = "board"\ncadence = "biweekly"'
    )
    config = load_text(tmp_path, text)
    assert config.audience("sponsor").weekday is Weekday.FRI
    assert config.audience("board").weekday is Weekday.MON
    assert Weekday.FRI.number == 4


# --- lookups ------------------------------------------------------------------------


def test_source_lookup_lists_known_names_on_a_miss(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL)
    assert config.source("file").connector == "file"
    with pytest.raises(ConfigError) as caught:
        config.source("fil")
    assert str(caught.value) == (
        f"{tmp_path / 'clientsync.toml'}: no source named 'fil'; did you mean 'file'? "
        "known sources: 'file'"
    )


def test_audience_lookup_lists_known_names_on_a_miss(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL)
    with pytest.raises(ConfigError, match="no audience named 'board'; known audiences: none"):
        config.audience("board")
    config = load_text(tmp_path, MINIMAL + AUDIENCE)
    assert isinstance(config.audience("sponsor"), AudienceConfig)
    with pytest.raises(ConfigError, match=r"known audiences: 'sponsor'$"):
        config.audience("board")


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_text(tmp_path, MINIMAL)
    with pytest.raises(ValidationError):
        config.project = config.project  # type: ignore[misc]
