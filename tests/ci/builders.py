"""Reports built by hand for the gate tests: only the parts a gate reads are filled in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from clientsync.demo import run_demo
from clientsync.domain.drift_models import DriftEvent, DriftKind, DriftView, MilestoneDrift
from clientsync.domain.forecast import Forecast, MilestoneForecast
from clientsync.domain.model import Project
from clientsync.domain.report import Report
from clientsync.domain.risk_models import Risk, RiskRule, Severity
from clientsync.domain.settings import ForecastMode, ForecastUnit
from clientsync.domain.status import MilestoneStatus, Rag, RagStatus, StatusView
from clientsync.domain.visibility import DetailLevel
from clientsync.services import example_dir

AS_OF = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)


def status(
    mid: str,
    rag: Rag = Rag.GREEN,
    *,
    due: date | None = None,
    p85: date | None = None,
    completed: bool = False,
    reasons: tuple[str, ...] = (),
    forecast: MilestoneForecast | None = None,
) -> MilestoneStatus:
    if forecast is None and p85 is not None:
        forecast = MilestoneForecast(
            milestone_id=mid, remaining=1, remaining_cumulative=1, p50=p85, p85=p85, p95=p85
        )
    return MilestoneStatus(
        id=mid,
        name=mid.title(),
        due=due,
        rag=rag,
        reasons=reasons,
        forecast=forecast,
        done=0,
        total=1,
        completed=completed,
    )


def drift(
    mid: str,
    *,
    agreed: date | None = None,
    due: date | None = None,
    added: int = 0,
    removed: int = 0,
    by_count: float = 0.0,
    by_estimate: float | None = None,
) -> MilestoneDrift:
    return MilestoneDrift(
        milestone=mid,
        name=mid.title(),
        baseline_due=agreed,
        due=due,
        slip_days=(due - agreed).days if due and agreed else 0,
        items_added=added,
        items_removed=removed,
        scope_change_percent_count=by_count,
        scope_change_percent_estimate=by_estimate,
    )


def risk(severity: Severity, title: str = "Something is wrong") -> Risk:
    return Risk(
        id=f"blocked:{title}",
        rule=RiskRule.BLOCKED,
        severity=severity,
        title=title,
        detail=title,
        action="Fix it",
        first_seen=TODAY,
    )


def report(
    milestones: tuple[MilestoneStatus, ...] = (),
    *,
    overall: Rag | None = None,
    overall_reasons: tuple[str, ...] = (),
    drifts: tuple[MilestoneDrift, ...] | None = None,
    events: tuple[DriftEvent, ...] = (),
    risks: tuple[Risk, ...] = (),
    name: str = "Acme portal",
) -> Report:
    """`drifts=None` is a report without a baseline."""
    worst = max((m.rag for m in milestones), key=lambda r: r.rank, default=Rag.GREEN)
    drift_view = DriftView()
    if drifts is not None:
        drift_view = DriftView(baseline_id="b1", milestones=drifts, events=events)
    return Report(
        project=Project(id="acme", name=name),
        as_of=AS_OF,
        snapshot_taken_at=AS_OF,
        level=DetailLevel.INTERNAL,
        status=StatusView(
            as_of=TODAY,
            overall=RagStatus(rag=overall or worst, reasons=overall_reasons),
            milestones=milestones,
        ),
        drift=drift_view,
        risks=tuple(sorted(risks, key=lambda r: -r.severity.rank)),
        forecast=Forecast(
            as_of=TODAY,
            unit=ForecastUnit.ITEMS,
            mode=ForecastMode.SEQUENTIAL,
            trials=100,
            window_days=42,
            seed=1,
            completions_in_window=0,
            throughput_per_day=0.0,
        ),
    )


def milestone_added(mid: str) -> DriftEvent:
    return DriftEvent(kind=DriftKind.MILESTONE_ADDED, subject=mid, title=f"Added {mid}")


def demo_report(tmp: Path) -> Report:
    """The bundled example's client report as of its last snapshot (red, with drift)."""
    return run_demo(example_dir(), tmp, progress=lambda message: None).reports["client"]
