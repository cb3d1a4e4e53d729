"""clientsync: keep a project's clients informed straight from the tracker.

Every view is a pure function of domain objects::

    from clientsync import Snapshot, build_report, render_markdown
    snapshot = Snapshot.from_json(Path("snapshot.json").read_bytes())
    report = build_report(snapshot, as_of=snapshot.taken_at)
    print(render_markdown(report))

Nothing happens at import time: no I/O, no global state.
"""

from .domain.baseline import Baseline, BaselineMilestone, ChangeAcknowledgement, capture_baseline
from .domain.drift import ChangeNotice, DriftEvent, DriftKind, DriftView, compute_drift
from .domain.forecast import Forecast, MilestoneForecast, forecast_snapshot
from .domain.model import (
    EstimateUnit,
    ItemChange,
    ItemKind,
    ItemState,
    Milestone,
    Project,
    Snapshot,
    SnapshotError,
    Visibility,
    WorkItem,
)
from .domain.report import Report, build_report, json_schema
from .domain.retro import Retrospective, build_retrospective
from .domain.risk import Risk, RiskRule, Severity, Trend, assess_risks
from .domain.settings import (
    ForecastMode,
    ForecastSettings,
    ForecastUnit,
    ReportSettings,
    RiskSettings,
    StatusSettings,
)
from .domain.status import MilestoneStatus, Rag, StatusView, compute_status
from .domain.visibility import DetailLevel, VisibilityPolicy, visible_snapshot
from .errors import (
    ClientsyncError,
    ConfigError,
    FatalTrackerError,
    StoreError,
    SyncError,
    TrackerError,
    TransientTrackerError,
)
from .render.markdown import render_markdown

__version__ = "0.1.0"

__all__ = [
    "Baseline",
    "BaselineMilestone",
    "ChangeAcknowledgement",
    "ChangeNotice",
    "ClientsyncError",
    "ConfigError",
    "DetailLevel",
    "DriftEvent",
    "DriftKind",
    "DriftView",
    "EstimateUnit",
    "FatalTrackerError",
    "Forecast",
    "ForecastMode",
    "ForecastSettings",
    "ForecastUnit",
    "ItemChange",
    "ItemKind",
    "ItemState",
    "Milestone",
    "MilestoneForecast",
    "MilestoneStatus",
    "Project",
    "Rag",
    "Report",
    "ReportSettings",
    "Retrospective",
    "Risk",
    "RiskRule",
    "RiskSettings",
    "Severity",
    "Snapshot",
    "SnapshotError",
    "StatusSettings",
    "StatusView",
    "StoreError",
    "SyncError",
    "TrackerError",
    "TransientTrackerError",
    "Trend",
    "Visibility",
    "VisibilityPolicy",
    "WorkItem",
    "__version__",
    "assess_risks",
    "build_report",
    "build_retrospective",
    "capture_baseline",
    "compute_drift",
    "compute_status",
    "forecast_snapshot",
    "json_schema",
    "render_markdown",
    "visible_snapshot",
]
