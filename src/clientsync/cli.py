"""The `clientsync` command: parse, call the library, print, exit with a documented code.

Exit codes: 0 ok; 1 a --fail-on gate tripped; 2 usage or configuration error; 3 tracker,
sync or store error, or a failed (or paused) delivery. Data goes to stdout, progress and
errors to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from pathlib import Path
from typing import TextIO

from . import __version__
from .errors import ClientsyncError, ConfigError
from .gates import NAMED_GATES, Gate, GateError, parse_gate
from .ports import Clock


class ExitCode(IntEnum):
    OK = 0
    GATE_TRIPPED = 1
    USAGE = 2
    TRACKER = 3
    DELIVERY = 3  # a send failed or an audience is paused (an alias of TRACKER)


GATES = NAMED_GATES
"""The gates without a threshold; `drift:slip-days=N` and `drift:scope-pct=N` take one."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="clientsync",
        description="Keep a project's clients informed from its tracker.",
        epilog="Exit codes: 0 ok, 1 a --fail-on gate tripped, 2 usage or config error, "
        "3 tracker, sync, store or delivery error.",
    )
    parser.add_argument("--version", action="version", version=f"clientsync {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details and tracebacks")
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=Path("clientsync.toml"),
        help="the config file (default: ./clientsync.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    init = commands.add_parser("init", help="write a commented clientsync.toml")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    commands.add_parser("connectors", help="list the installed connectors")

    sync = commands.add_parser("sync", help="read the sources into the store")
    sync.add_argument("--full", action="store_true", help="re-read everything (census)")
    sync.add_argument(
        "--allow-empty",
        action="store_true",
        help="accept a source that suddenly returns no items (otherwise: lost access)",
    )
    sync.add_argument("--source", action="append", default=[], help="only this source")

    baseline = commands.add_parser("baseline", help="capture and inspect agreed baselines")
    baseline_commands = baseline.add_subparsers(
        dest="baseline_command", required=True, parser_class=_Parser
    )
    capture = baseline_commands.add_parser("capture", help="record today's scope and dates")
    capture.add_argument("--agreed-by", required=True, help="who agreed it (client contact)")
    capture.add_argument("--note", help="what was agreed, where")
    capture.add_argument("--budget-hours", type=float, help="the agreed budget in hours")
    capture.add_argument("--assumption", action="append", default=[], help="repeatable")
    capture.add_argument("--constraint", action="append", default=[], help="repeatable")
    baseline_commands.add_parser("list", help="list baselines, newest last")
    show = baseline_commands.add_parser("show", help="print a baseline as JSON")
    show.add_argument("id", nargs="?", help="default: the latest")
    accept = baseline_commands.add_parser(
        "accept", help="record the client's sign-off on a change notice (new baseline)"
    )
    accept.add_argument(
        "--notice", required=True, help="the notice: a milestone id, `unplanned` or `budget`"
    )
    accept.add_argument("--by", required=True, help="who signed it off (client contact)")
    accept.add_argument("--note", help="what was agreed, where")

    report = commands.add_parser("report", help="build the report from the store")
    report.add_argument("--audience", help="an [[audiences]] name (sets the detail level)")
    report.add_argument(
        "--level",
        choices=("executive", "client", "internal"),
        help="detail level (default: the audience's, else client; internal shows everything)",
    )
    report.add_argument("--format", choices=("md", "json", "html"), default="md")
    report.add_argument("--out", type=Path, help="write here instead of stdout")
    report.add_argument("--as-of", help="YYYY-MM-DD (end of that day) or an ISO time; default now")
    report.add_argument(
        "--fail-on",
        action="append",
        default=[],
        type=_gate,
        metavar="GATE",
        help="exit 1 when the gate trips (repeatable): red, amber, risk:high, risk:critical, "
        "drift:slip-days=N (an open milestone expected more than N days after its agreed "
        "date), drift:scope-pct=N (an open milestone's scope grown more than N%%)",
    )
    report.add_argument(
        "--junit",
        type=Path,
        metavar="FILE",
        help="write the gates as JUnit XML, one test case per --fail-on gate",
    )

    commands.add_parser(
        "plan", help="per audience: next due date, what it receives, what is withheld and why"
    )
    publish = commands.add_parser("publish", help="send each audience what is due, exactly once")
    publish.add_argument("--dry-run", action="store_true", help="show what would go; send nothing")
    publish.add_argument(
        "--force",
        action="store_true",
        help="send even if this period was sent or nothing changed (same content goes once)",
    )
    publish.add_argument(
        "--audience", action="append", default=[], help="only this audience (repeatable)"
    )
    publish.add_argument(
        "--resume",
        action="append",
        default=[],
        metavar="AUDIENCE",
        help="un-pause an audience paused after failed sends, then publish (repeatable)",
    )

    schema = commands.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("name", choices=("snapshot", "baseline", "report"))

    demo = commands.add_parser("demo", help="run the whole job on the bundled example, offline")
    demo.add_argument("--out", type=Path, default=Path("clientsync-demo"))
    # Imported here: commands_automation imports ExitCode from this module.
    from .commands_automation import add_parsers as add_automation_parsers

    add_automation_parsers(commands)
    return parser


def _gate(text: str) -> Gate:
    try:
        return parse_gate(text)
    except GateError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=err,
    )
    context = _Context(
        env=dict(os.environ) if env is None else dict(env),
        clock=clock or SystemClock(),
        out=out,
        err=err,
        config_path=args.config,
    )
    try:
        from . import commands

        return int(commands.run(args, context))
    except ClientsyncError as exc:
        if args.verbose:
            traceback.print_exc(file=err)
        print(f"clientsync: error: {exc}", file=err)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("clientsync: interrupted", file=err)
        return int(ExitCode.TRACKER)


class _Context:
    def __init__(
        self, *, env: dict[str, str], clock: Clock, out: TextIO, err: TextIO, config_path: Path
    ) -> None:
        self.env, self.clock, self.out, self.err = env, clock, out, err
        self.config_path = config_path

    def progress(self, message: str) -> None:
        print(message, file=self.err)


def parse_as_of(value: str | None, *, now: datetime, timezone_name: str) -> datetime:
    """A date is the end of that day in the project's zone; a time must carry its offset."""
    if value is None:
        return now
    from zoneinfo import ZoneInfo

    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        end = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(timezone_name))
        return (end - timedelta(microseconds=1)).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--as-of {value!r} is neither a date (2026-11-30) nor a time (2026-11-30T09:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError(f"--as-of {value!r} has no time zone; add one, e.g. {value}Z")
    return moment.astimezone(UTC)


def dump_json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def entry() -> None:
    sys.exit(main())
