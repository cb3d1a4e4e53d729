"""Webhooks for `AsanaConnector`: a delivery read back as a partial read, and registration.

Asana's webhook events carry no values (`{"field": "due_on", "action": "changed"}`), so a
delivery becomes the set of tasks it names, each read back once however many events name
it, with the fields a full read maps plus each dependent's subtype and projects (which
milestones a task belongs to, without the cursor an incremental read has). `deleted`
events, `removed` from this project, a read-back 404 and a task found outside the project
are deletions. Stories, attachments and subtasks added or removed re-read their parent
task. Events about another project are dropped before any request, and an empty list
(Asana's heartbeat) costs none.

Registration lists the project's webhooks and reuses one that already calls the URL;
otherwise it `POST /webhooks`, during which Asana performs the `X-Hook-Secret` handshake
with the target (the handler answers it and keeps the secret Asana chose). Asana's refusal
(a failed handshake, a `localhost` target, a token without `webhooks:write`) comes back as
instructions, not an exception; 429 and 5xx are retried, list included, so a POST that
landed before a lost answer is found rather than repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clientsync.domain.model import Project
from clientsync.errors import FatalTrackerError
from clientsync.ports import ReadResult, RejectedItem, WebhookRegistration

from .mapping import TASK_FIELDS, AsanaSettings, AsanaTask, TaskIndex
from .pagination import OffsetPaginator
from .records import SOURCE, parse

if TYPE_CHECKING:
    from clientsync.domain.model import Milestone, WorkItem

    from .client import AsanaClient

__all__ = ["WEBHOOK_TASK_FIELDS", "Delivery", "ProjectInfo", "Webhooks"]

log = logging.getLogger("clientsync.asana")

WEBHOOK_TASK_FIELDS = TASK_FIELDS + ",dependents.(resource_subtype|memberships.project.gid)"
"""A full read's fields, and what a lone task needs to tell its milestones (dependency
membership): which of its dependents are milestones of this project."""


@dataclass(frozen=True)
class ProjectInfo:
    project: Project
    workspace: str | None


def _ref(value: Any) -> tuple[str, str] | None:
    """`(resource_type, gid)` of an event's resource or parent, if it names one."""
    if not isinstance(value, Mapping) or not value.get("gid"):
        return None
    return str(value.get("resource_type") or ""), str(value["gid"])


class Delivery:
    """The task gids one delivery names: to read back, or deleted (a later event wins)."""

    def __init__(self, events: Iterable[Any], project: str) -> None:
        self.project = project
        self.reread: set[str] = set()
        self.deleted: set[str] = set()
        self.ignored = 0
        for event in events:
            if not (isinstance(event, Mapping) and self._sort(event)):
                self.ignored += 1

    def _sort(self, event: Mapping[str, Any]) -> bool:
        """Record what `event` says about tasks; False when it says nothing to us."""
        resource = _ref(event.get("resource"))
        parent_kind, parent_gid = _ref(event.get("parent")) or ("", "")
        if resource is None or (parent_kind == "project" and parent_gid != self.project):
            return False
        kind, gid = resource
        if kind == "task":
            action = event.get("action")
            if action == "deleted" or (action == "removed" and parent_kind == "project"):
                self._delete(gid)
            else:
                self._read(gid)
            if parent_kind == "task":  # a subtask added or removed: the parent changed too
                self._read(parent_gid)
            return True
        if parent_kind == "task":  # a story, attachment, ... on a task
            self._read(parent_gid)
            return True
        # A section or the project itself names no task; the next sync catches up.
        return False

    def _read(self, gid: str) -> None:
        self.deleted.discard(gid)
        self.reread.add(gid)

    def _delete(self, gid: str) -> None:
        self.reread.discard(gid)
        self.deleted.add(gid)


