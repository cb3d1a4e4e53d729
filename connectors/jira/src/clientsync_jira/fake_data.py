"""The in-memory Jira behind `FakeJira`: issues, versions, changelogs, comments and a JQL subset.

Moto-style: plain data with Jira's semantics (ids as digit strings, keys per project,
`updated` bumped on every edit, changelog histories oldest first), rendered on demand in
REST v3 (Cloud) or v2 (Data Center) shapes with field selection.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

__all__ = ["FakeIssue", "FakeJiraData", "JqlError"]

STATUSES = {
    "To Do": ("10000", 2, "new", "To Do"),
    "In Progress": ("3", 4, "indeterminate", "In Progress"),
    "In Review": ("10002", 4, "indeterminate", "In Progress"),
    "Done": ("10001", 3, "done", "Done"),
}
ISSUE_TYPES = {
    "Story": ("10001", 0),
    "Bug": ("10004", 0),
    "Task": ("10002", 0),
    "Epic": ("10000", 1),
    "Sub-task": ("10003", -1),
}
POINTS, SPRINT, FLAGGED, START = (
    "customfield_10016",
    "customfield_10020",
    "customfield_10021",
    "customfield_10015",
)
BASE_MS = int(datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp() * 1000)


class JqlError(ValueError):
    """A query the fake (like Jira) refuses with 400."""


@dataclass
class FakeIssue:
    id: int
    key: str
    project: str
    summary: str
    created_ms: int
    updated_ms: int
    status: str = "To Do"
    issuetype: str = "Story"
    labels: list[str] = field(default_factory=list)
    duedate: str | None = None
    fix_versions: list[str] = field(default_factory=list)
    points: float | None = None
    flagged: bool = False
    blocked_by: list[str] = field(default_factory=list)
    resolution: str | None = None
    original_estimate: int | None = None
    parent: str | None = None
    histories: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeVersion:
    id: str
    project: str
    name: str
    release_date: str | None = None
    released: bool = False
    archived: bool = False


class FakeJiraData:
    """Projects, issues and versions; `clock_ms` advances one second per change."""

    def __init__(self, *, utc_offset_hours: float = 0.0) -> None:
        self.zone = timezone(timedelta(hours=utc_offset_hours))
        self.issues: dict[int, FakeIssue] = {}
        self.by_key: dict[str, int] = {}
        self.versions: list[FakeVersion] = []
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.properties: dict[tuple[int, str], Any] = {}
        self.webhooks: dict[int, dict[str, Any]] = {}  # admin webhooks, by id
        self.clock_ms = BASE_MS
        self._next_id = 10000
        self._next_history = 100000
        self._counters: dict[str, int] = {}

    # -- time ------------------------------------------------------------------------------

    def tick(self, ms: int = 1000) -> int:
        self.clock_ms += ms
        return self.clock_ms

    def render_time(self, ms: int) -> str:
        moment = datetime.fromtimestamp(ms / 1000, tz=self.zone)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}" + moment.strftime("%z")

    # -- writes ----------------------------------------------------------------------------

    def add_issue(self, key: str | None, summary: str, project: str, **values: Any) -> FakeIssue:
        if key is None:
            number = self._counters.get(project, 0) + 1
            key = f"{project}-{number}"
        number = int(key.rsplit("-", 1)[1])
        self._counters[project] = max(self._counters.get(project, 0), number)
        now = self.tick()
        issue = FakeIssue(self._next_id, key, project, summary, now, now, **values)
        self._next_id += 1
        self.issues[issue.id] = issue
        self.by_key[key] = issue.id
        return issue

    def update_issue(self, issue_id: int, **values: Any) -> None:
        issue = self.issues[issue_id]
        now = self.tick()
        items = []
        for name, value in values.items():
            if name == "title":
                name = "summary"
            before = getattr(issue, name)
            setattr(issue, name, value)
            items.append(_history_item(name, before, value, self))
        issue.updated_ms = now
        self.add_history(issue, now, [i for i in items if i is not None])

    def add_history(self, issue: FakeIssue, at_ms: int, items: list[dict[str, Any]]) -> None:
        if items:
            self._next_history += 1
            issue.histories.append({"id": str(self._next_history), "at": at_ms, "items": items})

    def delete_issue(self, issue_id: int) -> None:
        issue = self.issues.pop(issue_id)
        self.by_key.pop(issue.key, None)

    def find(self, id_or_key: str) -> FakeIssue | None:
        if id_or_key.isdigit():
            return self.issues.get(int(id_or_key))
        found = self.by_key.get(id_or_key)
        return self.issues.get(found) if found is not None else None

    def generate(self, project: str, count: int, *, seed: int = 0, versions: int = 6) -> None:
        """A deterministic project: statuses, versions, points, flags, links, long histories."""
        rng = random.Random(seed)
        start = len(self.versions)
        for n in range(versions):
            due = datetime.fromtimestamp(BASE_MS / 1000, UTC).date() + timedelta(days=30 * n)
            self.versions.append(
                FakeVersion(str(20000 + start + n), project, f"{n + 1}.0", due.isoformat(), n == 0)
            )
        ids = [v.id for v in self.versions[start:]]
        for n in range(count):
            self.tick(600_000)  # issues spread over weeks, as real projects are
            issue = self.add_issue(
                None,
                f"Generated issue {n + 1}",
                project,
                issuetype=rng.choice(("Story", "Story", "Bug", "Task")),
                labels=rng.sample(["phase-1", "phase-2", "internal", "client-request"], k=1),
                points=rng.choice((None, 1.0, 2.0, 3.0, 5.0, 8.0)),
                fix_versions=[rng.choice(ids)] if ids else [],
            )
            transitions = 3 if n % 97 else 45  # a few issues outgrow the embedded changelog
            status = "To Do"
            for step in range(transitions):
                new = ("In Progress", "In Review", "To Do", "Done")[step % 4]
                change = _history_item("status", status, new, self)
                self.add_history(issue, self.tick(), [change] if change else [])
                status = new
            issue.status = status
            issue.resolution = "Done" if status == "Done" else None
            issue.flagged = rng.random() < 0.05
            issue.duedate = (
                rng.choice((None, "2026-03-31", "2026-04-30")) if rng.random() < 0.5 else None
            )
            issue.updated_ms = self.clock_ms

    # -- queries ---------------------------------------------------------------------------

    def query(self, jql: str) -> list[FakeIssue]:
        where, order = _split_order(jql)
        clauses = _clauses(where)
        if not clauses:
            raise JqlError("Unbounded JQL queries are not allowed here. Add a search restriction.")
        found = [i for i in self.issues.values() if all(c(i, self) for c in clauses)]
        for name, descending in reversed(order):
            found.sort(key=functools.partial(_sort_key, name=name), reverse=descending)
        return found


# -- JQL subset ------------------------------------------------------------------------------

_CLAUSE = re.compile(
    r"^\s*(?P<field>[A-Za-z_][\w.]*)\s*(?P<op>not in|in|!=|>=|<=|=|>|<)\s*(?P<value>.+?)\s*$",
    re.IGNORECASE,
)
_ORDER_FIELDS = {"created", "updated", "key", "id"}


def _split_order(jql: str) -> tuple[str, list[tuple[str, bool]]]:
    parts = re.split(r"\border\s+by\b", jql, maxsplit=1, flags=re.IGNORECASE)
    order: list[tuple[str, bool]] = []
    if len(parts) == 2:
        for term in parts[1].split(","):
            words = term.split()
            if not words:
                continue
            name = words[0].lower()
            if name not in _ORDER_FIELDS:
                raise JqlError(f"Field '{words[0]}' does not exist or you cannot sort by it.")
            order.append((name, len(words) > 1 and words[1].lower() == "desc"))
    return parts[0], order


def _clauses(where: str) -> list[Any]:
    text = where.strip()
    if not text:
        return []
    if re.search(r"\bor\b", text, re.IGNORECASE):
        raise JqlError("the fake Jira supports AND-ed clauses only")
    clauses = []
    for raw in re.split(r"\band\b", text, flags=re.IGNORECASE):
        part = raw.strip().strip("()").strip()
        match = _CLAUSE.match(part)
        if match is None:
            raise JqlError(f"Error in the JQL Query: cannot parse {part!r}")
        clauses.append(_clause(match["field"].lower(), match["op"].lower(), match["value"]))
    return clauses


def _literal(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _clause(name: str, op: str, value: str) -> Any:
    if op in ("in", "not in"):
        values = {_literal(v) for v in value.strip().strip("()").split(",")}
    else:
        values = {_literal(value)}
    if name in ("updated", "created"):
        return _time_clause(name, op, _literal(value))
    getters: dict[str, Callable[[FakeIssue], set[str]]] = {
        "project": lambda i: {i.project},
        "labels": lambda i: set(i.labels),
        "issuetype": lambda i: {i.issuetype},
        "status": lambda i: {i.status},
        "key": lambda i: {i.key},
        "issuekey": lambda i: {i.key},
        "id": lambda i: {str(i.id)},
    }
    getter = getters.get(name)
    if getter is None or op not in ("=", "!=", "in", "not in"):
        raise JqlError(f"Field '{name}' with operator '{op}' is not supported by the fake Jira")
    folded = {v.casefold() for v in values}

    def matches(issue: FakeIssue, data: FakeJiraData) -> bool:
        hit = bool({v.casefold() for v in getter(issue)} & folded)
        return hit if op in ("=", "in") else not hit

    return matches


def _time_clause(name: str, op: str, value: str) -> Any:
    def bound(data: FakeJiraData) -> int:
        if value.lstrip("-").isdigit():
            return int(value)  # epoch milliseconds: no zone involved
        try:  # "yyyy-MM-dd HH:mm" is read in the user's zone, as Jira does
            local = datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=data.zone)
        except ValueError:
            local = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=data.zone)
        return int(local.timestamp() * 1000)

    compare = {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
        "=": lambda a, b: a == b,
    }.get(op)
    if compare is None:
        raise JqlError(f"operator '{op}' is not supported for {name}")

    def matches(issue: FakeIssue, data: FakeJiraData) -> bool:
        actual = issue.updated_ms if name == "updated" else issue.created_ms
        return bool(compare(actual, bound(data)))

    return matches


def _sort_key(issue: FakeIssue, name: str) -> Any:
    if name == "key":
        project, number = issue.key.rsplit("-", 1)
        return (project, int(number))
    return {"created": issue.created_ms, "updated": issue.updated_ms, "id": issue.id}[name]


def _history_item(name: str, before: Any, after: Any, data: FakeJiraData) -> dict[str, Any] | None:
    if name == "status":
        return {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": STATUSES[before][0],
            "fromString": before,
            "to": STATUSES[after][0],
            "toString": after,
        }
    if name == "duedate":
        return {
            "field": "duedate",
            "fieldtype": "jira",
            "fieldId": "duedate",
            "from": before,
            "fromString": f"{before} 00:00:00.0" if before else None,
            "to": after,
            "toString": f"{after} 00:00:00.0" if after else None,
        }
    if name == "summary":
        return {
            "field": "summary",
            "fieldtype": "jira",
            "fieldId": "summary",
            "from": None,
            "fromString": before,
            "to": None,
            "toString": after,
        }
    if name == "points":
        return {
            "field": "Story point estimate",
            "fieldtype": "custom",
            "fieldId": POINTS,
            "from": None,
            "fromString": None if before is None else str(before),
            "to": None,
            "toString": None if after is None else str(after),
        }
    if name == "flagged":
        return {
            "field": "Flagged",
            "fieldtype": "custom",
            "fieldId": FLAGGED,
            "from": "[10019]" if before else None,
            "fromString": "Impediment" if before else None,
            "to": "[10019]" if after else None,
            "toString": "Impediment" if after else None,
        }
    return None
