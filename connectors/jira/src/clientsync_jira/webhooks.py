"""The Jira connector's side of webhooks: a delivery in, the admin webhook out.

A delivery (already verified and parsed by `clientsync.automation`) is mapped with the
connector's own issue mapping, with no request once the custom field ids are known
(pinned by id in the options, or looked up once by the connector, which the handler keeps
for later deliveries); with pinned ids the `jira` SDK client is never built for an issue
event.

- `jira:issue_created|updated` -> the issue as an item (plus its epic milestone when
  milestones are epics); `changes` from `changelog.items` on an update, dated by the
  issue's `updated` time, which is when Jira dates the same history, so the next periodic
  sync records nothing twice. A created event's changelog only lists initial values.
- `jira:issue_deleted` -> `deleted`; an issue moved to another project also leaves.
- `jira:version_*` -> the project's versions, re-read (a version payload names its project
  only by numeric id, and only a full list can show a deleted version).
- A payload without `webhookEvent` (a Jira Automation "Send web request" with the
  Jira-format body: the issue, wrapped in `issue` or not) is read as an update.
- Issues of other projects are ignored. The extra `jql` is not re-evaluated per delivery
  (that needs Jira): the registered webhook filters with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from clientsync.domain.model import ItemChange, Milestone, Project
from clientsync.errors import ConfigError, FatalTrackerError, TrackerError
from clientsync.ports import ReadResult, RejectedItem, WebhookRegistration

from .client import JiraApi
from .history import fix_version_ids, map_changes
from .mapping import (
    NO_FIELD,
    CustomFieldIds,
    MappingError,
    MappingRules,
    issue_milestones,
    map_issue,
)
from .options import JiraOptions
from .wire import ChangeItem, History

__all__ = [
    "AUTOMATION_SECRET_HEADER",
    "ISSUE_EVENTS",
    "VERSION_EVENTS",
    "offline_custom_fields",
    "read_delivery",
    "register_admin_webhook",
    "unpinned_custom_fields",
]

log = logging.getLogger("clientsync.jira")

CREATED, UPDATED, DELETED = "jira:issue_created", "jira:issue_updated", "jira:issue_deleted"
ISSUE_EVENTS = (CREATED, UPDATED, DELETED)
VERSION_EVENTS = (
    "jira:version_created",
    "jira:version_updated",
    "jira:version_released",
    "jira:version_unreleased",
    "jira:version_moved",
    "jira:version_merged",
    "jira:version_deleted",
)
AUTOMATION_SECRET_HEADER = "X-Clientsync-Secret"
_FIELD_ID = re.compile(r"customfield_\d+", re.IGNORECASE)
_FIELD_OPTIONS = {
    "story_points": "story_points_field",
    "sprint": "sprint_field",
    "flagged": "flagged_field",
    "start_date": "start_date_field",
}


# -- deliveries --------------------------------------------------------------------------


def unpinned_custom_fields(options: JiraOptions) -> list[str]:
    """The custom-field options given by name (or left to discovery), not by id or "none"."""
    return [
        _FIELD_OPTIONS[name]
        for name, value in options.custom_field_options().items()
        if not (value and (value.casefold() == NO_FIELD or _FIELD_ID.fullmatch(value)))
    ]


def offline_custom_fields(options: JiraOptions) -> CustomFieldIds:
    """The custom field ids the options pin; a `ConfigError` naming those left to discover."""
    pinned: dict[str, str | None] = {}
    for name, value in options.custom_field_options().items():
        if value and value.casefold() == NO_FIELD:
            pinned[name] = None
        elif value and _FIELD_ID.fullmatch(value):
            pinned[name] = value
    unpinned = unpinned_custom_fields(options)
    if unpinned:
        raise ConfigError(
            "jira connector: webhook deliveries are mapped without calling Jira, so custom "
            "fields cannot be looked up by name: set "
            + ", ".join(unpinned)
            + ' to the field id ("customfield_NNNNN") or "none" in the source\'s options; '
            "`clientsync webhook register` prints this site's ids"
        )
    return CustomFieldIds(**pinned)


def read_delivery(
    payload: Mapping[str, Any],
    *,
    options: JiraOptions,
    rules: Callable[[], MappingRules],
    versions: Callable[[], Sequence[Milestone]],
) -> ReadResult:
    """One delivery as a partial `ReadResult` (never a census, cursor None)."""
    project = Project(id=options.project, name=options.project, url=options.url, tracker="jira")
    nothing = ReadResult(project=project)
    event = str(payload.get("webhookEvent") or "")
    if event in VERSION_EVENTS:
        if options.milestones != "versions":
            return nothing
        return ReadResult(project=project, milestones=tuple(versions()), milestone_census=True)
    issue = payload.get("issue")
    if not event and issue is None and "fields" in payload:
        issue = payload  # Automation's body can be the bare issue
    if not isinstance(issue, Mapping) or event not in (*ISSUE_EVENTS, ""):
        return nothing  # comments, sprints, worklogs: the issue events cover what we track
    if not _in_project(issue, options.project):
        ident = issue.get("id")
        if ident and _moved_out(payload, options.project):
            return ReadResult(project=project, deleted=(str(ident),))
        return nothing
    key = str(issue.get("key") or issue.get("id") or "?")
    if event == DELETED:
        ident = issue.get("id")
        if not isinstance(ident, str | int) or isinstance(ident, bool) or ident == "":
            return ReadResult(project=project, rejected=(_rejected(key, "id", "missing"),))
        return ReadResult(project=project, deleted=(str(ident),))
    mapping = rules()
    try:
        item = map_issue(issue, mapping)
    except MappingError as error:
        return ReadResult(project=project, rejected=(_rejected(key, error.field, error.reason),))
    changes: list[ItemChange] = []
    if event != CREATED and options.history:
        changes = _changes(payload, item.key, fix_version_ids(issue), item.updated, mapping)
    return ReadResult(
        project=project,
        items=(item,),
        milestones=tuple(issue_milestones([item], mapping)),
        changes=tuple(changes),
    )


def _rejected(key: str, field: str, reason: str) -> RejectedItem:
    return RejectedItem("jira", key, field, reason)


def _project_of(issue: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(key, id) of the issue's project: its `project` field, else its key's prefix."""
    fields = issue.get("fields")
    project = fields.get("project") if isinstance(fields, Mapping) else None
    if isinstance(project, Mapping) and (project.get("key") or project.get("id")):
        ident = project.get("id")
        return str(project.get("key") or "") or None, str(ident) if ident is not None else None
    key = issue.get("key")
    if isinstance(key, str) and "-" in key:
        return key.rsplit("-", 1)[0], None
    return None, None


