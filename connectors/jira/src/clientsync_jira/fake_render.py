"""How `FakeJira` renders its data in Jira's shapes (REST v3 on Cloud, v2 on Data Center)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .fake_data import (
    FLAGGED,
    ISSUE_TYPES,
    POINTS,
    SPRINT,
    START,
    STATUSES,
    FakeIssue,
    FakeJiraData,
    FakeVersion,
)

__all__ = ["render_changelog_page", "render_fields", "render_issue", "render_version"]


def _field(
    fid: str, name: str, custom_type: str | None = None, kind: str = "string"
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if custom_type:
        schema["custom"] = custom_type
        schema["customId"] = int(fid.rsplit("_", 1)[1])
    else:
        schema["system"] = fid
    clause = [f"cf[{fid.rsplit('_', 1)[1]}]", name] if custom_type else [fid]
    return {
        "id": fid,
        "key": fid,
        "name": name,
        "custom": custom_type is not None,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": clause,
        "schema": schema,
    }


def render_fields() -> list[dict[str, Any]]:
    system = [
        ("summary", "Summary"),
        ("status", "Status"),
        ("issuetype", "Issue Type"),
        ("labels", "Labels"),
        ("duedate", "Due date"),
        ("created", "Created"),
        ("updated", "Updated"),
        ("fixVersions", "Fix versions"),
        ("priority", "Priority"),
        ("resolution", "Resolution"),
    ]
    return [
        *(_field(fid, name) for fid, name in system),
        _field(
            POINTS, "Story point estimate", "com.pyxis.greenhopper.jira:jsw-story-points", "number"
        ),
        _field(SPRINT, "Sprint", "com.pyxis.greenhopper.jira:gh-sprint", "array"),
        _field(
            FLAGGED,
            "Flagged",
            "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
            "array",
        ),
        _field(
            START,
            "Start date",
            "com.atlassian.jira.plugin.system.customfieldtypes:datepicker",
            "date",
        ),
    ]


def _status(name: str, base: str, v: str) -> dict[str, Any]:
    sid, cid, ckey, cname = STATUSES.get(name, ("1", 1, "undefined", "No Category"))
    return {
        "self": f"{base}/rest/api/{v}/status/{sid}",
        "id": sid,
        "name": name,
        "description": "",
        "iconUrl": f"{base}/",
        "statusCategory": {
            "self": f"{base}/rest/api/{v}/statuscategory/{cid}",
            "id": cid,
            "key": ckey,
            "colorName": "blue-gray",
            "name": cname,
        },
    }


def _producers(
    data: FakeJiraData, issue: FakeIssue, base: str, v: str
) -> dict[str, Callable[[], Any]]:
    """Field id -> how to render it: only the fields a request selects are built."""
    type_id, level = ISSUE_TYPES.get(issue.issuetype, ("10002", 0))

    def fix_versions() -> list[dict[str, Any]]:
        versions = {ver.id: ver for ver in data.versions}
        return [
            {
                "self": f"{base}/rest/api/{v}/version/{vid}",
                "id": vid,
                "name": versions[vid].name if vid in versions else vid,
                "archived": False,
                "released": bool(vid in versions and versions[vid].released),
            }
            for vid in issue.fix_versions
        ]

    def links() -> list[dict[str, Any]]:
        blockers = [b for b in (data.find(k) for k in issue.blocked_by) if b is not None]
        kind = {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}
        return [
            {
                "id": f"9{b.id}",
                "type": kind,
                "inwardIssue": {
                    "id": str(b.id),
                    "key": b.key,
                    "fields": {"status": _status(b.status, base, v)},
                },
            }
            for b in blockers
        ]

    def parent() -> dict[str, Any] | None:
        found = data.find(issue.parent) if issue.parent else None
        return {"id": str(found.id), "key": found.key} if found else None

    def description() -> Any:
        if v != "3":
            return issue.summary
        text = {"type": "text", "text": issue.summary}
        return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [text]}]}

    flag = [
        {
            "self": f"{base}/rest/api/{v}/customFieldOption/10019",
            "value": "Impediment",
            "id": "10019",
        }
    ]
    resolved = data.render_time(issue.updated_ms) if issue.resolution else None
    return {
        "summary": lambda: issue.summary,
        "status": lambda: _status(issue.status, base, v),
        "issuetype": lambda: {
            "self": f"{base}/rest/api/{v}/issuetype/{type_id}",
            "id": type_id,
            "name": issue.issuetype,
            "subtask": level == -1,
            "hierarchyLevel": level,
        },
        "project": lambda: {"id": "10004", "key": issue.project, "name": issue.project},
        "labels": lambda: list(issue.labels),
        "duedate": lambda: issue.duedate,
        "created": lambda: data.render_time(issue.created_ms),
        "updated": lambda: data.render_time(issue.updated_ms),
        "resolution": lambda: (
            {"id": "10000", "name": issue.resolution} if issue.resolution else None
        ),
        "resolutiondate": lambda: resolved,
        "statuscategorychangedate": lambda: data.render_time(issue.updated_ms),
        "priority": lambda: {"id": "3", "name": "Medium"},
        "assignee": lambda: None,
        "reporter": lambda: {
            "accountId": "5b10ac8d82e05b22cc7d4ef5",
            "displayName": "Client Contact",
            "active": True,
        },
        "fixVersions": fix_versions,
        "parent": parent,
        "issuelinks": links,
        "timeoriginalestimate": lambda: issue.original_estimate,
        "timespent": lambda: None,
        "description": description,
        POINTS: lambda: issue.points,
        SPRINT: lambda: None,
        FLAGGED: lambda: flag if issue.flagged else None,
        START: lambda: None,
    }


def render_issue(
    data: FakeJiraData,
    issue: FakeIssue,
    *,
    base_url: str,
    version: str,
    fields: list[str],
    changelog: bool,
    changelog_cap: int,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog",
        "id": str(issue.id),
        "self": f"{base_url}/rest/api/{version}/issue/{issue.id}",
        "key": issue.key,
    }
    wanted = set(fields)
    if wanted - {"id", "key"}:
        producers = _producers(data, issue, base_url, version)
        names = list(producers) if wanted & {"*all", "*navigable"} else fields
        out["fields"] = {
            k: producers[k]() for k in names if k in producers and f"-{k}" not in wanted
        }
    if changelog:
        newest = list(reversed(issue.histories))[:changelog_cap]
        out["changelog"] = {
            "startAt": 0,
            "maxResults": len(newest),
            "total": len(issue.histories),
            "histories": [_history(data, h) for h in newest],
        }
    return out


def _history(data: FakeJiraData, history: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": history["id"],
        "author": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Bob", "active": True},
        "created": data.render_time(history["at"]),
        "items": history["items"],
    }


def render_changelog_page(
    data: FakeJiraData, issue: FakeIssue, start: int, size: int, base: str
) -> dict[str, Any]:
    page = issue.histories[start : start + size]
    body: dict[str, Any] = {
        "self": f"{base}/rest/api/3/issue/{issue.key}/changelog?startAt={start}",
        "startAt": start,
        "maxResults": size,
        "total": len(issue.histories),
        "isLast": start + size >= len(issue.histories),
        "values": [_history(data, h) for h in page],
    }
    if start + size < len(issue.histories):
        body["nextPage"] = f"{base}/rest/api/3/issue/{issue.key}/changelog?startAt={start + size}"
    return body


def render_version(version: FakeVersion, base: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "self": f"{base}/rest/api/3/version/{version.id}",
        "id": version.id,
        "name": version.name,
        "description": "",
        "archived": version.archived,
        "released": version.released,
        "projectId": 10004,
    }
    if version.release_date:
        out["releaseDate"] = version.release_date
    return out
