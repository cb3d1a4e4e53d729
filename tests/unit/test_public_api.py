"""The public API is a contract: a change to __all__ must be deliberate."""

import clientsync

PINNED = {
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
}


def test_all_is_pinned() -> None:
    assert set(clientsync.__all__) == PINNED


def test_every_public_name_resolves() -> None:
    for name in clientsync.__all__:
        assert getattr(clientsync, name) is not None


def test_import_has_no_side_effects_on_logging() -> None:
    import logging

    assert not logging.getLogger("clientsync").handlers
