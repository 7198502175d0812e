"""What the tests read from the OpenAPI document the app serves, rather than from lists
kept by hand: every operation, and every owned resource's collection."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

Operations = dict[tuple[str, str], dict[str, Any]]


def served() -> dict[str, Any]:
    """Return the OpenAPI document the app serves at /api/openapi.json, as JSON has it
    (tests/api/test_openapi_snapshot.py checks that the two are the same)."""
    from config.api import api

    document: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))
    assert document["paths"], "the document has no operations: the checks would check nothing"
    return document


def operations(document: dict[str, Any]) -> Operations:
    """Return every operation, by method and path."""
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


@dataclass(frozen=True)
class Collection:
    """An owned resource's endpoints: a collection to list and create in, an item to get,
    update and delete, and a body that creates one and a change that updates it."""

    path: str
    item: str
    body: dict[str, Any]
    change: dict[str, Any]
    operation_ids: dict[str, str]


def collections(document: dict[str, Any]) -> list[Collection]:
    """Return each protected path that lists and creates, whose item gets, updates and
    deletes: the shape of every owned resource (todos and the generated ones)."""
    found = []
    for path, listed in document["paths"].items():
        items = [p for p in document["paths"] if re.fullmatch(re.escape(path) + r"/\{\w+\}", p)]
        if not items or not {"get", "post"} <= set(listed) or "security" not in listed["post"]:
            continue
        item = document["paths"][items[0]]
        if not {"get", "patch", "delete"} <= set(item):
            continue
        body = example(document, listed["post"]["requestBody"])
        change = example(document, item["patch"]["requestBody"], every=True, text="z")
        ids = {"list": listed["get"], "create": listed["post"]} | {
            verb: item[method] for verb, method in (("get", "get"), ("update", "patch"))
        }
        ids["delete"] = item["delete"]
        found.append(
            Collection(path, items[0], body, change, {k: v["operationId"] for k, v in ids.items()})
        )
    return found


def example(
    document: dict[str, Any], body: dict[str, Any], *, every: bool = False, text: str = "y"
) -> dict[str, Any]:
    """Return the smallest valid JSON object for a request body: each required property
    (each plain one too, with `every`) given a value its schema admits."""
    schema = resolve(document, body["content"]["application/json"]["schema"])
    required = schema.get("required", [])
    example = {}
    for name, prop in schema["properties"].items():
        if name in required or (every and is_plain(document, prop)):
            example[name] = value_for(document, prop, text)
    return example


def is_plain(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Tell whether a property is text, a flag or a number, with no format (an id, a
    date) that a made-up value would break."""
    schema = resolve(document, schema)
    return schema.get("type") in {"string", "boolean", "integer"} and "format" not in schema


def value_for(document: dict[str, Any], schema: dict[str, Any], text: str) -> Any:
    """Return a value the property's schema admits (a string for text, True for a flag)."""
    schema = resolve(document, schema)
    kind = schema.get("type")
    if not is_plain(document, schema):
        raise AssertionError(f"no example for {schema}: give this property a simpler schema")
    if kind == "string":
        return text * max(schema.get("minLength", 1), 1)
    if kind == "boolean":
        return True
    return schema.get("minimum", 1)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref` to the schema it names."""
    if "$ref" in schema:
        found: dict[str, Any] = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return found
    return schema