def _in_project(issue: Mapping[str, Any], wanted: str) -> bool:
    key, ident = _project_of(issue)
    if key is None and ident is None:
        return True  # nothing says otherwise: mapping will name what is missing
    return (key or "").casefold() == wanted.casefold() or ident == wanted


def _moved_out(payload: Mapping[str, Any], project: str) -> bool:
    """An issue moved to another project: its changelog's `Key` item left ours."""
    prefix = f"{project.casefold()}-"
    for item in _changelog_items(payload):
        if item.key.casefold() in ("key", "issuekey"):
            before = (item.from_string or item.from_value or "").casefold()
            if before.startswith(prefix):
                return True
    return False


def _changelog_items(payload: Mapping[str, Any]) -> tuple[ChangeItem, ...]:
    changelog = payload.get("changelog")
    raw = changelog.get("items") if isinstance(changelog, Mapping) else None
    if not isinstance(raw, list):
        return ()
    items: list[ChangeItem] = []
    for entry in raw:
        try:
            items.append(ChangeItem.model_validate(entry))
        except ValidationError:
            log.warning("jira webhook: skipped an unreadable changelog item")
    return tuple(items)


def _changes(
    payload: Mapping[str, Any],
    key: str,
    versions: list[str],
    updated: datetime,
    rules: MappingRules,
) -> list[ItemChange]:
    """The delivery's changelog through the connector's history mapping.

    A webhook changelog has no `created`: the issue's `updated` is the same instant Jira
    gives the history on a read, so a later sync's copy of the change is a repeat.
    """
    items = _changelog_items(payload)
    if not items:
        return []
    changelog = payload.get("changelog")
    ident = changelog.get("id") if isinstance(changelog, Mapping) else None
    history = History(id=str(ident or "webhook"), created=updated, items=items)
    return map_changes(key, [history], versions, rules)


# -- registration ------------------------------------------------------------------------


