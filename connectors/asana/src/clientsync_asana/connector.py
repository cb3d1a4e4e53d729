"""`AsanaConnector`: one Asana project as a clientsync source (reader and writer).

Full read: the project, a sync token, then every task with `TASK_FIELDS`, 100 a page;
sections are read concurrently (bounded, halving on 429) when the project has several,
since offset paging of one list cannot be parallelised. Incremental read: the Events API
with the stored sync token (412 means: read everything, with the new token), then one
`/tasks?project=&modified_since=` query for the tasks the events name; deletions come from
`deleted`/`removed` events. Where events are unavailable, `modified_since` alone.
Webhook deliveries and registration: `webhooks.Webhooks`, mixed in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr, ValidationError

from clientsync.domain.model import ItemChange, Milestone, Project, WorkItem
from clientsync.errors import ConfigError, FatalTrackerError
from clientsync.ports import ReadResult, RejectedItem
from clientsync.retry import RetryPolicy

from .client import DEFAULT_HOST, AsanaClient, SyncTokenExpiredError, Timeouts
from .history import STORY_FIELDS, changes_from_stories
from .mapping import (
    TASK_FIELDS,
    AsanaSettings,
    AsanaTask,
    TaskIndex,
    task_key,
    to_milestone,
    to_work_item,
)
from .options import parse_options
from .pagination import EventPaginator, OffsetPaginator
from .records import SOURCE, Cursor, Events, Parsed, layout, merge, parse
from .webhooks import ProjectInfo, Webhooks
from .writeback import Writer

__all__ = ["AsanaConnector"]

log = logging.getLogger("clientsync.asana")

OVERLAP = timedelta(minutes=1)
# Events and `modified_at` share Asana's clock; a few seconds cover their skew, and the
# result is filtered to the gids the events name anyway.
EVENT_OVERLAP = timedelta(seconds=5)


class AsanaConnector(Writer, Webhooks):
    """Reads (and, when configured, writes back to) one Asana project; takes its webhooks."""

    name = "asana"

    def __init__(
        self,
        *,
        project: str,
        token: SecretStr,
        host: str = DEFAULT_HOST,
        settings: AsanaSettings | None = None,
        include_subtasks: bool = False,
        incremental: Literal["events", "modified_since"] = "events",
        concurrency: int = 8,
        timeouts: Timeouts | None = None,
        story_history: bool = True,
        max_story_reads: int = 50,
        status_updates: bool = False,
        comment_task: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.project_gid = project
        self.settings = settings or AsanaSettings()
        self.include_subtasks = include_subtasks
        self.incremental = incremental
        self.concurrency = concurrency
        self.story_history = story_history
        self.max_story_reads = max_story_reads
        self.status_updates = status_updates
        self.comment_task = comment_task
        self.client = AsanaClient(
            token=token,
            host=host,
            timeouts=timeouts or Timeouts(),
            retry=retry,
            concurrency=concurrency,
        )
        self._keys: dict[str, str] = {}
        self._posted: dict[str, str] = {}
        self._project_info: ProjectInfo | None = None

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path
    ) -> AsanaConnector:
        parsed = parse_options(options)
        token = env.get(parsed.token_env)
        if not token:
            raise ConfigError(
                f"asana connector: environment variable {parsed.token_env} is not set; put an "
                "Asana personal access token in it (or name another variable with token_env)"
            )
        return cls(
            project=parsed.project,
            token=SecretStr(token),
            host=parsed.host,
            settings=parsed.settings(),
            include_subtasks=parsed.include_subtasks,
            incremental=parsed.incremental,
            concurrency=parsed.concurrency,
            timeouts=Timeouts(parsed.connect_timeout_seconds, parsed.timeout_seconds),
            story_history=parsed.story_history,
            max_story_reads=parsed.max_story_reads,
            status_updates=parsed.status_updates,
            comment_task=parsed.comment_task,
        )

    def __repr__(self) -> str:
        return f"AsanaConnector(project={self.project_gid!r}, host={self.client.host!r})"

    def close(self) -> None:
        self.client.close()

    # -- reads -------------------------------------------------------------------------

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        state = None if full or cursor is None else self._parse_cursor(cursor)
        if state is None:
            return self._full()
        if self.incremental == "events" and state.sync:
            try:
                events, token = self._events(state.sync)
            except SyncTokenExpiredError as expired:
                log.info("asana: sync token expired; reading project %s fully", self.project_gid)
                return self._full(token=expired.token)
            except FatalTrackerError as error:
                if error.status not in (400, 402, 403, 404):
                    raise
                log.warning("asana: events unavailable (%s); using modified_since", error)
            else:
                return self._from_events(state, events, token)
        return self._modified_since(state)

    def _parse_cursor(self, cursor: str) -> Cursor | None:
        try:
            return Cursor.model_validate_json(cursor)
        except ValidationError:
            log.warning("asana: unreadable cursor; reading project %s fully", self.project_gid)
            return None

    def _project(self, state: Cursor | None = None) -> Project:
        if state is not None and state.name:
            name, url = state.name, state.url
        else:
            data = self.client.get(
                "ProjectsApi",
                "get_project",
                self.project_gid,
                opts={"opt_fields": "name,permalink_url"},
                what=f"GET project {self.project_gid}",
            )
            name, url = str(data.get("name") or self.project_gid), data.get("permalink_url")
        return Project(
            id=self.project_gid,
            name=name,
            url=url,
            tracker=SOURCE,
            timezone=self.settings.timezone,
        )

    def _pages(
        self, api: str, method: str, *args: Any, opts: Mapping[str, Any], what: str
    ) -> list[dict[str, Any]]:
        """Every record of a list endpoint, one retried request per page of 100."""
        paginator = OffsetPaginator(what)
        records: list[dict[str, Any]] = []
        while not paginator.done:
            query = {**opts, "limit": 100}
            if paginator.offset:
                query["offset"] = paginator.offset
            page = self.client.page(api, method, *args, opts=query, what=what)
            records.extend(paginator.advance(page))
        return records

    def _new_token(self) -> str | None:
        try:
            self._events(None)
        except SyncTokenExpiredError as fresh:
            return fresh.token
        except FatalTrackerError as error:
            if error.status not in (400, 402, 403, 404):
                raise
            log.warning(
                "asana: events unavailable (%s); incremental reads use modified_since", error
            )
        return None

    def _events(self, token: str | None) -> tuple[list[dict[str, Any]], str]:
        """Events since `token` over `has_more` pages; raises SyncTokenExpiredError on 412."""
        paginator = EventPaginator(token or "")
        events: list[dict[str, Any]] = []
        while not paginator.done:
            opts = {"sync": paginator.token} if paginator.token else {}
            page = self.client.page(
                "EventsApi", "get_events", self.project_gid, opts=opts, what="GET events"
            )
            events.extend(paginator.advance(page))
        return events, paginator.token

    def _all_tasks(self, token: str | None) -> tuple[Parsed, set[str]]:
        """Every task, and the gids events show moving while sections were read.

        With several sections, each is paged (and parsed) in its own thread, at most
        `concurrency` at a time: parsing one page overlaps waiting for the others.
        """
        opts = {"opt_fields": TASK_FIELDS}
        sections: list[dict[str, Any]] = []
        if self.concurrency > 1:
            sections = self._pages(
                "SectionsApi",
                "get_sections_for_project",
                self.project_gid,
                opts={"opt_fields": "name"},
                what="GET sections",
            )
        if len(sections) <= 1:
            records = self._pages(
                "TasksApi", "get_tasks_for_project", self.project_gid, opts=opts, what="GET tasks"
            )
            return parse(records, self.settings), set()

        def section(gid: str) -> Parsed:
            records = self._pages(
                "TasksApi", "get_tasks_for_section", gid, opts=opts, what="GET section tasks"
            )
            return parse(records, self.settings)

        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="asana-sections") as pool:
            parsed = merge(pool.map(section, [s["gid"] for s in sections]))
        moved: set[str] = set()
        if token is not None:
            # A task moved between sections during the read can be missed: not a deletion.
            try:
                events, _ = self._events(token)
            except SyncTokenExpiredError:
                events = []
            moved = Events(events, self.project_gid).changed
        return parsed, moved

    def _subtasks(self, tasks: list[AsanaTask]) -> Parsed:
        def children(gid: str) -> Parsed:
            records = self._pages(
                "TasksApi",
                "get_subtasks_for_task",
                gid,
                opts={"opt_fields": TASK_FIELDS},
                what="GET subtasks",
            )
            return parse(records, self.settings)

        found: list[Parsed] = []
        frontier = [t.gid for t in tasks if t.num_subtasks > 0]
        for _depth in range(5):
            if not frontier:
                break
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="asana-subtasks") as pool:
                level = merge(pool.map(children, frontier))
            found.append(level)
            frontier = [t.gid for t in level[0] if t.num_subtasks > 0]
        return merge(found)

    def _full(self, token: str | None = None) -> ReadResult:
        project = self._project()
        if token is None and self.incremental == "events":
            token = self._new_token()
        (tasks, rejected), moved = self._all_tasks(token)
        if self.include_subtasks:
            tasks, rejected = merge([(tasks, rejected), self._subtasks(tasks)])
        index = TaskIndex.of(self.project_gid, self.settings, tasks)
        items, milestones, bad = self._map(tasks, index)
        self._keys = dict(index.keys)
        live = {item.id for item in items}
        cursor = Cursor(
            sync=token,
            since=max((t.modified_at for t in tasks), default=None),
            name=project.name,
            url=project.url,
            ms=layout(tasks, self.project_gid),
        )
        return ReadResult(
            project=project,
            items=tuple(items),
            milestones=tuple(milestones),
            cursor=cursor.model_dump_json(exclude_none=True),
            census=True,
            census_ids=frozenset(live | moved) if moved else None,
            milestone_census=True,
            rejected=tuple(rejected + bad),
        )

    def _changed_tasks(self, since: datetime) -> list[dict[str, Any]]:
        opts = {
            "project": self.project_gid,
            "modified_since": since.isoformat().replace("+00:00", "Z"),
            "opt_fields": TASK_FIELDS,
        }
        return self._pages("TasksApi", "get_tasks", opts=opts, what="GET tasks modified since")

    def _from_events(self, state: Cursor, events: list[dict[str, Any]], token: str) -> ReadResult:
        seen = Events(events, self.project_gid)
        if seen.deleted & state.ms.keys():
            return self._full(token=token)
        records: list[dict[str, Any]] = []
        if seen.changed and seen.earliest is not None:
            floor = seen.earliest - EVENT_OVERLAP
            records = [r for r in self._changed_tasks(floor) if r.get("gid") in seen.changed]
            if self.include_subtasks:
                records += self._fetch_missing(seen.changed - {r["gid"] for r in records}, seen)
        return self._incremental(state, records, token, deleted=seen.deleted, stories=seen.stories)

    def _fetch_missing(self, gids: set[str], seen: Events) -> list[dict[str, Any]]:
        """Subtasks are not in the project's task list: fetch them by gid (a few)."""
        found, missing = self._get_tasks(sorted(gids)[: self.max_story_reads])
        seen.deleted |= missing
        return found

    def _get_tasks(
        self, gids: Iterable[str], *, fields: str = TASK_FIELDS
    ) -> tuple[list[dict[str, Any]], set[str]]:
        """Each task by gid, once (`concurrency` at a time), and the gids that 404: deleted."""
        wanted = sorted(set(gids))

        def fetch(gid: str) -> dict[str, Any] | None:
            try:
                record = self.client.get(
                    "TasksApi", "get_task", gid, opts={"opt_fields": fields}, what=f"GET task {gid}"
                )
            except FatalTrackerError as error:
                if error.status != 404:
                    raise
                return None
            if not isinstance(record, dict):
                raise FatalTrackerError(f"Asana GET task {gid}: the response was not an object")
            return record

        if len(wanted) > 1 and self.concurrency > 1:
            workers = min(self.concurrency, len(wanted))
            with ThreadPoolExecutor(workers, thread_name_prefix="asana-tasks") as pool:
                found = list(pool.map(fetch, wanted))
        else:
            found = [fetch(gid) for gid in wanted]
        missing = {gid for gid, record in zip(wanted, found, strict=True) if record is None}
        return [record for record in found if record is not None], missing

    def _modified_since(self, state: Cursor) -> ReadResult:
        if state.since is None:
            return self._full()
        records = self._changed_tasks(state.since - OVERLAP)
        return self._incremental(state, records, None, deleted=set(), stories={})

    def _incremental(
        self,
        state: Cursor,
        records: list[dict[str, Any]],
        token: str | None,
        *,
        deleted: set[str],
        stories: Mapping[str, set[str]],
    ) -> ReadResult:
        tasks, rejected = parse(records, self.settings)
        anchors = layout(tasks, self.project_gid)
        milestone_gids = {t.gid for t in tasks if t.is_milestone}
        if (
            any(state.ms.get(g) != anchors[g] for g in anchors)
            or ({t.gid for t in tasks} & state.ms.keys()) - milestone_gids
        ):
            # Milestone membership moved: items that did not change would keep a stale one.
            return self._full(token=token)
        index = TaskIndex(
            self.project_gid,
            self.settings,
            keys={**self._keys, **{t.gid: task_key(t, self.settings) for t in tasks}},
            milestone_sections={g: anchor[0] for g, anchor in state.ms.items()},
            completed={t.gid: t.completed for t in tasks},
        )
        items, milestones, bad = self._map(tasks, index)
        self._keys.update({item.id: item.key for item in items})
        changes = self._history(items, stories, index)
        latest = max((t.modified_at for t in tasks), default=state.since)
        cursor = state.model_copy(update={"sync": token or state.sync, "since": latest})
        return ReadResult(
            project=self._project(state),
            items=tuple(items),
            milestones=tuple(milestones),
            deleted=tuple(sorted(deleted)),
            cursor=cursor.model_dump_json(exclude_none=True),
            census=False,
            changes=tuple(changes),
            rejected=tuple(rejected + bad),
        )

    def _history(
        self, items: list[WorkItem], stories: Mapping[str, set[str]], index: TaskIndex
    ) -> list[ItemChange]:
        if not self.story_history:
            return []
        keys = {item.id: item.key for item in items}
        wanted = [gid for gid in sorted(stories) if gid in keys][: self.max_story_reads]
        changes: list[ItemChange] = []
        for gid in wanted:
            records = self._pages(
                "StoriesApi",
                "get_stories_for_task",
                gid,
                opts={"opt_fields": STORY_FIELDS},
                what="GET stories",
            )
            fresh = [r for r in records if r.get("gid") in stories[gid]]
            changes.extend(changes_from_stories(keys[gid], fresh, zone=index.zone))
        return changes

    def _map(
        self, tasks: list[AsanaTask], index: TaskIndex
    ) -> tuple[list[WorkItem], list[Milestone], list[RejectedItem]]:
        items: list[WorkItem] = []
        milestones: list[Milestone] = []
        rejected: list[RejectedItem] = []
        for task in tasks:
            try:
                if task.is_milestone:
                    milestones.append(to_milestone(task, index))
                else:
                    items.append(to_work_item(task, index))
            except ValidationError as exc:
                for error in exc.errors():
                    field = ".".join(str(p) for p in error["loc"]) or "(task)"
                    rejected.append(
                        RejectedItem(SOURCE, index.key_of(task.gid), field, error["msg"])
                    )
            except ValueError as exc:
                rejected.append(
                    RejectedItem(SOURCE, index.key_of(task.gid), "custom_fields", str(exc))
                )
        return items, milestones, rejected
