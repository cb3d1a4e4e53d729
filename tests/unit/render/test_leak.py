"""No internal item, internal label, assignee or raw field reaches any client-level format."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from clientsync.domain.model import (
    ItemState,
    Milestone,
    Project,
    Snapshot,
    Visibility,
)
from clientsync.domain.report import Report
from clientsync.domain.visibility import DetailLevel
from clientsync.render import (
    render_adf_json,
    render_asana_status,
    render_email,
    render_html,
    render_markdown,
    render_text,
)
from tests.unit.domain.leaky import (
    AS_OF,
    CANARY,
    leaky_report,
    leaky_snapshots,
    make_item,
)

NEXT = date(2026, 12, 4)


def every_format(report: Report, *, charts: bool) -> dict[str, str]:
    asana = render_asana_status(report, next_update=NEXT)
    email = render_email(report, next_update=NEXT, charts=charts)
    return {
        "json": report.to_json(),
        "markdown": render_markdown(report),
        "html": render_html(report, next_update=NEXT, charts=charts),
        "adf": render_adf_json(report, next_update=NEXT),
        "text": render_text(report, next_update=NEXT),
        "asana": "\n".join(asana),
        "email": "\n".join((email.subject, email.text, email.html)),
    }


@settings(max_examples=25, deadline=None)
@given(leaky_snapshots(), st.sampled_from([DetailLevel.CLIENT, DetailLevel.EXECUTIVE]))
def test_no_canary_reaches_any_client_level_format(snapshot: Snapshot, level: DetailLevel) -> None:
    # Charts draw only milestone names and counts; they are covered once below, as they
    # are slow to draw for every example.
    outputs = every_format(leaky_report(snapshot, level), charts=False)
    for name, text in outputs.items():
        assert CANARY not in text, f"canary in the {name} output"


@settings(max_examples=2, deadline=None)
@given(leaky_snapshots())
def test_no_canary_reaches_the_charts(snapshot: Snapshot) -> None:
    html = render_html(leaky_report(snapshot, DetailLevel.CLIENT))
    assert CANARY not in html


def test_the_canaries_would_be_found_if_they_leaked() -> None:
    # The internal level shows what the client levels must not: the search above is real.
    snapshot = Snapshot(
        project=Project(id="p", name="P"),
        taken_at=AS_OF,
        items=(
            make_item(
                1,
                state=ItemState.IN_PROGRESS,
                visibility=Visibility.INTERNAL,
                title=f"{CANARY} secret",
            ),
            make_item(
                2, state=ItemState.IN_PROGRESS, labels=(f"{CANARY}-label",), key=f"{CANARY}-2"
            ),
            make_item(
                3, state=ItemState.IN_PROGRESS, assignee=f"{CANARY} person", extra={"raw": CANARY}
            ),
        ),
        milestones=(Milestone(id="m1", name="M1", due=date(2026, 12, 20)),),
    )
    internal = every_format(leaky_report(snapshot, DetailLevel.INTERNAL), charts=False)
    for name in ("markdown", "html", "adf", "text", "asana", "email"):
        assert f"{CANARY} secret" in internal[name], name
        assert f"{CANARY}-2" in internal[name], name
    for level in (DetailLevel.CLIENT, DetailLevel.EXECUTIVE):
        for name, text in every_format(leaky_report(snapshot, level), charts=True).items():
            assert CANARY not in text, f"canary in the {level} {name} output"