def register_admin_webhook(
    api: JiraApi,
    url: str,
    *,
    secret: str | None,
    options: JiraOptions,
    scope_jql: str,
    site_fields: Callable[[], CustomFieldIds],
) -> WebhookRegistration:
    """Find or create the admin webhook calling `url` for this project's issue changes.

    Listed first, so a second registration reuses the first; a failed create is retried
    from the listing (a 429 or a timeout may hide a webhook that was made). Jira refusing
    (401/403: admin webhooks need a Jira administrator) gives instructions instead.
    """
    events = [*ISSUE_EVENTS, *(VERSION_EVENTS if options.milestones == "versions" else ())]
    body: dict[str, Any] = {
        "name": f"clientsync {options.name or options.project}",
        "url": url,
        "events": events,
        "filters": {"issue-related-events-section": scope_jql},
        "excludeBody": False,
    }
    if secret:
        body["secret"] = secret

    posted = False

    def find_or_create() -> tuple[bool, dict[str, Any]]:
        nonlocal posted
        for hook in api.webhooks():
            if str(hook.get("url") or "").rstrip("/") == url.rstrip("/"):
                return posted, hook  # ours if an earlier attempt's answer was lost
        posted = True
        return True, api.create_webhook(body)

    find_or_create.__qualname__ = "Jira register webhook"
    try:
        created, hook = api.retry.call(find_or_create, idempotent=True)
    except FatalTrackerError as error:
        if error.status not in (401, 403):
            raise
        refused = _manual_steps(url, error.status, body, secret is not None)
        return WebhookRegistration(False, None, refused + _pin_note(options, site_fields))
    ident = _webhook_id(hook)
    if created:
        text = f"Created the Jira webhook {body['name']!r} (id {ident}) calling {url}."
    else:
        text = f"A Jira webhook calling {url} already exists (id {ident}): reused it."
        text += _differences(hook, body)
    return WebhookRegistration(created, ident, text + _pin_note(options, site_fields))


def _webhook_id(hook: Mapping[str, Any]) -> str | None:
    """`id` where Jira sends it, else the last segment of `self` (Data Center)."""
    if hook.get("id") is not None:
        return str(hook["id"])
    link = str(hook.get("self") or "").rstrip("/")
    return link.rsplit("/", 1)[-1] if link else None


def _differences(hook: Mapping[str, Any], body: Mapping[str, Any]) -> str:
    """What the existing webhook misses, so a reuse never silently narrows the events."""
    notes = []
    missing = [e for e in body["events"] if e not in (hook.get("events") or ())]
    if missing:
        notes.append("it does not send " + ", ".join(missing))
    filters = hook.get("filters")
    jql = filters.get("issue-related-events-section") if isinstance(filters, Mapping) else filters
    wanted = body["filters"]["issue-related-events-section"]
    if isinstance(jql, str) and jql.strip() != wanted:
        notes.append(f"its JQL is {jql!r}, not {wanted!r}")
    if not notes:
        return ""
    return (
        " But " + "; ".join(notes) + ": edit it in Jira at Settings > System > WebHooks, "
        "or register a different URL for this source."
    )


def _manual_steps(url: str, status: int | None, body: Mapping[str, Any], signed: bool) -> str:
    events = ", ".join(body["events"])
    jql = body["filters"]["issue-related-events-section"]
    secret_line = (
        "\n   Secret: the shared secret you configured for clientsync (Jira then signs each "
        "delivery with X-Hub-Signature)"
        if signed
        else ""
    )
    return (
        f"Jira refused to create the webhook (HTTP {status}): admin webhooks need a Jira "
        "administrator. Create it by hand in one of two ways:\n"
        "1. A Jira administrator: Settings > System > WebHooks > Create a WebHook, with\n"
        f"   Name: {body['name']}\n"
        f"   URL: {url}{secret_line}\n"
        f"   Events: {events}\n"
        f"   JQL: {jql}\n"
        "   Exclude body: unticked\n"
        "2. A project administrator: Project settings > Automation > Create rule; trigger "
        '"Work item created" and "Work item updated" (formerly "Issue ..."; or "Multiple '
        'work item events"); action "Send web request" with\n'
        f"   Web request URL: {url}\n"
        "   HTTP method: POST\n"
        '   Web request body: "Issue data (Jira format)"\n'
        f"   Header: {AUTOMATION_SECRET_HEADER} = your shared secret (tick Hidden)\n"
        f"   Scope the rule to: {jql}\n"
        "   Automation requests are not signed: the shared-secret header is what clientsync "
        'checks. For deletions add a rule on "Work item deleted" with a custom body '
        '{"webhookEvent": "jira:issue_deleted", "issue": {"id": "{{issue.id}}", '
        '"key": "{{issue.key}}"}}.'
    )


def _pin_note(options: JiraOptions, site_fields: Callable[[], CustomFieldIds]) -> str:
    """The `*_field` lines to add so deliveries map without a request, when not pinned yet."""
    try:
        offline_custom_fields(options)
    except ConfigError:
        pass
    else:
        return ""
    try:
        found = site_fields()
    except (TrackerError, ConfigError) as error:
        log.warning("jira webhook: could not read the site's fields (%s)", error)
        return (
            "\nWebhook deliveries need the custom fields pinned by id: set "
            + ", ".join(_FIELD_OPTIONS.values())
            + ' to "customfield_NNNNN" or "none".'
        )
    lines = [
        f'{option} = "{getattr(found, name) or NO_FIELD}"'
        for name, option in _FIELD_OPTIONS.items()
    ]
    return (
        "\nWebhook deliveries are mapped without calling Jira: add these lines to this "
        "source's table in clientsync.toml:\n" + "\n".join(lines)
    )
