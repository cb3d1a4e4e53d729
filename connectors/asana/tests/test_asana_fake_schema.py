"""FakeAsana's responses use only the keys, types and enum values of Asana's own OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from clientsync_asana import AsanaConnector
from clientsync_asana.testing import FakeAsana, HookReceiver

# The schemas the fake serves, cut from Asana's OpenAPI description (shared/specs) with
# their references; descriptions and examples dropped.
SCHEMAS = Path(__file__).parent / "fixtures" / "asana_schemas.json"
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "object": (dict,),
    "array": (list,),
}


@cache
def schemas() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(SCHEMAS.read_text(encoding="utf-8"))["schemas"]
    return found


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return resolve(schemas()[schema["$ref"].rsplit("/", 1)[1]])
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            part = resolve(part)
            merged["properties"].update(part.get("properties", {}))
            merged["nullable"] = merged.get("nullable") or part.get("nullable", False)
        return merged
    return schema


def check(value: Any, schema: dict[str, Any], where: str, errors: list[str]) -> None:
    schema = resolve(schema)
    if value is None:
        if not schema.get("nullable") and schema.get("type"):
            errors.append(f"{where}: null where {schema.get('type')} is not nullable")
        return
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind in _TYPES and (
        not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))
    ):
        errors.append(f"{where}: {type(value).__name__} where the spec says {kind}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if kind == "array":
        for n, element in enumerate(value):
            check(element, schema.get("items", {}), f"{where}[{n}]", errors)
    elif kind == "object" and "properties" in schema:
        for key, element in value.items():
            if key not in schema["properties"]:
                errors.append(f"{where}.{key}: not in the spec")
            else:
                check(element, schema["properties"][key], f"{where}.{key}", errors)


def body(fake: FakeAsana, path: str) -> Any:
    matches = [r for r in fake.requests if r.path.endswith(path)]
    assert matches, f"no request to {path}"
    return matches


def test_every_response_matches_the_vendor_schema(
    fake_asana: FakeAsana, make_connector: Callable[..., AsanaConnector]
) -> None:
    project = fake_asana.add_project("Schema", with_default_section=False)
    todo, doing = (fake_asana.add_section(project, n) for n in ("To do", "Doing"))
    a = fake_asana.add_task(project, "A", section=todo, due_on="2024-07-01", assignee="Kim")
    b = fake_asana.add_task(project, "B", section=doing, tags=["blocked"], dependencies=[a])
    fake_asana.add_task(project, "M", resource_subtype="milestone", dependencies=[a, b])
    fake_asana.add_task(None, "Child", parent=a)
    connector = make_connector(project, include_subtasks=True, status_updates=True)
    first = connector.read()
    fake_asana.update_task(a, due_on="2024-07-05")
    fake_asana.move_task(b, todo)
    connector.read(cursor=first.cursor)
    connector.post_update("status:green", "Fine\nAll on track", idempotency_key="s1")
    connector.post_update(a, "A comment", idempotency_key="c1")

    errors: list[str] = []
    served = {
        "TaskResponse": fake_asana.render_task(a),
        "SectionResponse": fake_asana.sections[todo],
        "ProjectResponse": fake_asana.projects[project],
        "StatusUpdateResponse": fake_asana.status_updates[0],
    }
    for name, record in served.items():
        check(json.loads(json.dumps(record)), {"$ref": f"#/{name}"}, name, errors)
    for story in fake_asana.stories[a] + fake_asana.stories[b]:
        check(story, {"$ref": "#/StoryResponse"}, "StoryResponse", errors)
    for event in fake_asana.events[project]:
        # The spec's own description says `parent` is null for changes; its schema forgets.
        check(
            {k: v for k, v in event.items() if v is not None},
            {"$ref": "#/EventResponse"},
            "EventResponse",
            errors,
        )
    assert not errors, "\n".join(errors)
    for path in ("/tasks", "/subtasks", "/stories", "/events", "/sections"):
        assert body(fake_asana, path)


def test_webhooks_match_the_vendor_schema(
    fake_asana: FakeAsana, make_connector: Callable[..., AsanaConnector]
) -> None:
    project = fake_asana.add_project("Hooks")
    task = fake_asana.add_task(project, "A", due_on="2024-07-01")
    with HookReceiver() as target:
        registration = make_connector(project).register_webhook(target.hook_url)
        assert registration.webhook_id is not None
        fake_asana.update_task(task, due_on="2024-07-02", completed=True)
        fake_asana.add_task(project, "M", resource_subtype="milestone")
        assert fake_asana.deliver(registration.webhook_id) == 200
    errors: list[str] = []
    hook = fake_asana.webhooks[registration.webhook_id]
    check(hook, {"$ref": "#/WebhookResponse"}, "WebhookResponse", errors)
    (delivery,) = target.deliveries
    assert delivery["events"]
    for event in delivery["events"]:
        # Deliveries name each resource's subtype (as Asana's do, see the recorded
        # fixture); the spec's AsanaNamedResource has no such property.
        resource = {k: v for k, v in event["resource"].items() if k != "resource_subtype"}
        shown = {k: v for k, v in {**event, "resource": resource}.items() if v is not None}
        check(shown, {"$ref": "#/EventResponse"}, "EventResponse", errors)
        assert set(event) <= {"user", "created_at", "action", "resource", "parent", "change"}
        assert "name" not in event["resource"]  # webhook events carry no names
    assert not errors, "\n".join(errors)