class Webhooks:
    """`WebhookReader` and `WebhookRegistrar` for `AsanaConnector` (mixed in)."""

    client: AsanaClient
    project_gid: str
    settings: AsanaSettings
    include_subtasks: bool
    _keys: dict[str, str]
    _project_info: ProjectInfo | None

    if TYPE_CHECKING:

        def _get_tasks(
            self, gids: Iterable[str], *, fields: str = TASK_FIELDS
        ) -> tuple[list[dict[str, Any]], set[str]]: ...
        def _pages(
            self, api: str, method: str, *args: Any, opts: Mapping[str, Any], what: str
        ) -> list[dict[str, Any]]: ...
        def _map(
            self, tasks: list[AsanaTask], index: TaskIndex
        ) -> tuple[list[WorkItem], list[Milestone], list[RejectedItem]]: ...

    # -- reading a delivery ----------------------------------------------------------------

    def read_webhook(self, payload: Mapping[str, Any]) -> ReadResult:
        """The tasks one verified delivery `{"events": [...]}` names, read back and mapped."""
        events = payload.get("events")
        if not isinstance(events, list):
            malformed = RejectedItem(SOURCE, "(delivery)", "events", "no events list")
            return ReadResult(project=self._known_project(), rejected=(malformed,))
        delivery = Delivery(events, self.project_gid)
        if not delivery.reread and not delivery.deleted:
            return ReadResult(project=self._known_project())
        project = self._fetch_project_info().project
        records, missing = self._get_tasks(delivery.reread, fields=WEBHOOK_TASK_FIELDS)
        tasks, rejected = parse(records, self.settings)
        ours, gone = self._belonging(tasks)
        index = self._webhook_index(ours)
        items, milestones, bad = self._map(ours, index)
        self._keys.update({item.id: item.key for item in items})
        log.info(
            "asana: webhook delivery of %d events: %d read back, %d deleted, %d ignored",
            len(events),
            len(delivery.reread),
            len(delivery.deleted | missing | gone),
            delivery.ignored,
        )
        return ReadResult(
            project=project,
            items=tuple(items),
            milestones=tuple(milestones),
            deleted=tuple(sorted(delivery.deleted | missing | gone)),
            rejected=tuple(rejected + bad),
        )

    def _belonging(self, tasks: list[AsanaTask]) -> tuple[list[AsanaTask], set[str]]:
        """The tasks this source reads, and the gids of those that left the project."""
        ours: list[AsanaTask] = []
        gone: set[str] = set()
        for task in tasks:
            if task.in_project(self.project_gid):
                ours.append(task)
            elif task.parent is None:
                gone.add(task.gid)
            elif self.include_subtasks:
                ours.append(task)
            # else: a subtask, which this source does not read
        return ours, gone

    def _webhook_index(self, tasks: list[AsanaTask]) -> TaskIndex:
        """Milestones the tasks belong to, found from the tasks (dependencies) or their
        sections (one listing per section), and the keys the last read learnt."""
        known: dict[str, str | None] = {}
        if self.settings.milestone_membership == "dependencies":
            for task in tasks:
                known.update(
                    (d.gid, None) for d in task.dependents if d.is_milestone_in(self.project_gid)
                )
        else:
            sections = {
                section.gid
                for task in tasks
                if not task.is_milestone and (section := task.section_in(self.project_gid))
            }
            for section_gid in sorted(sections):
                records = self._pages(
                    "TasksApi",
                    "get_tasks_for_section",
                    section_gid,
                    opts={"opt_fields": "resource_subtype"},
                    what="GET section tasks",
                )
                known.update(
                    (str(r["gid"]), section_gid)
                    for r in records
                    if r.get("resource_subtype") == "milestone"
                )
        index = TaskIndex.of(self.project_gid, self.settings, tasks, known_milestones=known)
        index.keys = {**self._keys, **index.keys}
        return index

    def _known_project(self) -> Project:
        """The project without a request: as last fetched, else named by its gid."""
        if self._project_info is not None:
            return self._project_info.project
        return Project(
            id=self.project_gid,
            name=self.project_gid,
            tracker=SOURCE,
            timezone=self.settings.timezone,
        )

    def _fetch_project_info(self) -> ProjectInfo:
        if self._project_info is None:
            data = self.client.get(
                "ProjectsApi",
                "get_project",
                self.project_gid,
                opts={"opt_fields": "name,permalink_url,workspace"},
                what=f"GET project {self.project_gid}",
            )
            workspace = (data.get("workspace") or {}).get("gid")
            project = Project(
                id=self.project_gid,
                name=str(data.get("name") or self.project_gid),
                url=data.get("permalink_url"),
                tracker=SOURCE,
                timezone=self.settings.timezone,
            )
            self._project_info = ProjectInfo(project, str(workspace) if workspace else None)
        return self._project_info

    # -- registration ----------------------------------------------------------------------

    def register_webhook(self, url: str, *, secret: str | None = None) -> WebhookRegistration:
        """Create (or find) the webhook that calls `url` for this project's changes.

        Asana chooses the signing secret and hands it to `url` in the handshake, so a
        `secret` given here is not sent; the handler keeps the one Asana chose.
        """
        try:
            info = self._fetch_project_info()
        except FatalTrackerError as error:
            return self._refused(url, error)
        if info.workspace is None:
            raise FatalTrackerError(f"Asana project {self.project_gid} names no workspace")
        workspace, name = info.workspace, info.project.name

        def attempt() -> WebhookRegistration:
            try:
                existing = self._existing_webhook(workspace, url)
                if existing is not None:
                    return WebhookRegistration(
                        created=False,
                        webhook_id=existing,
                        instructions=(
                            f"Asana webhook {existing} on project {name!r} already calls {url}; "
                            "reused it, nothing new was created."
                        ),
                    )
                created = self.client.write(
                    "WebhooksApi",
                    "create_webhook",
                    {"resource": self.project_gid, "target": url},
                    what="POST webhook",
                )
            except FatalTrackerError as error:
                return self._refused(url, error)
            webhook_id = str(created["gid"])
            return WebhookRegistration(
                created=True,
                webhook_id=webhook_id,
                instructions=(
                    f"Created Asana webhook {webhook_id} on project {name!r}: Asana completed "
                    f"the X-Hook-Secret handshake with {url}, and signs every delivery with "
                    "that secret. Asana deletes a webhook whose deliveries fail for 24 hours, "
                    "and deliveries can be lost: keep a periodic `clientsync sync` scheduled."
                ),
            )

        registration: WebhookRegistration = self.client.retry.call(attempt, idempotent=True)
        if secret is not None and registration.created:
            log.info("asana: the secret given was not sent; Asana chose its own in the handshake")
        return registration

    def _existing_webhook(self, workspace: str, url: str) -> str | None:
        """The gid of this project's webhook calling `url` (pages, one attempt each)."""
        paginator = OffsetPaginator("webhooks")
        while not paginator.done:
            opts: dict[str, Any] = {
                "resource": self.project_gid,
                "opt_fields": "resource,target,active",
                "limit": 100,
            }
            if paginator.offset:
                opts["offset"] = paginator.offset
            page = self.client.page_once(
                "WebhooksApi", "get_webhooks", workspace, opts=opts, what="GET webhooks"
            )
            for record in paginator.advance(page):
                resource = record.get("resource") or {}
                if record.get("target") == url and resource.get("gid") == self.project_gid:
                    return str(record["gid"])
        return None

    def _refused(self, url: str, error: FatalTrackerError) -> WebhookRegistration:
        """What to do when Asana refused: the error is already scrubbed of the token."""
        return WebhookRegistration(
            created=False,
            webhook_id=None,
            instructions=(
                f"Asana did not create the webhook: {error}.\n"
                f"- {url} must be reachable from the internet (Asana refuses localhost) and "
                "served by the clientsync webhook handler, running while you register: "
                "Asana POSTs an X-Hook-Secret header to it during registration and expects "
                "it echoed back (200 or 204).\n"
                "- The token's user must see the project; an OAuth token needs the "
                "webhooks:read and webhooks:write scopes.\n"
                "Asana has no page for creating webhooks: fix the above and run "
                "`clientsync webhook register` again, or create it by hand with\n"
                f"  curl -X POST {self.client.host}/webhooks "
                '-H "Authorization: Bearer $ASANA_ACCESS_TOKEN" '
                f"-d resource={self.project_gid} -d target={url}"
            ),
        )
