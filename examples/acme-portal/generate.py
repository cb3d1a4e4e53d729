"""Writes the Acme customer-portal example: weekly snapshots of one client project.

Run from this folder (`python generate.py`); the JSON files it writes are committed, so
the demo and the golden tests never depend on running it. Each item is described once by
its life story (created, started, blocked, done, re-estimated, re-planned), and every
snapshot is that story read at the snapshot's moment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SNAPSHOTS = [datetime(2026, 10, 26, 9, 0, tzinfo=UTC) + timedelta(weeks=w) for w in range(5)]
URL = "https://northwind.example/acme/browse/"

PROJECT = {
    "id": "acme-portal",
    "name": "Acme customer portal",
    "url": "https://northwind.example/acme",
    "tracker": "file",
    "timezone": "Europe/London",
}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Story:
    n: int
    title: str
    milestone: str | None
    created: str
    estimate: float | None = 3
    kind: str = "story"
    started: str | None = None
    done: str | None = None
    cancelled: str | None = None
    due: str | None = None
    assignee: str | None = "Priya Shah"
    blocked: tuple[str, str, str] | None = None  # from, until ('' = still), reason
    labels: tuple[str, ...] = ()
    client_request: bool = False
    visibility: str = "client"
    status_override: tuple[str, str] | None = None  # from day, status name
    re_estimates: tuple[tuple[str, float], ...] = ()
    re_plans: tuple[tuple[str, str], ...] = ()  # from day, new milestone
    blocked_by: tuple[str, ...] = ()
    spent_per_week: float = 6.0
    touched: tuple[str, ...] = ()  # extra days the item was updated
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"ACME-{self.n}"

    def at(self, moment: datetime) -> dict[str, Any] | None:
        if at(self.created) > moment:
            return None
        events = [at(self.created)]
        state, status = "todo", "To Do"
        completed = None
        if self.started and at(self.started) <= moment:
            state, status = "in_progress", "In Progress"
            events.append(at(self.started))
        if self.done and at(self.done, 16) <= moment:
            state, status, completed = "done", "Done", at(self.done, 16)
            events.append(completed)
        if self.cancelled and at(self.cancelled) <= moment:
            state, status = "cancelled", "Won't Do"
            events.append(at(self.cancelled))
        if self.status_override and at(self.status_override[0]) <= moment and state != "done":
            status = self.status_override[1]
            events.append(at(self.status_override[0]))
        blocked, reason = False, None
        if self.blocked and at(self.blocked[0]) <= moment:
            events.append(at(self.blocked[0]))
            if not self.blocked[1] or at(self.blocked[1]) > moment:
                blocked, reason = True, self.blocked[2]
            else:
                events.append(at(self.blocked[1]))
        estimate = self.estimate
        for day, value in self.re_estimates:
            if at(day) <= moment:
                estimate = value
                events.append(at(day))
        milestone = self.milestone
        for day, value in self.re_plans:
            if at(day) <= moment:
                milestone = value
                events.append(at(day))
        events += [at(day) for day in self.touched if at(day) <= moment]
        worked_until = completed or moment
        weeks = (
            max(0.0, (worked_until - at(self.started or self.created)).days / 7)
            if self.started
            else 0.0
        )
        return {
            "id": str(10000 + self.n),
            "key": self.key,
            "title": self.title,
            "url": URL + self.key,
            "kind": self.kind,
            "status": status,
            "state": state,
            "blocked": blocked,
            "blocked_reason": reason,
            "milestones": [milestone] if milestone else [],
            "blocked_by": list(self.blocked_by),
            "due": self.due,
            "created": at(self.created).isoformat(),
            "updated": max(e for e in events if e <= moment).isoformat(),
            "completed_at": completed.isoformat() if completed else None,
            "estimate": estimate,
            "estimate_unit": "points",
            "spent_hours": round(weeks * self.spent_per_week, 1) if self.started else 0.0,
            "priority": "High" if self.client_request else "Medium",
            "labels": list(self.labels),
            "assignee": self.assignee,
            "client_request": self.client_request,
            "visibility": self.visibility,
            "extra": self.extra,
        }


def milestones(moment: datetime) -> list[dict[str, Any]]:
    after_replan = moment >= at("2026-11-12")
    result = [
        {
            "id": "discovery",
            "name": "Discovery & design",
            "due": "2026-11-06",
            "done": moment >= at("2026-11-05", 17),
            "start": "2026-10-05",
            "completed_at": at("2026-11-05", 17).isoformat()
            if moment >= at("2026-11-05", 17)
            else None,
            "description": "Research, information architecture and the approved designs.",
            "deliverables": ["Research report", "Clickable prototype", "Design system"],
        },
        {
            "id": "migration",
            "name": "Content migration",
            "due": "2026-11-20",
            "description": "All 1,400 help articles moved and redirected.",
        },
        {
            "id": "beta",
            "name": "Beta release",
            "due": "2026-12-04" if after_replan else "2026-11-27",
            "description": "Logged-in portal for 50 pilot customers.",
            "deliverables": ["Account area", "Order history", "Support tickets"],
        },
        {
            "id": "launch",
            "name": "Public launch",
            "due": "2026-12-18",
            "deliverables": ["Production cut-over", "Monitoring", "Training material"],
        },
    ]
    if not after_replan:
        result.append({"id": "handover", "name": "Training & handover", "due": "2027-01-15"})
    if moment >= at("2026-11-16"):
        result.append(
            {
                "id": "analytics",
                "name": "Analytics add-on",
                "due": None,
                "description": "Usage dashboards requested after the beta demo.",
            }
        )
    return result


S = Story
STORIES = [
    # Discovery & design: done on time.
    S(
        1,
        "Stakeholder interviews",
        "discovery",
        "2026-09-28",
        3,
        started="2026-10-05",
        done="2026-10-13",
    ),
    S(
        2,
        "Information architecture",
        "discovery",
        "2026-09-28",
        5,
        started="2026-10-12",
        done="2026-10-21",
    ),
    S(
        3,
        "Clickable prototype",
        "discovery",
        "2026-09-28",
        5,
        started="2026-10-19",
        done="2026-10-30",
    ),
    S(
        4,
        "Design system tokens",
        "discovery",
        "2026-09-28",
        3,
        started="2026-10-20",
        done="2026-11-03",
        assignee="Tom Okafor",
    ),
    S(
        5,
        "Design sign-off with Acme",
        "discovery",
        "2026-09-28",
        1,
        started="2026-11-02",
        done="2026-11-05",
    ),
    # Content migration: overdue milestone, one overdue item holding another up.
    S(
        6,
        "Migration script for help articles",
        "migration",
        "2026-09-30",
        5,
        started="2026-10-14",
        done="2026-10-28",
        assignee="Tom Okafor",
    ),
    S(
        7,
        "Redirect map for old URLs",
        "migration",
        "2026-09-30",
        3,
        started="2026-10-26",
        done="2026-11-10",
        assignee="Tom Okafor",
    ),
    S(
        8,
        "Migrate articles A–M",
        "migration",
        "2026-09-30",
        3,
        started="2026-11-02",
        done="2026-11-13",
        assignee="Tom Okafor",
    ),
    S(
        21,
        "Migrate articles N–Z",
        "migration",
        "2026-09-30",
        3,
        started="2026-11-09",
        due="2026-11-13",
        assignee="Tom Okafor",
    ),
    S(
        22,
        "Content sign-off by Acme editors",
        "migration",
        "2026-09-30",
        1,
        status_override=("2026-11-16", "Waiting for client"),
        due="2026-11-20",
    ),
    # Beta: moved a week, scope added, one item re-estimated, one descoped.
    S(
        9,
        "Login and password reset",
        "beta",
        "2026-10-01",
        3,
        started="2026-10-27",
        done="2026-11-06",
    ),
    S(
        10,
        "Account overview page",
        "beta",
        "2026-10-01",
        5,
        started="2026-11-02",
        done="2026-11-12",
    ),
    S(
        11,
        "Order history list",
        "beta",
        "2026-10-01",
        5,
        started="2026-11-09",
        done="2026-11-19",
        assignee="Tom Okafor",
    ),
    S(
        12,
        "Order detail with invoices",
        "beta",
        "2026-10-01",
        3,
        started="2026-11-16",
        re_estimates=(("2026-11-11", 8),),
        extra={"change_reason": "Invoices come from SAP, not the shop database"},
    ),
    S(
        13,
        "Support ticket list",
        "beta",
        "2026-10-01",
        3,
        started="2026-11-18",
        touched=("2026-11-20",),
    ),
    S(14, "Create a support ticket", "beta", "2026-10-01", 3, due="2026-11-26", assignee=None),
    S(
        15,
        "Full-text search across orders",
        "beta",
        "2026-10-01",
        5,
        cancelled="2026-11-11",
        extra={
            "change_reason": "Replaced by the shop's built-in search (agreed in the 11 Nov call)"
        },
    ),
    S(
        16,
        "Single sign-on with Acme Azure AD",
        "beta",
        "2026-10-01",
        5,
        started="2026-11-03",
        blocked=("2026-11-10", "", "Waiting for SSO test credentials from Acme IT"),
    ),
    S(17, "Pilot customer onboarding emails", "beta", "2026-10-01", 2),
    S(
        18,
        "Accessibility audit fixes",
        "beta",
        "2026-10-01",
        3,
        started="2026-10-30",
        assignee="Tom Okafor",
    ),
    S(27, "Beta smoke tests", "beta", "2026-10-01", 2, blocked_by=("ACME-21",), due="2026-12-02"),
    S(
        30,
        "Saved payment methods",
        "beta",
        "2026-11-11",
        5,
        extra={"change_reason": "Requested by Acme marketing in the 11 Nov call"},
    ),
    S(
        31,
        "Reorder from history",
        "beta",
        "2026-11-11",
        3,
        extra={"change_reason": "Requested by Acme marketing in the 11 Nov call"},
    ),
    S(32, "Delivery tracking widget", "beta", "2026-11-13", 5),
    S(33, "Notification preferences", "beta", "2026-11-18", 2, started="2026-11-19"),
    # Launch.
    S(
        19,
        "Production infrastructure",
        "launch",
        "2026-10-01",
        5,
        started="2026-11-19",
        assignee="Tom Okafor",
    ),
    S(20, "Monitoring and alerting", "launch", "2026-10-01", 3),
    S(23, "Cut-over runbook", "launch", "2026-10-01", 2),
    S(
        24,
        "Load test at 5k concurrent users",
        "launch",
        "2026-10-01",
        3,
        started="2026-11-02",
        assignee="Tom Okafor",
    ),
    S(
        25,
        "Training videos for Acme support",
        "handover",
        "2026-10-01",
        3,
        re_plans=(("2026-11-12", "launch"),),
    ),
    S(26, "Handover workshop", "handover", "2026-10-01", 2, re_plans=(("2026-11-12", "launch"),)),
    # Analytics add-on: new, unplanned, unestimated.
    S(34, "Usage dashboard", "analytics", "2026-11-16", None),
    S(35, "Export dashboards to PDF", "analytics", "2026-11-16", None),
    # Client requests.
    S(
        36,
        "Request: contractor accounts without SSO",
        None,
        "2026-11-09",
        2,
        kind="request",
        client_request=True,
    ),
    S(
        37,
        "Request: change footer legal text",
        None,
        "2026-11-04",
        1,
        kind="request",
        client_request=True,
        started="2026-11-05",
        done="2026-11-06",
    ),
    # Internal work the client must never see.
    S(
        40,
        "Refactor CI pipeline (internal)",
        "beta",
        "2026-10-20",
        2,
        labels=("internal",),
        started="2026-11-02",
        done="2026-11-09",
        assignee="Sam Rivera",
        extra={"cost_centre": "NW-OPS-7"},
    ),
    S(
        41,
        "Margin review: Acme over budget",
        None,
        "2026-11-10",
        None,
        visibility="internal",
        assignee="Dana Whitfield",
        extra={"note": "Acme is paying day rate 640; internal cost 710"},
    ),
]


def snapshot(moment: datetime) -> dict[str, Any]:
    items = [s.at(moment) for s in STORIES]
    return {
        "project": PROJECT,
        "taken_at": moment.isoformat(),
        "items": sorted((i for i in items if i), key=lambda i: int(i["id"])),
        "milestones": milestones(moment),
    }


def main() -> None:
    folder = HERE / "snapshots"
    folder.mkdir(exist_ok=True)
    for moment in SNAPSHOTS:
        path = folder / f"{moment.date().isoformat()}.json"
        path.write_text(
            json.dumps(snapshot(moment), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(path.relative_to(HERE))


if __name__ == "__main__":
    main()
