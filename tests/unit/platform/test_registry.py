from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from clientsync import registry
from clientsync.errors import ConfigError

GROUP = "clientsync.connectors"

CONNECTOR_MODULE = """
from pathlib import Path

class {cls}:
    @classmethod
    def from_options(cls, options, *, env, base_dir: Path):
        return cls()

    def read(self, *, cursor=None, full=False):
        raise AssertionError("not read in these tests")
"""


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Three connector modules on sys.path, registered as entry points; none imported yet."""
    modules = {
        "alpha": ("cs_test_alpha", CONNECTOR_MODULE.format(cls="AlphaConnector")),
        "beta": ("cs_test_beta", CONNECTOR_MODULE.format(cls="BetaConnector")),
        "needs_sdk": (
            "cs_test_needs_sdk",
            "import cs_test_vendor_sdk_that_is_not_installed\n"
            + CONNECTOR_MODULE.format(cls="SdkConnector"),
        ),
        "not_a_factory": ("cs_test_not_factory", "class NotAFactory:\n    pass\n"),
    }
    for module, source in modules.values():
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    entry_points = [
        EntryPoint("alpha", "cs_test_alpha:AlphaConnector", GROUP),
        EntryPoint("beta", "cs_test_beta:BetaConnector", GROUP),
        EntryPoint("needs_sdk", "cs_test_needs_sdk:SdkConnector", GROUP),
        EntryPoint("not_a_factory", "cs_test_not_factory:NotAFactory", GROUP),
        EntryPoint("typo", "cs_test_alpha:AlphaConector", GROUP),
        EntryPoint("file", "clientsync.connectors.file_gone:FileConnector", GROUP),
    ]
    monkeypatch.setattr(registry, "_entry_points", lambda: entry_points)
    yield {name: module for name, (module, _) in modules.items()}
    for module, _ in modules.values():
        sys.modules.pop(module, None)


def test_available_lists_every_connector_sorted_without_importing(
    plugins: dict[str, str],
) -> None:
    found = registry.available()
    assert list(found) == ["alpha", "beta", "file", "needs_sdk", "not_a_factory", "typo"]
    assert found["alpha"].value == "cs_test_alpha:AlphaConnector"
    assert not any(module in sys.modules for module in plugins.values())


def test_load_imports_only_the_named_connector(plugins: dict[str, str]) -> None:
    factory = registry.load("alpha")
    assert getattr(factory, "__name__", None) == "AlphaConnector"
    reader = factory.from_options({}, env={}, base_dir=Path("."))
    assert type(reader).__name__ == "AlphaConnector"
    assert plugins["alpha"] in sys.modules
    assert plugins["beta"] not in sys.modules
    assert plugins["needs_sdk"] not in sys.modules


def test_unknown_name_lists_the_installed_connectors(plugins: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as raised:
        registry.load("linear")
    assert str(raised.value) == (
        "no connector 'linear'; installed: alpha, beta, file, needs_sdk, not_a_factory, typo; "
        "install one with pip install clientsync-linear"
    )
    assert raised.value.exit_code == 2


def test_missing_sdk_names_the_module_and_the_package_to_install(
    plugins: dict[str, str],
) -> None:
    with pytest.raises(ConfigError) as raised:
        registry.load("needs_sdk")
    message = str(raised.value)
    assert "'cs_test_vendor_sdk_that_is_not_installed'" in message
    assert "pip install clientsync-needs_sdk" in message
    assert isinstance(raised.value.__cause__, ImportError)


def test_broken_core_connector_asks_to_reinstall_clientsync(plugins: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"reinstall it with pip install clientsync$"):
        registry.load("file")


def test_entry_point_naming_a_missing_attribute_is_a_config_error(
    plugins: dict[str, str],
) -> None:
    with pytest.raises(ConfigError, match="'cs_test_alpha:AlphaConector', which does not exist"):
        registry.load("typo")


def test_object_without_from_options_is_refused(plugins: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="is not a connector factory"):
        registry.load("not_a_factory")


def test_no_connectors_installed_says_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_entry_points", list)
    with pytest.raises(ConfigError, match="installed: none;"):
        registry.load("jira")


def test_default_lookup_reads_the_installed_metadata() -> None:
    # The editable install declares the core `file` connector in pyproject.toml.
    found = registry.available()
    assert found["file"].value == "clientsync.connectors.file:FileConnector"
