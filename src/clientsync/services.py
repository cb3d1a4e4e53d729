"""Use cases: ports and config in, domain out. The CLI and the webhook app call only these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from .config import Config
from .domain.baseline import Baseline, ChangeAcknowledgement, capture_baseline
from .domain.drift import notice_summary
from .domain.model import Milestone, Project, Snapshot, WorkItem
from .domain.rebaseline import fold_notice, notice_title, open_notices
from .domain.report import Report, build_report
from .domain.visibility import DetailLevel, VisibilityPolicy
from .errors import ConfigError, SyncError
from .registry import load as load_connector
from .retry import RetryPolicy
from .store import Store
from .sync import SyncSummary, sync_source


@dataclass(frozen=True)
class ReportRequest:
    as_of: datetime
    audience: str | None = None
    level: DetailLevel | None = None


def open_store(config: Config) -> Store:
    return Store.open(config.store_path, busy_timeout=config.store.busy_timeout_seconds)


def sync_project(
    config: Config,
    store: Store,
    *,
    now: datetime,
    env: Mapping[str, str],
    full: bool = False,
    allow_empty: bool = False,
    sources: Sequence[str] = (),
    retry: RetryPolicy | None = None,
) -> list[SyncSummary]:
    """Sync every configured source (or the named ones) into the store, one by one."""
    chosen = [config.source(name) for name in sources] if sources else list(config.sources)
    summaries = []
    for source in chosen:
        factory = load_connector(source.connector)
        reader = factory.from_options(source.options, env=env, base_dir=config.base_dir)
        summaries.append(
            sync_source(
                store,
                source.name,
                reader,
                now=now,
                full=full,
                allow_empty=allow_empty,
                retry=retry or RetryPolicy(),
            )
        )
    return summaries


def current_snapshot(config: Config, store: Store, *, taken_at: datetime) -> Snapshot:
    """All sources' live items as one project (the config names the project)."""
    merged_items: dict[str, WorkItem] = {}
    merged_milestones: dict[str, Milestone] = {}
    for source in config.sources:
        part = store.snapshot(source.name, taken_at=taken_at)
        merged_items.update({i.id: i for i in part.items})
        merged_milestones.update({m.id: m for m in part.milestones})
    if not merged_items and not merged_milestones:
        raise SyncError(
            f"the store at {config.store_path} holds nothing yet; run `clientsync sync` first"
        )
    project = Project(
        id=config.project.id,
        name=config.project.name,
        timezone=config.project.timezone,
        tracker=",".join(sorted({s.connector for s in config.sources})),
    )
    return Snapshot(
        project=project,
        taken_at=taken_at,
        items=tuple(merged_items.values()),
        milestones=tuple(merged_milestones.values()),
    )


def capture_project_baseline(
    config: Config,
    store: Store,
    *,
    now: datetime,
    agreed_by: str,
    note: str | None = None,
    budget_hours: float | None = None,
    assumptions: Sequence[str] = (),
    constraints: Sequence[str] = (),
    acknowledgements: Sequence[ChangeAcknowledgement] = (),
) -> Baseline:
    snapshot = current_snapshot(config, store, taken_at=now)
    baseline = capture_baseline(
        snapshot,
        id=_next_baseline_id(store, now),
        captured_at=now,
        agreed_by=agreed_by,
        agreed_at=now,
        note=note,
        budget_hours=budget_hours,
        assumptions=tuple(assumptions),
        constraints=tuple(constraints),
        acknowledgements=acknowledgements,
    )
    store.add_baseline(baseline)
    return baseline


def make_report(
    config: Config,
    store: Store,
    request: ReportRequest,
    *,
    save: bool = True,
) -> Report:
    """The report for one audience, against the latest baseline.

    Without an audience or a level it is the client's view: what is shown to a client by
    mistake must be something a client may see (`level=internal` shows everything).
    """
    level = request.level or DetailLevel.CLIENT
    audience_name = request.audience or level.value
    if request.audience is not None:
        audience = config.audience(request.audience)
        level = request.level or DetailLevel(audience.level)
    snapshot = current_snapshot(config, store, taken_at=request.as_of)
    # The previous report is the last one of an earlier day: re-running today's report
    # must not shrink "done since the last report" to the minutes between two runs.
    zone = ZoneInfo(config.project.timezone)
    start_of_day = datetime.combine(request.as_of.astimezone(zone).date(), time(), zone)
    previous_json = store.previous_report(audience_name, before=start_of_day)
    previous = Report.model_validate_json(previous_json) if previous_json else None
    policy = VisibilityPolicy(
        internal_labels=tuple(config.visibility.internal_labels),
        client_hidden_fields=tuple(config.visibility.client_hidden_fields),
        executive_hidden_fields=tuple(config.visibility.executive_hidden_fields),
    )
    report = build_report(
        snapshot,
        as_of=request.as_of,
        baseline=store.baseline(),
        history=store.history(),
        previous=previous,
        policy=policy,
        settings=config.report_settings,
        level=level,
    )
    if save:
        store.save_report(request.as_of, audience_name, report.to_json())
    return report


def example_dir() -> Path:
    """The bundled example: inside the installed package, or beside it in a checkout."""
    packaged = Path(__file__).parent / "_example"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "examples" / "acme-portal"
    if checkout.is_dir():
        return checkout
    raise ConfigError("the bundled example is missing from this installation; reinstall clientsync")


def accept_change_notice(
    config: Config,
    store: Store,
    *,
    notice_id: str,
    agreed_by: str,
    now: datetime,
    note: str | None = None,
) -> Baseline:
    """Record the client's sign-off on one change notice: a new baseline version, the
    previous one with only that notice's changes agreed (the old one is kept), carrying
    forward the record of acknowledgements with this sign-off added.

    Every other open notice stays open: signing off one change agrees no other. A notice
    is named by its id (`ChangeNotice.id`), as the reports list them. Any notice may be
    accepted, but the record says what the client saw: every audience reads it.
    """
    if not agreed_by.strip():
        raise ConfigError("say who signed the change off: --by NAME must not be empty")
    current = store.baseline()
    if current is None:
        raise ConfigError(
            "no baseline yet, so no change notice to accept; run "
            "`clientsync baseline capture --agreed-by NAME` first"
        )
    snapshot = current_snapshot(config, store, taken_at=now)
    notices = open_notices(current, snapshot)
    if notice_id not in notices:
        known = ", ".join(sorted(notices)) or "none: nothing has drifted from the baseline"
        raise ConfigError(f"no change notice {notice_id!r}; open notices: {known}")
    # Counted at the client's level, so the record never tells of internal work.
    client = make_report(config, store, ReportRequest(as_of=now), save=False).drift
    shown = next((n for n in client.notices if n.id == notice_id), None)
    if shown is not None:
        summary = notice_summary(shown)
    else:
        summary = f"{notice_title(current, snapshot, notice_id)}: plan re-agreed"
    baseline = fold_notice(
        current,
        snapshot,
        notice_id,
        id=_next_baseline_id(store, now),
        captured_at=now,
        agreed_by=agreed_by,
        summary=summary,
        note=note,
        # A budget sign-off agrees to the projection the client was shown.
        shown_budget=client.budget if shown is not None else None,
    )
    store.add_baseline(baseline)
    return baseline


def _next_baseline_id(store: Store, now: datetime) -> str:
    """`b3-20261130`: the count and the day."""
    return f"b{len(store.baselines()) + 1}-{now.strftime('%Y%m%d')}"
