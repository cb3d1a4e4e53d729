"""`JiraConnector`: reads one Jira project (Cloud or Data Center) and posts client updates.

Cursor: opaque JSON `{"updated_ms": <max issue update, epoch ms>, "syncs": n}`. The next
read asks `updated >= <updated_ms - overlap>` as an epoch-millisecond literal, which JQL
reads without the user's time zone (a zone-less "yyyy-MM-dd HH:mm" is read in the API
user's zone and misses changes west of UTC). The overlap re-reads the last minutes
because search is eventually consistent; the engine de-duplicates. Every `census_every`
syncs the read also walks every id (one `fields=id` request per 5,000 issues), so
deletions show.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from clientsync.config.secrets import resolve_env
from clientsync.domain.model import ItemChange, Milestone, Project, WorkItem
from clientsync.errors import ConfigError
from clientsync.ports import ReadResult, RejectedItem, WebhookRegistration
from clientsync.retry import RetryPolicy

from .client import Credentials, JiraApi
from .history import fix_version_ids, map_changes
from .mapping import (
    MappingError,
    MappingRules,
    issue_milestones,
    map_issue,
    map_version,
    resolve_custom_fields,
)
from .options import JiraOptions
from .reads import BASE_FIELDS, IssueReader
from .webhooks import (
    offline_custom_fields,
    read_delivery,
    register_admin_webhook,
    unpinned_custom_fields,
)
from .wire import EmbeddedChangelog, History
from .writeback import CommentWriter, PropertyWriter

__all__ = ["JiraConnector"]

log = logging.getLogger("clientsync.jira")


@dataclass(frozen=True)
class _Cursor:
    updated_ms: int | None
    syncs: int

    @classmethod
    def parse(cls, text: str | None) -> _Cursor | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            updated = data.get("updated_ms")
            return cls(int(updated) if updated is not None else None, int(data.get("syncs", 0)))
        except (ValueError, TypeError, AttributeError):
            log.warning("jira: unreadable cursor; reading everything")
            return None

    def dump(self) -> str:
        return json.dumps({"updated_ms": self.updated_ms, "syncs": self.syncs})


class JiraConnector:
    """Reads `options.project` into the domain model; `post_update` comments on an issue;
    `read_webhook` maps a delivery, `register_webhook` creates the admin webhook."""

    name = "jira"

    def __init__(
        self,
        options: JiraOptions,
        credentials: Credentials,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.options = options
        self._credentials = credentials
        self.api = JiraApi(
            options.url,
            credentials,
            deployment=None if options.deployment == "auto" else options.deployment,
            retry=retry or RetryPolicy(),
            timeout=(options.connect_timeout_seconds, options.timeout_seconds),
            concurrency=options.concurrency,
        )
        self._rules: MappingRules | None = None

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path
    ) -> JiraConnector:
        parsed = JiraOptions.parse(options)
        token = resolve_env(parsed.token_env, env, needed_by="the jira connector (token_env)")
        email: str | None = None
        if parsed.auth == "basic":
            email = resolve_env(
                parsed.email_env, env, needed_by="the jira connector (email_env)"
            ).get_secret_value()
        return cls(parsed, Credentials(token=token, email=email))

    @classmethod
    def connect(
        cls,
        url: str,
        project: str,
        *,
        token: str,
        email: str | None = None,
        retry: RetryPolicy | None = None,
        **options: Any,
    ) -> JiraConnector:
        """Library use: `JiraConnector.connect(url, "CS", token=..., email=...)`."""
        auth = "basic" if email else "bearer"
        parsed = JiraOptions.parse({"url": url, "project": project, "auth": auth, **options})
        return cls(parsed, Credentials(token=SecretStr(token), email=email), retry=retry)

    def __repr__(self) -> str:
        return f"JiraConnector(url={self.options.url!r}, project={self.options.project!r})"

    # -- reading ----------------------------------------------------------------------------

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        previous = None if full else _Cursor.parse(cursor)
        rules = self._mapping_rules()
        reader = self._reader()
        opts = self.options
        scope = self._scope_jql()
        last_ms = previous.updated_ms if previous is not None else None
        incremental = last_ms is not None
        census_ids: frozenset[str] | None = None
        since = 0
        syncs = 0
        if last_ms is not None:
            since = last_ms - int(opts.overlap_minutes * 60_000)
            jql = f"{scope} AND updated >= {since} ORDER BY updated ASC, key ASC"
            raw: Iterable[dict[str, Any]] = reader.search(
                jql, self._fields(rules), page_size=opts.page_size
            )
            syncs = (previous.syncs if previous is not None else 0) + 1
            if opts.census_every and syncs % opts.census_every == 0:
                census_ids = frozenset(reader.ids(f"{scope} ORDER BY created ASC, key ASC"))
        else:
            raw = self._full(reader, scope, rules)
        since_time = datetime.fromtimestamp(since / 1000, tz=UTC) if incremental else None
        items, changes, rejected = self._map(raw, reader, rules, since_time)
        milestones, milestone_census = self._milestones(reader, items, rules, incremental)
        latest = max((_epoch_ms(i) for i in items), default=None)
        if last_ms is not None:
            latest = max(latest or last_ms, last_ms)
        return ReadResult(
            project=Project(id=opts.project, name=opts.project, url=opts.url, tracker="jira"),
            items=tuple(items),
            milestones=tuple(milestones),
            cursor=_Cursor(latest, syncs).dump(),
            census=not incremental,
            census_ids=census_ids,
            milestone_census=milestone_census,
            changes=tuple(changes),
            rejected=tuple(rejected),
        )

    def _full(
        self, reader: IssueReader, scope: str, rules: MappingRules
    ) -> Iterator[dict[str, Any]]:
        order = f"{scope} ORDER BY created ASC, key ASC"
        if reader.cloud and self.options.full_read == "bulkfetch":
            return reader.bulkfetch(reader.ids(order), self._fields(rules))
        return reader.search(order, self._fields(rules), page_size=self.options.page_size)

    def _map(
        self,
        raw: Iterable[dict[str, Any]],
        reader: IssueReader,
        rules: MappingRules,
        since: datetime | None,
    ) -> tuple[list[WorkItem], list[ItemChange], list[RejectedItem]]:
        """Map issues as they arrive; complete the truncated changelogs at the end."""
        items: dict[str, WorkItem] = {}
        changes: list[ItemChange] = []
        rejected: list[RejectedItem] = []
        cut_short: dict[str, tuple[str, list[str]]] = {}
        for issue in raw:
            try:
                item = map_issue(issue, rules)
            except MappingError as error:
                key = str(issue.get("key") or issue.get("id") or "?")
                rejected.append(RejectedItem("jira", key, error.field, error.reason))
                continue
            items[item.id] = item  # pages may overlap: the last copy wins
            if not reader.history:
                continue
            versions = fix_version_ids(issue)
            if reader.truncated(issue, since):
                cut_short[item.id] = (item.key, versions)
                continue
            embedded = EmbeddedChangelog.model_validate(issue.get("changelog") or {})
            changes.extend(map_changes(item.key, _unique(embedded.histories), versions, rules))
        fetched = reader.changelogs(
            [(ident, key) for ident, (key, _) in cut_short.items()], self._history_fields(rules)
        )
        for ident, (key, versions) in cut_short.items():
            changes.extend(map_changes(key, _unique(fetched.get(ident, [])), versions, rules))
        return list(items.values()), changes, rejected

    def _milestones(
        self, reader: IssueReader, items: list[WorkItem], rules: MappingRules, incremental: bool
    ) -> tuple[list[Milestone], bool]:
        if rules.milestones == "versions":
            # Re-read every time: editing a version does not bump its issues' `updated`.
            return self._version_milestones(reader), True
        return issue_milestones(items, rules), not incremental

    def _version_milestones(self, reader: IssueReader | None = None) -> list[Milestone]:
        found = (reader or self._reader()).versions(self.options.project)
        return [map_version(v) for v in found]

    # -- metadata ---------------------------------------------------------------------------

    def _reader(self) -> IssueReader:
        opts = self.options
        return IssueReader(
            self.api,
            cloud=self.api.deployment() == "cloud",
            page_size=opts.page_size,
            id_page_size=opts.id_page_size,
            concurrency=opts.concurrency,
            history=opts.history,
        )

    def _mapping_rules(self) -> MappingRules:
        if self._rules is None:
            opts = self.options
            self.api.deployment()
            try:
                custom = resolve_custom_fields(self.api.fields(), opts.custom_field_options())
            except LookupError as error:
                raise ConfigError(f"jira connector: {error}") from None
            self._rules = opts.mapping_rules(custom)
        return self._rules

    def _offline_rules(self) -> MappingRules:
        """Rules without a request where possible: those already resolved, else from pinned
        field ids; with fields named, not pinned, looked up once (two requests) and kept,
        so later deliveries to the same connector map with none."""
        if self._rules is not None:
            return self._rules
        if not unpinned_custom_fields(self.options):
            return self.options.mapping_rules(offline_custom_fields(self.options))
        return self._mapping_rules()

    def _scope_jql(self) -> str:
        scope = f'project = "{self.options.project}"'
        return f"{scope} AND ({self.options.jql})" if self.options.jql else scope

    def _fields(self, rules: MappingRules) -> list[str]:
        return [*BASE_FIELDS, *rules.custom.ids()]

    def _history_fields(self, rules: MappingRules) -> list[str]:
        custom = [f for f in (rules.custom.flagged, rules.custom.story_points) if f]
        return ["status", "duedate", "fixVersions", "timeoriginalestimate", *custom]

    # -- webhooks ---------------------------------------------------------------------------

    def read_webhook(self, payload: Mapping[str, Any]) -> ReadResult:
        """One verified delivery as a partial read; issue events make no request at all."""
        return read_delivery(
            payload,
            options=self.options,
            rules=self._offline_rules,
            versions=self._version_milestones,
        )

    def register_webhook(self, url: str, *, secret: str | None = None) -> WebhookRegistration:
        """Create (or reuse) the admin webhook for this project; instructions where refused."""
        return register_admin_webhook(
            self.api,
            url,
            secret=secret,
            options=self.options,
            scope_jql=self._scope_jql(),
            site_fields=lambda: self._mapping_rules().custom,
        )

    # -- writing ----------------------------------------------------------------------------

    def post_update(self, target: str, body: str, *, idempotency_key: str) -> str:
        """Post `body` to issue `target` (or `updates_issue`) once per idempotency key: as a
        comment, or as the issue entity property `updates_property` (`updates_as`)."""
        issue = target or self.options.updates_issue
        if not issue:
            raise ConfigError("jira connector: name the issue to post to (updates_issue)")
        if self.options.updates_as == "property":
            writer: CommentWriter | PropertyWriter = PropertyWriter(
                self.api, name=self.options.updates_property
            )
        else:
            writer = CommentWriter(self.api, cloud=self.api.deployment() == "cloud")
        return writer.post(issue, body, idempotency_key=idempotency_key)


def _epoch_ms(item: WorkItem) -> int:
    return int(item.updated.timestamp() * 1000)


def _unique(histories: Iterable[History]) -> list[History]:
    return list({h.id: h for h in histories}.values())
