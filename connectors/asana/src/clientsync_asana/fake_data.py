"""The data behind `FakeAsana`: projects, sections, tasks, stories and event logs.

Test code changes it through the public methods (`add_task`, `update_task`, ...), which
write what Asana writes alongside: `modified_at`, events for each project the task is in,
and system stories for due-date, section and completion changes.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["BASE", "WORKSPACE", "AsanaData", "field_tree", "select"]

BASE = "/api/1.0"

_EPOCH = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
WORKSPACE = {"gid": "1100000000000000", "resource_type": "workspace", "name": "Fake workspace"}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _expand(path: str) -> Iterator[str]:
    """`a.(b|c).d` -> `a.b.d`, `a.c.d` (Asana's group syntax)."""
    match = re.search(r"\(([^()]*)\)", path)
    if match is None:
        yield path
        return
    for choice in match.group(1).split("|"):
        yield from _expand(path[: match.start()] + choice + path[match.end() :])


def field_tree(opt_fields: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for raw in opt_fields.split(","):
        for path in _expand(raw.strip()):
            node = tree
            for part in filter(None, path.split(".")):
                node = node.setdefault(part, {})
    return tree


def select(
    value: Any, tree: Mapping[str, Any], expand: Callable[[dict[str, Any]], dict[str, Any]]
) -> Any:
    if isinstance(value, list):
        return [select(v, tree, expand) for v in value]
    if not isinstance(value, dict):
        return value
    if not tree:  # a resource asked for by name only: its compact form; a plain object whole
        if "gid" not in value:
            return value
        return {k: value[k] for k in ("gid", "resource_type", "name") if k in value}
    if any(name not in value for name in tree):
        value = expand(value)
    out = {"gid": value["gid"]} if "gid" in value else {}
    for name, sub in tree.items():
        if name in value:
            out[name] = select(value[name], sub, expand)
    return out


@dataclass
class _Links:
    dependents: dict[str, list[str]] = field(default_factory=dict)
    children: dict[str, int] = field(default_factory=dict)


class AsanaData:
    """In-memory Asana state; every change moves `now` on by one second."""

    def __init__(self) -> None:
        self.now = _EPOCH
        self.projects: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.stories: dict[str, list[dict[str, Any]]] = {}
        self.status_updates: list[dict[str, Any]] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self._gids = itertools.count(1_200_000_000_000_001)
        self._state = threading.RLock()
        self._links_cache: tuple[datetime, _Links] | None = None

    def _gid(self) -> str:
        return str(next(self._gids))

    def _tick(self) -> str:
        self.now += timedelta(seconds=1)
        return _stamp(self.now)

    def add_project(
        self, name: str, *, with_default_section: bool = True, gid: str | None = None
    ) -> str:
        """Create a project (`gid` to match a recorded payload's, else the next one)."""
        with self._state:
            gid = gid or self._gid()
            self.projects[gid] = {
                "gid": gid,
                "resource_type": "project",
                "name": name,
                "permalink_url": f"https://app.asana.com/1/1/project/{gid}",
                "modified_at": self._tick(),
                "workspace": dict(WORKSPACE),
            }
            self.events[gid] = []
            if with_default_section:
                self.add_section(gid, "Untitled section")
            return gid

    def add_section(self, project: str, name: str) -> str:
        with self._state:
            gid = self._gid()
            self.sections[gid] = {
                "gid": gid,
                "resource_type": "section",
                "name": name,
                "project": {"gid": project, "resource_type": "project"},
            }
            return gid

    def project_sections(self, project: str) -> list[str]:
        return [g for g, s in self.sections.items() if s["project"]["gid"] == project]

    def add_task(
        self,
        project: str | None,
        name: str,
        *,
        section: str | None = None,
        parent: str | None = None,
        gid: str | None = None,
        **fields: Any,
    ) -> str:
        """Create a task (in `project`'s `section`, default its first) and log the event."""
        with self._state:
            gid = gid or self._gid()
            stamp = self._tick()
            task: dict[str, Any] = {
                "gid": gid,
                "resource_type": "task",
                "resource_subtype": "default_task",
                "name": name,
                "completed": False,
                "completed_at": None,
                "due_on": None,
                "due_at": None,
                "start_on": None,
                "created_at": stamp,
                "modified_at": stamp,
                "assignee": None,
                "memberships": [],
                "tags": [],
                "custom_fields": [],
                "parent": None,
                "dependencies": [],
                "notes": "",
                "permalink_url": f"https://app.asana.com/1/1/task/{gid}",
            }
            if parent is not None:
                task["parent"] = {"gid": parent, "resource_type": "task"}
            task.update(self._normalise(fields))
            self.tasks[gid] = task
            self.stories[gid] = []
            if project is not None:
                chosen = section or self.project_sections(project)[0]
                task["memberships"] = [self._membership(project, chosen)]
                self._event(
                    project, "added", gid, parent={"gid": project, "resource_type": "project"}
                )
            return gid

    def _membership(self, project: str, section: str) -> dict[str, Any]:
        p, s = self.projects[project], self.sections[section]
        return {
            "project": {"gid": project, "resource_type": "project", "name": p["name"]},
            "section": {"gid": section, "resource_type": "section", "name": s["name"]},
        }

    def _normalise(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(fields)
        if isinstance(out.get("assignee"), str):
            out["assignee"] = {"gid": self._gid(), "resource_type": "user", "name": out["assignee"]}
        if "tags" in out:
            out["tags"] = [
                t
                if isinstance(t, dict)
                else {"gid": self._gid(), "resource_type": "tag", "name": t}
                for t in out["tags"]
            ]
        if "dependencies" in out:
            out["dependencies"] = [{"gid": g, "resource_type": "task"} for g in out["dependencies"]]
        return out

    def update_task(self, gid: str, **fields: Any) -> None:
        """Change fields, bump `modified_at`, log events and the stories Asana writes."""
        with self._state:
            task = self.tasks[gid]
            new = self._normalise(fields)
            stamp = self._tick()
            for name, value in new.items():
                old = task.get(name)
                if name in ("due_on", "due_at") and old != value:
                    self._story(
                        gid,
                        "due_date_changed",
                        stamp,
                        old_dates={name: old},
                        new_dates={name: value},
                    )
                if name == "completed" and old != value:
                    self._story(gid, "marked_complete" if value else "marked_incomplete", stamp)
                    task["completed_at"] = stamp if value else None
                task[name] = value
                for project in self._projects_of(task):
                    self._event(
                        project, "changed", gid, change={"field": name, "action": "changed"}
                    )
            task["modified_at"] = stamp

    def move_task(self, gid: str, section: str) -> None:
        with self._state:
            task = self.tasks[gid]
            project = self.sections[section]["project"]["gid"]
            stamp = self._tick()
            for membership in task["memberships"]:
                if membership["project"]["gid"] == project:
                    old = membership["section"]
                    self._story(
                        gid,
                        "section_changed",
                        stamp,
                        old_section=old,
                        new_section=self._membership(project, section)["section"],
                    )
                    membership.update(self._membership(project, section))
            task["modified_at"] = stamp
            self._event(project, "added", gid, parent={"gid": section, "resource_type": "section"})

    def add_to_project(self, gid: str, project: str) -> None:
        with self._state:
            task = self.tasks[gid]
            task["memberships"].append(self._membership(project, self.project_sections(project)[0]))
            task["modified_at"] = self._tick()
            self._event(project, "added", gid, parent={"gid": project, "resource_type": "project"})

    def delete_task(self, gid: str) -> None:
        with self._state:
            task = self.tasks.pop(gid)
            self._tick()
            for project in self._projects_of(task):
                self._event(project, "deleted", gid)

    def remove_from_project(self, gid: str, project: str) -> None:
        with self._state:
            task = self.tasks[gid]
            task["memberships"] = [m for m in task["memberships"] if m["project"]["gid"] != project]
            task["modified_at"] = self._tick()
            self._event(
                project, "removed", gid, parent={"gid": project, "resource_type": "project"}
            )

    def _projects_of(self, task: Mapping[str, Any]) -> list[str]:
        return [m["project"]["gid"] for m in task["memberships"]]

    def _event(self, project: str, action: str, gid: str, **rest: Any) -> None:
        task = self.tasks.get(gid, {})
        self.events[project].append(
            {
                "user": {"gid": "1", "resource_type": "user", "name": "Fake User"},
                "created_at": _stamp(self.now),
                "type": "task",
                "action": action,
                "resource": {"gid": gid, "resource_type": "task", "name": task.get("name", "")},
                "parent": rest.get("parent"),
                **({"change": rest["change"]} if "change" in rest else {}),
            }
        )

    def _story(self, gid: str, subtype: str, stamp: str, **values: Any) -> None:
        story = {
            "gid": self._gid(),
            "resource_type": "story",
            "resource_subtype": subtype,
            "type": "system",
            "created_at": stamp,
            "text": subtype.replace("_", " "),
            **values,
        }
        self.stories[gid].append(story)
        task = self.tasks[gid]
        for project in self._projects_of(task):
            self.events[project].append(
                {
                    "user": {"gid": "1", "resource_type": "user", "name": "Fake User"},
                    "created_at": stamp,
                    "type": "story",
                    "action": "added",
                    "resource": {"gid": story["gid"], "resource_type": "story", "name": ""},
                    "parent": {
                        "gid": gid,
                        "resource_type": "task",
                        "name": self.tasks[gid]["name"],
                    },
                }
            )

    # -- rendering ---------------------------------------------------------------------

    def render_task(self, gid: str, links: _Links | None = None) -> dict[str, Any]:
        """The full record `GET /tasks/{gid}` could return (opt-in fields included)."""
        links = links or self._links()
        task = dict(self.tasks[gid])
        task["dependencies"] = [self._task_ref(d["gid"]) for d in task["dependencies"]]
        task["dependents"] = [self._task_ref(other) for other in links.dependents.get(gid, ())]
        task["projects"] = [m["project"] for m in task["memberships"]]
        task["num_subtasks"] = links.children.get(gid, 0)
        return task

    def _links(self) -> _Links:
        # Every change moves `now`: the index is rebuilt only after one.
        cached = self._links_cache
        if cached is not None and cached[0] == self.now:
            return cached[1]
        links = _Links()
        for gid, task in self.tasks.items():
            for dependency in task["dependencies"]:
                links.dependents.setdefault(dependency["gid"], []).append(gid)
            parent = (task.get("parent") or {}).get("gid")
            if parent:
                links.children[parent] = links.children.get(parent, 0) + 1
        self._links_cache = (self.now, links)
        return links

    def _task_ref(self, gid: str) -> dict[str, Any]:
        return {"gid": gid, "resource_type": "task"}

    def _expand(self, value: dict[str, Any]) -> dict[str, Any]:
        """A task reference asked for with nested fields answers from the task itself."""
        if value.get("resource_type") == "task" and value.get("gid") in self.tasks:
            return {**self.tasks[value["gid"]], **value}
        return value
