"""Small reports for the renderer tests, built the way the product builds them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from clientsync.domain.baseline import ChangeAcknowledgement, capture_baseline
from clientsync.domain.model import ItemState, Milestone, Project, Snapshot, WorkItem
from clientsync.domain.report import Report, build_report
from clientsync.domain.settings import ForecastSettings, ReportSettings
from clientsync.domain.visibility import DetailLevel, VisibilityPolicy

AS_OF = datetime(2026, 11, 27, 9, tzinfo=UTC)
FAST = ReportSettings(forecast=ForecastSettings(trials=200))
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def item(n: int, **fields: object) -> WorkItem:
    base: dict[str, object] = {
        "id": str(n),
        "key": f"P-{n}",
        "title": f"Item {n}",
        "url": f"https://tracker.example/browse/P-{n}",
        "created": AS_OF - timedelta(days=60),
        "updated": AS_OF - timedelta(days=2),
        "milestones": ("m1",),
    }
    base.update(fields)
    return WorkItem.model_validate(base)


def done(n: int, days_ago: int, **fields: object) -> WorkItem:
    return item(n, state=ItemState.DONE, completed_at=AS_OF - timedelta(days=days_ago), **fields)


def report_of(
    items: list[WorkItem],
    *,
    baseline_items: list[WorkItem] | None = None,
    milestone_name: str = "Launch",
    project_name: str = "Portal",
    level: DetailLevel = DetailLevel.CLIENT,
    policy: VisibilityPolicy | None = None,
) -> Report:
    milestones = (Milestone(id="m1", name=milestone_name, due=date(2026, 12, 20)),)
    project = Project(id="p", name=project_name)
    snapshot = Snapshot(project=project, taken_at=AS_OF, items=tuple(items), milestones=milestones)
    baseline = None
    if baseline_items is not None:
        agreed = Snapshot(
            project=project,
            taken_at=AS_OF - timedelta(days=20),
            items=tuple(baseline_items),
            milestones=milestones,
        )
        baseline = capture_baseline(agreed, id="b1", captured_at=AS_OF - timedelta(days=20))
    return build_report(
        snapshot, as_of=AS_OF, baseline=baseline, policy=policy, settings=FAST, level=level
    )


def hostile_report(level: DetailLevel = DetailLevel.CLIENT) -> Report:
    """Tracker text that is markup, in every place a renderer prints tracker text."""
    history = [done(n, 3 + n, title=f"{SCRIPT} done {n}") for n in range(1, 6)]
    items = [
        *history,
        item(10, title=SCRIPT, state=ItemState.IN_PROGRESS, url="javascript:alert(1)"),
        item(11, title=IMG, blocked=True, blocked_reason=IMG, state=ItemState.IN_PROGRESS),
        item(12, title=f"{IMG} request", client_request=True, key=f"P-12{SCRIPT}"),
        item(13, title="Due soon $x$ & <b>", due=date(2026, 11, 30)),
    ]
    return report_of(
        items,
        baseline_items=[*history, items[5]],
        milestone_name=f"{SCRIPT}{IMG}",
        project_name=f"Portal {SCRIPT}",
        level=level,
    )


BUDGET_AGREED_AT = AS_OF - timedelta(days=20)


def signed_off_report(level: DetailLevel = DetailLevel.CLIENT, *, hostile: bool = False) -> Report:
    """A pending notice on m1, a budget overrun the client signed off when this baseline was
    made, and the record of an earlier sign-off (with hostile text when asked)."""
    mark = SCRIPT if hostile else ""
    agreed_items = [done(n, 3 + n, spent_hours=10.0) for n in range(1, 4)]
    milestones = (Milestone(id="m1", name="Launch", due=date(2026, 12, 20)),)
    project = Project(id="p", name="Portal")
    agreed = Snapshot(
        project=project,
        taken_at=BUDGET_AGREED_AT,
        items=(*agreed_items, item(4)),
        milestones=milestones,
    )
    record = (
        ChangeAcknowledgement(
            notice_id="m1",
            summary=f"Launch: due date moved{mark} from 2026-12-04 to 2026-12-18 (+14 days)",
            acknowledged_by=f"Jordan Lee{IMG if hostile else ''}",
            acknowledged_at=AS_OF - timedelta(days=40),
            note=f"agreed on the call{mark}",
        ),
        ChangeAcknowledgement(
            notice_id="budget",
            summary="Budget: over budget",
            acknowledged_by="Sam Client",
            acknowledged_at=BUDGET_AGREED_AT,
        ),
    )
    baseline = capture_baseline(
        agreed,
        id="b3",
        captured_at=BUDGET_AGREED_AT,
        agreed_by="Sam Client",
        agreed_at=BUDGET_AGREED_AT,
        budget_hours=20,
        acknowledgements=record,
    )
    now = Snapshot(
        project=project,
        taken_at=AS_OF,
        items=(*agreed_items, item(4), item(5, title="New scope")),
        milestones=milestones,
    )
    return build_report(now, as_of=AS_OF, baseline=baseline, settings=FAST, level=level)
