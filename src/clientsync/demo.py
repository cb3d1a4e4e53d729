"""`clientsync demo`: the whole job on the bundled example, offline and repeatable.

It replays the example's weekly snapshots through the file connector into a fresh store,
captures the baseline the client agreed after the first week, and writes the reports as
of the last snapshot, exactly as a weekly CI job would have.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import load_config
from .connectors.file import FileConnector
from .domain.model import Snapshot
from .domain.report import Report
from .domain.visibility import DetailLevel
from .publish.preview import plan_audiences
from .render.html import render_html
from .render.markdown import render_markdown
from .services import ReportRequest, capture_project_baseline, make_report
from .store import Store
from .sync import sync_source


@dataclass(frozen=True)
class DemoResult:
    reports: dict[str, Report]
    files: tuple[Path, ...]
    summary: str


def run_demo(example: Path, out: Path, *, progress: Callable[[str], None]) -> DemoResult:
    out.mkdir(parents=True, exist_ok=True)
    store_path = out / "state.db"
    for stale in out.glob("state.db*"):
        stale.unlink()
    config = load_config(example / "clientsync.toml", env={})
    config = config.model_copy(
        update={"store": config.store.model_copy(update={"path": str(store_path.resolve())})}
    )
    demo = tomllib.loads((example / "demo.toml").read_text(encoding="utf-8"))
    source = config.sources[0].name
    snapshots = sorted((example / "snapshots").glob("*.json"))
    with Store.open(store_path) as store:
        for index, path in enumerate(snapshots):
            taken_at = Snapshot.from_json(path.read_bytes()).taken_at
            summary = sync_source(store, source, FileConnector(path), now=taken_at)
            progress(f"synced {path.name}: {summary.read} items read, {summary.changes} changes")
            if index == 0:
                agreed = demo["baseline"]
                baseline = capture_project_baseline(
                    config,
                    store,
                    now=taken_at,
                    agreed_by=agreed["agreed_by"],
                    note=agreed.get("note"),
                    budget_hours=agreed.get("budget_hours"),
                    assumptions=agreed.get("assumptions", ()),
                    constraints=agreed.get("constraints", ()),
                )
                progress(f"captured baseline {baseline.id}, agreed by {baseline.agreed_by}")
        reports: dict[str, Report] = {}
        files: list[Path] = []
        for level in (DetailLevel.CLIENT, DetailLevel.INTERNAL):
            request = ReportRequest(as_of=taken_at, level=level)
            report = make_report(config, store, request)
            reports[level.value] = report
            rendered = (
                ("md", render_markdown(report)),
                ("html", render_html(report)),
                ("json", report.to_json()),
            )
            for suffix, text in rendered:
                target = out / f"{level.value}-report.{suffix}"
                target.write_text(text, encoding="utf-8")
                files.append(target)
        # What the example's communication plan would send, and what it withholds.
        plans = plan_audiences(config, store, now=taken_at)
    client = reports["client"]
    plan_lines = [line for plan in plans for line in plan.lines()]
    return DemoResult(
        reports=reports, files=tuple(files), summary=_summary(client, files, plan_lines)
    )


def _summary(report: Report, files: list[Path], plan_lines: list[str]) -> str:
    status = report.status
    lines = [
        f"{report.project.name}: overall {status.overall.rag.value.upper()} "
        f"as of {status.as_of.isoformat()}",
    ]
    for m in status.milestones:
        lines.append(f"  {m.rag.value:<5}  {m.name} (due {m.due or '-'}): {m.done}/{m.total} done")
    by_severity: dict[str, int] = {}
    for risk in report.risks:
        by_severity[risk.severity.value] = by_severity.get(risk.severity.value, 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(by_severity.items()))
    lines.append(f"  risks: {counts or 'none'}; change notices: {len(report.drift.notices)}")
    lines += [f"  wrote {path}" for path in files]
    lines += ["", "What each audience would receive (clientsync plan):"]
    lines += [f"  {line}" for line in plan_lines]
    return "\n".join(lines) + "\n"
