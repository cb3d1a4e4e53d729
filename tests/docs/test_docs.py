"""The documentation cannot drift from the code: it builds strictly, its generated references
match the live command tree and config schema, and every sample in it runs as shown."""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clientsync import RiskRule, RiskSettings, Snapshot
from clientsync.cli import GATES, ExitCode, build_parser, main
from clientsync.config import Config, load_config
from clientsync.domain import risk_drift_rules, risk_rules
from clientsync.errors import ConfigError
from clientsync.services import example_dir
from clientsync.testing import FixedClock

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"


def _gen_ref() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_gen_ref", DOCS / "gen_ref.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _fenced(language: str) -> Iterator[tuple[Path, str]]:
    """Every fenced block of `language` in the hand-written pages, with its page."""
    pattern = re.compile(rf"^( *)```{language}\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
    for page in sorted(DOCS.rglob("*.md")):
        for match in pattern.finditer(page.read_text(encoding="utf-8")):
            indent = len(match.group(1))
            body = "\n".join(line[indent:] for line in match.group(2).splitlines())
            yield page, body


def _is_include(body: str) -> bool:
    """A pymdownx.snippets include: `--8<-- "file"`, or the block form ruff leaves alone."""
    return body.strip().startswith("--8<--")


def _included(body: str) -> list[str]:
    lines = [line.strip() for line in body.strip().splitlines()]
    if len(lines) == 1:
        return [lines[0].split('"')[1]]
    return [line for line in lines if line and line != "--8<--"]


# --- the site ---------------------------------------------------------------------------


def test_site_builds_with_no_warnings(tmp_path: Path) -> None:
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            pytest.skip(f"{module} is not installed: pip install -e '.[docs]' to build the docs")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output
    assert (tmp_path / "schema" / "report.json").is_file()
    api = (tmp_path / "library" / "api" / "index.html").read_text(encoding="utf-8")
    assert "clientsync.domain.report.build_report" in api, "mkdocstrings rendered nothing"
    connector = (tmp_path / "writing-a-connector" / "index.html").read_text(encoding="utf-8")
    assert "TasklistConnector" in connector, "the snippets were not included"


# --- generated references ---------------------------------------------------------------


def test_generated_references_are_up_to_date() -> None:
    gen_ref = _gen_ref()
    stale = [str(p.relative_to(ROOT)) for p in gen_ref.stale(gen_ref.generate())]
    assert not stale, f"out of date: {stale}; run `python docs/gen_ref.py` and commit the result"


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def test_cli_reference_covers_every_command_and_option() -> None:
    page = _gen_ref().cli_reference(build_parser())
    commands = list(_commands(build_parser()))
    assert len(commands) > 5
    for path, parser in commands:
        if path:
            assert f"## `clientsync {' '.join(path)}`" in page, path
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue  # -h is everywhere; the page does not repeat it
            for flag in action.option_strings:
                assert f"`{flag}`" in page, (path, flag)
            for choice in action.choices or ():
                if not isinstance(action, argparse._SubParsersAction):
                    assert f"`{choice}`" in page, (path, choice)


def test_config_reference_covers_every_key() -> None:
    page = _page("running/configuration.md")
    schema = Config.model_json_schema()
    defs = schema["$defs"]

    def keys(model: dict[str, Any]) -> Iterator[str]:
        for name, field in model["properties"].items():
            ref = field.get("$ref") or field.get("items", {}).get("$ref")
            inner = field.get("additionalProperties")
            ref = ref or (inner.get("$ref") if isinstance(inner, dict) else None)
            ref = ref or next((a["$ref"] for a in field.get("anyOf", ()) if "$ref" in a), None)
            target = defs[ref.rsplit("/", 1)[-1]] if ref else None
            if target is not None and target.get("type") == "object":
                assert f"`{name}`" in page or f"[{name}]" in page or f".{name}]" in page, name
                yield from keys(target)
            elif name != "options":
                yield name

    found = [k for k in keys(schema) if k not in ("path", "base_dir")] + ["path"]
    assert len(found) > 30
    for key in found:
        assert f"| `{key}` |" in page, f"configuration.md lacks key {key!r}"


def test_schema_files_are_the_published_schemas() -> None:
    from clientsync import json_schema

    for name in ("snapshot", "baseline", "report"):
        import json

        published = json.loads((DOCS / "schema" / f"{name}.json").read_text(encoding="utf-8"))
        assert published == json_schema(name)


# --- every sample runs ------------------------------------------------------------------


def _run_example(name: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    with redirect_stdout(out):
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return out.getvalue()


def test_read_project_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run_example("read_project.py", tmp_path, monkeypatch)
    assert out == "Acme customer portal: 37 items, 5 milestones\n"


def test_build_report_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _run_example("build_report.py", tmp_path, monkeypatch).splitlines()
    assert lines[0] == "overall: red"
    assert lines[1] == "  green Discovery & design: completed on 2026-11-05"
    assert lines[-1] == "gate red trips: True"
    assert len(lines) == 7


def test_render_report_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run_example("render_report.py", tmp_path, monkeypatch)
    assert out == "# Acme customer portal — status 2026-11-23\n"
    assert (tmp_path / "status.md").read_text(encoding="utf-8").startswith(out)
    assert "<html" in (tmp_path / "status.html").read_text(encoding="utf-8")
    assert '"schema_version": 1' in (tmp_path / "status.json").read_text(encoding="utf-8")


def test_worked_example_prints_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _run_example("worked_forecast.py", tmp_path, monkeypatch)
    assert out == (EXAMPLES / "worked_forecast.out").read_text(encoding="utf-8")
    page = _page("concepts/forecast-and-rag.md")
    for quoted in ("P(on time) 0.61", "P85 2026-12-07 is after the due date 2026-12-04"):
        assert quoted in out
        assert quoted in page
    assert "0.9691, RAG green" in out


def test_bad_config_gives_the_messages_troubleshooting_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(EXAMPLES)
    with pytest.raises(ConfigError) as raised:
        load_config(Path("clientsync.bad.toml"))
    assert str(raised.value) + "\n" == (EXAMPLES / "clientsync.bad.out").read_text("utf-8")


def test_quick_start_commands_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    latest = example_dir() / "snapshots" / "2026-11-23.json"
    shutil.copy(latest, tmp_path / "snapshot.json")
    taken_at = Snapshot.from_json(latest.read_bytes()).taken_at
    clock = FixedClock(taken_at + timedelta(hours=1))
    monkeypatch.chdir(tmp_path)
    codes = []
    for line in (EXAMPLES / "first_run.sh").read_text(encoding="utf-8").splitlines():
        argv = shlex.split(line, comments=True)
        assert argv[0] == "clientsync", line
        out, err = io.StringIO(), io.StringIO()
        code = main(argv[1:], env={}, clock=clock, stdout=out, stderr=err)
        codes.append(code)
        assert code in (ExitCode.OK, ExitCode.GATE_TRIPPED), (line, err.getvalue())
    # The example project is red, so the last command's --fail-on red gate trips.
    assert codes == [0, 0, 0, 0, 0, 1]
    # `clientsync init` names the project "Website relaunch"; the data is the example's.
    assert (tmp_path / "status.md").read_text(encoding="utf-8").startswith("# Website relaunch")
    assert '"level": "client"' in (tmp_path / "status.json").read_text(encoding="utf-8")
    assert "first_run.sh" in _page("quickstart.md")


def test_python_blocks_are_included_or_quoted_from_the_source() -> None:
    source = {
        line.strip()
        for path in (ROOT / "src" / "clientsync").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    blocks = list(_fenced("python"))
    assert len(blocks) >= 6
    for page, body in blocks:
        if _is_include(body):
            for target in _included(body):
                assert (EXAMPLES / target).exists() or (ROOT / "tests/docs" / target).exists()
            continue
        for line in body.splitlines():
            assert not line.strip() or line.strip() in source, f"{page.name}: {line!r}"


def test_every_command_shown_parses() -> None:
    """Each `clientsync ...` line in a shell or CI sample is a valid command line."""
    lines = []
    for language in ("bash", "yaml"):
        for _, body in _fenced(language):
            for line in body.replace("\\\n", " ").splitlines():
                found = re.search(r"(?:^|run: )(clientsync .*)$", line.strip())
                if found:
                    lines.append(found.group(1))
    lines += (EXAMPLES / "first_run.sh").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 15
    for line in lines:
        argv = shlex.split(line, comments=True)
        argv = argv[: argv.index(">")] if ">" in argv else argv
        try:
            build_parser().parse_args(argv[1:])
        except SystemExit:
            pytest.fail(f"not a valid command line: {line}")


def test_toml_blocks_are_valid_toml() -> None:
    blocks = [(page, body) for page, body in _fenced("toml") if not _is_include(body)]
    assert len(blocks) >= 10
    for page, body in blocks:
        try:
            tomllib.loads(body)
        except tomllib.TOMLDecodeError as error:
            pytest.fail(f"{page.name}: {error}\n{body}")


def test_source_tables_shown_are_accepted_by_their_connectors(tmp_path: Path) -> None:
    from clientsync.registry import available, load
    from docs.examples.minimal_connector import TasklistConnector

    env = {
        "TRELLO_API_KEY": "k",
        "TRELLO_TOKEN": "t",
        "JIRA_EMAIL": "pm@example.com",
        "JIRA_API_TOKEN": "t",
        "ASANA_ACCESS_TOKEN": "t",
        "TASKLIST_TOKEN": "t",
    }
    checked = []
    for page, body in _fenced("toml"):
        if _is_include(body):
            continue
        for source in tomllib.loads(body).get("sources", []):
            options = {k: v for k, v in source.items() if k not in ("connector", "name")}
            name = source["connector"]
            if name == "tasklist":
                factory: Any = TasklistConnector
            elif name in available():
                factory = load(name)
            else:
                continue  # that connector is not installed here
            try:
                factory.from_options(options, env=env, base_dir=tmp_path)
            except ConfigError as error:
                pytest.fail(f"{page.name}: {source}: {error}")
            checked.append(name)
    assert {"file", "tasklist"} <= set(checked)


# --- hand-written pages that list what the code defines ---------------------------------


def test_exit_codes_page_lists_every_code_and_gate() -> None:
    page = _page("running/exit-codes.md")
    codes = {int(m) for m in re.findall(r"^\| (\d) \|", page, re.MULTILINE)}
    assert codes == {int(code) for code in ExitCode}
    gates = re.findall(r"^\| `([a-z:]+)` \|", page, re.MULTILINE)
    assert tuple(gates) == GATES


def test_risk_page_names_every_rule_and_default_threshold() -> None:
    page = _page("concepts/risks.md")
    rows = re.findall(r"^\| `([a-z-]+)` \|", page, re.MULTILINE)
    assert sorted(rows) == sorted(rule.value for rule in RiskRule)
    for name, field in RiskSettings.model_fields.items():
        assert f"`{name} = {field.default}`" in page, name
    assert f"high from {risk_drift_rules.DATE_SLIP_HIGH_DAYS} days (fixed)" in page
    assert f"high within {risk_rules.UNASSIGNED_HIGH_DAYS} days (fixed)" in page


def test_rag_page_states_the_default_thresholds() -> None:
    from clientsync import ForecastSettings, StatusSettings

    page = _page("concepts/forecast-and-rag.md")
    status, forecast = StatusSettings(), ForecastSettings()
    assert f"`green_probability` ({status.green_probability})" in page
    assert f"`amber_probability` ({status.amber_probability})" in page
    assert f"(default {forecast.window_days}; today itself" in page
    assert f"(default {forecast.trials:,})" in page
    assert f"(default {forecast.horizon_days})" in page


@pytest.mark.parametrize(
    ("page", "module", "model"),
    [
        ("connectors/jira.md", "clientsync_jira.options", "JiraOptions"),
        ("connectors/asana.md", "clientsync_asana.options", "AsanaOptions"),
        ("connectors/trello.md", "clientsync_trello.options", "MappingOptions"),
    ],
)
def test_connector_pages_list_every_option(page: str, module: str, model: str) -> None:
    try:
        options = getattr(importlib.import_module(module), model)
    except (ImportError, AttributeError) as error:
        pytest.skip(f"{module}.{model} is not importable here: {error}")
    text = _page(page)
    missing = [n for n in options.model_fields if n != "name" and f"`{n}`" not in text]
    assert not missing, f"{page} lacks options {missing}"


def test_drift_and_quick_start_quote_the_demo(tmp_path: Path) -> None:
    from clientsync.demo import run_demo

    result = run_demo(example_dir(), tmp_path, progress=lambda message: None)
    notices = result.reports["client"].drift.notices
    told = " ".join(
        [n.impact for n in notices] + [o.summary for n in notices for o in n.options]
    ) + " ".join(w for n in notices for w in n.what)
    drift = _page("concepts/drift.md")
    for quoted in (
        "P85 moves from 2027-01-03 to 2027-01-19; P(on time) 0.00 -> 0.00",
        "Descope 11 open items to hold 2026-12-04",
        "Move the date to 2027-01-19 (85% confidence)",
        "Raise throughput by 0.86 items per day",
        "Spent 135.5 of 240 budgeted hours (56%) with 46% of the agreed scope done",
        "about 294 hours against 240 budgeted",
        "Added ACME-31 'Reorder from history' (3 points)",
        "Due date moved from 2026-11-27 to 2026-12-04 (+7 days)",
    ):
        assert quoted in told, quoted
        assert " ".join(quoted.split()) in " ".join(drift.split()), quoted
    quickstart = _page("quickstart.md")
    for line in result.summary.splitlines()[:6]:
        assert line in quickstart, line


def test_webhook_hosting_samples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The WSGI and Lambda samples on the webhooks page build apps that answer a health check."""

    page = DOCS / "running" / "webhooks.md"
    samples = [body for found, body in _fenced("python") if found == page]
    assert len(samples) == 2
    shutil.copytree(ROOT / "examples" / "acme-portal", tmp_path / "acme")
    monkeypatch.chdir(tmp_path / "acme")
    monkeypatch.setenv("CLIENTSYNC_CONFIG", str(tmp_path / "acme" / "clientsync.toml"))
    wsgi_sample: dict[str, Any] = {}
    exec(samples[0], wsgi_sample)
    answered: list[str] = []
    body = wsgi_sample["application"](
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "wsgi.input": io.BytesIO()},
        lambda status, headers: answered.append(status),
    )
    assert answered[0].startswith("200") and b"".join(body)
    lambda_sample: dict[str, Any] = {}
    exec(samples[1], lambda_sample)
    event = {"httpMethod": "GET", "path": "/healthz", "headers": {}, "body": None}
    assert lambda_sample["lambda_handler"](event, None)["statusCode"] == 200
