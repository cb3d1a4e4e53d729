"""FakeJira's responses validated against Atlassian's published OpenAPI schema.

A small validator for the OpenAPI subset the Jira spec uses ($ref, type, properties,
additionalProperties, items, enum, required, allOf/anyOf/oneOf), so no extra dependency.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from clientsync_jira.testing import FakeJira

SPEC = Path("/work/shared/specs/jira-platform-v3.openapi.json")
if not SPEC.exists():  # the spec sits beside the repository, not inside it
    SPEC = Path(__file__).resolve().parents[4] / "shared/specs/jira-platform-v3.openapi.json"
TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


@cache
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip("the Jira OpenAPI spec is not available here")
    return dict(json.loads(SPEC.read_text(encoding="utf-8")))


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec()["components"]["schemas"][name]
    return schema


def validate(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    schema = resolve(schema)
    errors: list[str] = []
    for part in schema.get("allOf", ()):
        errors += validate(value, part, where)
    for key in ("anyOf", "oneOf"):
        if key in schema and all(validate(value, s, where) for s in schema[key]):
            errors.append(f"{where}: matches none of {key}")
    if value is None:
        return errors if schema.get("nullable") or "type" not in schema else [f"{where}: null"]
    kind = schema.get("type")
    if (kind and not isinstance(value, TYPES[kind])) or (
        kind != "boolean" and isinstance(value, bool) and kind
    ):
        return [*errors, f"{where}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{where}: missing {r}" for r in schema.get("required", ()) if r not in value]
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                errors += validate(item, props[name], f"{where}.{name}")
            elif extra is False:
                errors.append(f"{where}: unknown property {name!r}")
            elif isinstance(extra, dict):
                errors += validate(item, extra, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += validate(item, schema["items"], f"{where}[{index}]")
    return errors


def response_schema(path: str, method: str) -> dict[str, Any]:
    responses = spec()["paths"][path][method]["responses"]
    code = "200" if "200" in responses else "201"
    return dict(responses[code]["content"]["application/json"]["schema"])


FIELD_SCHEMAS = {
    "status": "StatusDetails",
    "issuetype": "IssueTypeDetails",
    "priority": "Priority",
    "resolution": "Resolution",
}


def check_issue_fields(issue: dict[str, Any]) -> list[str]:
    errors = []
    schemas = spec()["components"]["schemas"]
    for name, schema in FIELD_SCHEMAS.items():
        value = issue.get("fields", {}).get(name)
        if value is not None:
            errors += validate(value, schemas[schema], f"{issue['key']}.{name}")
    for version in issue.get("fields", {}).get("fixVersions") or ():
        errors += validate(version, schemas["Version"], f"{issue['key']}.fixVersions")
    for link in issue.get("fields", {}).get("issuelinks") or ():
        # IssueLink doubles as the create-link request, which needs both ends; an issue's
        # links carry only the other end (as the shared fixture, a real capture, shows).
        found = validate(link, schemas["IssueLink"], f"{issue['key']}.issuelinks")
        errors += [
            e for e in found if not e.endswith(("missing inwardIssue", "missing outwardIssue"))
        ]
    return errors


@pytest.fixture(scope="module")
def jira() -> Any:
    with FakeJira() as server:
        server.data.generate("CS", 60, seed=1)
        server.data.issues[10001].blocked_by = ["CS-1"]
        session = requests.Session()
        session.auth = (server.email, server.secret)
        yield server, session


CALLS = [
    ("GET", "/rest/api/3/serverInfo", "/rest/api/3/serverInfo", None),
    ("GET", "/rest/api/3/myself", "/rest/api/3/myself", None),
    ("GET", "/rest/api/3/field", "/rest/api/3/field", None),
    (
        "POST",
        "/rest/api/3/search/jql",
        "/rest/api/3/search/jql",
        {
            "jql": "project = CS ORDER BY created",
            "fields": ["*all"],
            "maxResults": 20,
            "expand": "changelog",
            "properties": None,
            "reconcileIssues": [],
        },
    ),
    (
        "POST",
        "/rest/api/3/issue/bulkfetch",
        "/rest/api/3/issue/bulkfetch",
        {"issueIdsOrKeys": ["CS-1", "CS-2"], "fields": ["*navigable"], "expand": ["changelog"]},
    ),
    (
        "POST",
        "/rest/api/3/changelog/bulkfetch",
        "/rest/api/3/changelog/bulkfetch",
        {"issueIdsOrKeys": ["CS-1", "CS-2"], "fieldIds": ["status"], "maxResults": 3},
    ),
    ("GET", "/rest/api/3/issue/CS-1/changelog", "/rest/api/3/issue/{issueIdOrKey}/changelog", None),
    ("GET", "/rest/api/3/issue/CS-2", "/rest/api/3/issue/{issueIdOrKey}", None),
    (
        "GET",
        "/rest/api/3/project/CS/version?maxResults=2",
        "/rest/api/3/project/{projectIdOrKey}/version",
        None,
    ),
    (
        "GET",
        "/rest/api/3/project/CS/versions",
        "/rest/api/3/project/{projectIdOrKey}/versions",
        None,
    ),
    (
        "POST",
        "/rest/api/3/issue/CS-3/comment",
        "/rest/api/3/issue/{issueIdOrKey}/comment",
        {"body": {"type": "doc", "version": 1, "content": []}},
    ),
    ("GET", "/rest/api/3/issue/CS-3/comment", "/rest/api/3/issue/{issueIdOrKey}/comment", None),
    (
        "POST",
        "/rest/api/3/search/approximate-count",
        "/rest/api/3/search/approximate-count",
        {"jql": "project = CS"},
    ),
]


@pytest.mark.parametrize(("method", "url", "path", "body"), CALLS, ids=[c[1] for c in CALLS])
def test_fake_responses_match_the_vendor_schema(
    jira: Any, method: str, url: str, path: str, body: Any
) -> None:
    server, session = jira
    answer = session.request(method, server.url_for(url), json=body, timeout=5)
    assert answer.ok, answer.text
    payload = answer.json()
    errors = validate(payload, response_schema(path, method.lower()))
    issues = payload.get("issues", []) if isinstance(payload, dict) else []
    if path.endswith("{issueIdOrKey}"):
        issues = [payload]
    for issue in issues:
        errors += check_issue_fields(issue)
    assert not errors, "\n".join(errors[:20])


def test_old_search_is_gone_with_the_change_2046_body(jira: Any) -> None:
    server, session = jira
    for version in ("2", "3"):
        answer = session.get(server.url_for(f"/rest/api/{version}/search?jql=project=CS"))
        assert answer.status_code == 410
        assert "CHANGE-2046" in answer.json()["errorMessages"][0]


def test_unbounded_jql_is_400(jira: Any) -> None:
    server, session = jira
    answer = session.post(server.url_for("/rest/api/3/search/jql"), json={"jql": "order by key"})
    assert answer.status_code == 400
    assert answer.json()["errorMessages"]
