"""What each `clientsync` command does: thin calls into services, printing results."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .ci_output import append_step_summary, write_junit
from .cli import ExitCode, dump_json, parse_as_of
from .config import load_config
from .domain.report import Report, json_schema
from .domain.visibility import DetailLevel
from .errors import ConfigError
from .gates import Gate, Outcome, evaluate
from .render.markdown import render_markdown
from .services import (
    ReportRequest,
    accept_change_notice,
    capture_project_baseline,
    example_dir,
    make_report,
    open_store,
    sync_project,
)
from .sync import SyncSummary

if TYPE_CHECKING:
    from .cli import _Context


def run(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    if args.command in ("serve", "webhook"):
        from .commands_automation import run as run_automation

        return run_automation(args, ctx)
    handler = {
        "init": cmd_init,
        "connectors": cmd_connectors,
        "sync": cmd_sync,
        "baseline": cmd_baseline,
        "report": cmd_report,
        "plan": cmd_plan,
        "publish": cmd_publish,
        "schema": cmd_schema,
        "demo": cmd_demo,
    }[args.command]
    return handler(args, ctx)


def cmd_init(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    from .init_template import INIT_TEMPLATE

    path: Path = ctx.config_path
    if path.exists() and not args.force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it")
    path.write_text(INIT_TEMPLATE, encoding="utf-8")
    ctx.progress(f"wrote {path}; edit it, then run `clientsync sync`")
    return ExitCode.OK


def cmd_connectors(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    from .registry import available

    for name, entry_point in sorted(available().items()):
        print(f"{name}\t{entry_point.value}", file=ctx.out)
    return ExitCode.OK


def cmd_sync(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    config = load_config(ctx.config_path, env=ctx.env)
    with open_store(config) as store:
        summaries = sync_project(
            config,
            store,
            now=ctx.clock.now(),
            env=ctx.env,
            full=args.full,
            allow_empty=args.allow_empty,
            sources=args.source,
        )
    for summary in summaries:
        print(describe_sync(summary), file=ctx.out)
        for rejected in summary.rejected:
            ctx.progress(
                f"warning: {rejected.source}: skipped {rejected.key}: "
                f"field {rejected.field!r}: {rejected.reason}"
            )
    return ExitCode.OK


def describe_sync(summary: SyncSummary) -> str:
    kind = "full" if summary.full else "incremental"
    return (
        f"{summary.source}: {kind} sync read {summary.read}, inserted {summary.inserted}, "
        f"updated {summary.updated}, unchanged {summary.unchanged}, deleted {summary.deleted}, "
        f"skipped {len(summary.rejected)} malformed, recorded {summary.changes} changes"
    )


def cmd_baseline(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    config = load_config(ctx.config_path)
    with open_store(config) as store:
        if args.baseline_command == "capture":
            baseline = capture_project_baseline(
                config,
                store,
                now=ctx.clock.now(),
                agreed_by=args.agreed_by,
                note=args.note,
                budget_hours=args.budget_hours,
                assumptions=args.assumption,
                constraints=args.constraint,
            )
            print(baseline.id, file=ctx.out)
            ctx.progress(
                f"captured baseline {baseline.id}: {len(baseline.scope)} items, "
                f"{len(baseline.milestones)} milestones, agreed by {baseline.agreed_by}"
            )
        elif args.baseline_command == "accept":
            baseline = accept_change_notice(
                config,
                store,
                notice_id=args.notice,
                agreed_by=args.by,
                now=ctx.clock.now(),
                note=args.note,
            )
            print(baseline.id, file=ctx.out)
            ctx.progress(
                f"{args.by} accepted change notice {args.notice}: baseline {baseline.id} is "
                "now the agreed expectation (earlier baselines are kept; other notices stay "
                "open until accepted)"
            )
        elif args.baseline_command == "list":
            for b in store.baselines():
                print(
                    f"{b.id}\t{b.captured_at.isoformat()}\t{b.agreed_by or '-'}\t"
                    f"{len(b.scope)} items\t{len(b.milestones)} milestones",
                    file=ctx.out,
                )
        else:
            found = store.baseline(args.id)
            if found is None:
                known = ", ".join(b.id for b in store.baselines()) or "none yet"
                raise ConfigError(
                    f"no baseline {args.id!r}; known: {known}"
                    if args.id
                    else "no baseline yet; run `clientsync baseline capture --agreed-by NAME`"
                )
            ctx.out.write(found.model_dump_json(indent=2) + "\n")
    return ExitCode.OK


def cmd_report(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    config = load_config(ctx.config_path)
    as_of = parse_as_of(args.as_of, now=ctx.clock.now(), timezone_name=config.project.timezone)
    request = ReportRequest(
        as_of=as_of,
        audience=args.audience,
        level=DetailLevel(args.level) if args.level else None,
    )
    with open_store(config) as store:
        report = make_report(config, store, request)
    text = render_report(report, args.format)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        ctx.progress(f"wrote {args.out}")
    else:
        ctx.out.write(text)
    return gate(report, args.fail_on, ctx, junit=args.junit)


def render_report(report: Report, format_name: str) -> str:
    if format_name == "json":
        return report.to_json()
    if format_name == "html":
        from .render.html import render_html

        return render_html(report)
    return render_markdown(report)


def gate(
    report: Report, gates: list[Gate], ctx: _Context, *, junit: Path | None = None
) -> ExitCode:
    """Judge the gates; say why each tripped; write what the CI dashboards read."""
    results = evaluate(report, gates)
    for result in results:
        if result.outcome is not Outcome.PASSED:
            ctx.progress(f"gate {result.outcome.value}: {result.reason}")
    if junit is not None:
        write_junit(junit, report, results)
        ctx.progress(f"wrote {junit}")
    summary = ctx.env.get("GITHUB_STEP_SUMMARY")
    if summary:
        append_step_summary(Path(summary), report, results)
    return ExitCode.GATE_TRIPPED if any(r.tripped for r in results) else ExitCode.OK


def cmd_schema(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    ctx.out.write(dump_json(json_schema(args.name)))
    return ExitCode.OK


def cmd_demo(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    from .demo import run_demo

    result = run_demo(example_dir(), args.out, progress=ctx.progress)
    ctx.out.write(result.summary)
    return ExitCode.OK


def cmd_plan(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    from .publish import plan_audiences

    config = load_config(ctx.config_path)
    if not config.audiences:
        raise ConfigError(f"{ctx.config_path}: no [[audiences]]; add one to plan updates")
    with open_store(config) as store:
        plans = plan_audiences(config, store, now=ctx.clock.now())
    for index, plan in enumerate(plans):
        if index:
            print("", file=ctx.out)
        print("\n".join(plan.lines()), file=ctx.out)
    return ExitCode.OK


def cmd_publish(args: argparse.Namespace, ctx: _Context) -> ExitCode:
    from .publish import publish_due

    config = load_config(ctx.config_path)
    with open_store(config) as store:
        result = publish_due(
            config,
            store,
            now=ctx.clock.now(),
            env=ctx.env,
            dry_run=args.dry_run,
            force=args.force,
            audiences=args.audience,
            resume=args.resume,
        )
    for name in args.resume:
        ctx.progress(f"resumed {name}")
    for outcome in result.outcomes:
        print(outcome.line(), file=ctx.out)
    if args.dry_run:
        ctx.progress("dry run: nothing was sent")
    if result.failed:
        ctx.progress("some updates were not delivered; they are retried on the next run")
        return ExitCode.DELIVERY
    return ExitCode.OK
