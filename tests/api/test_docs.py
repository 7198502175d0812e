"""The Documentation rows of API.md: Swagger UI served by the app, a complete OpenAPI."""

import re
from typing import Any

import pytest
from django.test import Client

from tests.resources.openapi import collections, operations, served

ERROR_BODIES = {"#/components/schemas/ErrorOut", "#/components/schemas/ValidationErrorOut"}

# The operations anyone may call; every other one needs an access token, new ones included.
PUBLIC = {"get_health", "register", "create_token", "refresh_token", "logout"}
# Ninja's default operation id names the view's module (`todos_api_list_todos`).
OPERATION_ID = re.compile(r"(?!.*(?:^|_)api_)[a-z]+(?:_[a-z]+)*")


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return served()


def required_statuses(operation: dict[str, Any]) -> set[str]:
    """Return the statuses an operation must declare, from what the document says of it:
    its security, its parameters and its body."""
    required = {"500", "503"}
    headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    where = {p["in"] for p in operation.get("parameters", [])}
    if "security" in operation:
        required.add("401")
    if "path" in where:
        required |= {"404", "422"}
    if "query" in where:
        required.add("422")
    if "requestBody" in operation:
        required |= {"400", "413", "415", "422"}
    if "If-Match" in headers:
        required |= {"400", "412"}
    if "If-None-Match" in headers:
        required |= {"304", "400"}
    if "Idempotency-Key" in headers:
        required |= {"400", "409", "422"}
    return required


def test_openapi_lists_the_operations_of_every_router(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.")
    ids = {op["operationId"] for op in operations(openapi).values()}
    assert ids >= PUBLIC
    for collection in collections(openapi):
        assert set(collection.operation_ids.values()) <= ids
    assert {"list_todos", "create_todo", "get_todo", "update_todo", "delete_todo"} <= ids


def test_every_operation_declares_every_status_it_can_answer(openapi: dict[str, Any]) -> None:
    for key, operation in operations(openapi).items():
        declared = set(operation["responses"])
        assert required_statuses(operation) <= declared, key
        assert any(status.startswith("2") for status in declared), key
        for status in declared - {"304"}:
            if not status.startswith("2"):
                body = operation["responses"][status]["content"]["application/json"]["schema"]
                assert references(body), (key, status)  # a typed error body


def test_every_operation_has_an_explicit_id_a_summary_and_a_description(
    openapi: dict[str, Any],
) -> None:
    ids = [op["operationId"] for op in operations(openapi).values()]
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    for key, operation in operations(openapi).items():
        assert OPERATION_ID.fullmatch(operation["operationId"]), key
        assert operation["summary"], key
        assert operation["description"], key


def test_error_responses_are_typed(openapi: dict[str, Any]) -> None:
    create = operations(openapi)[("post", "/api/todos")]
    for status in ("404", "422", "503"):
        schema = operations(openapi)[("get", "/api/todos/{todo_id}")]["responses"][status]
        assert schema["content"]["application/json"]["schema"]["$ref"]
    request_schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["$ref"].endswith("/TodoIn")
    todo_in = openapi["components"]["schemas"]["TodoIn"]
    assert todo_in["additionalProperties"] is False
    assert todo_in["properties"]["title"]["maxLength"] == 255


def references(value: Any) -> set[str]:
    """Return every `$ref` in a part of the document, at any depth."""
    if isinstance(value, list):
        return set().union(*(references(item) for item in value))
    if not isinstance(value, dict):
        return set()
    found = set().union(*(references(item) for item in value.values()))
    return found | ({value["$ref"]} if "$ref" in value else set())


def test_every_schema_the_document_refers_to_is_defined_in_it(openapi: dict[str, Any]) -> None:
    """The error bodies are documented apart from Ninja's response models (see
    core/http_errors.py); a client generator needs each of them among the components."""
    defined = {f"#/components/schemas/{name}" for name in openapi["components"]["schemas"]}
    referred = references(openapi)
    assert {"#/components/schemas/ErrorOut", "#/components/schemas/ValidationErrorOut"} <= referred
    assert referred <= defined


def test_docs_page_loads_its_assets_from_the_app_not_a_cdn(client: Client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "an asset comes from elsewhere"
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert any(asset.endswith("swagger-ui.css") for asset in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content), asset  # type: ignore[attr-defined]


def test_docs_page_points_swagger_at_the_openapi_document(client: Client) -> None:
    html = client.get("/api/docs").content.decode()
    assert '"url": "/api/openapi.json"' in html


def test_patch_schema_documents_what_it_validates(openapi: dict[str, Any]) -> None:
    patch = openapi["components"]["schemas"]["TodoPatchIn"]
    assert patch["minProperties"] == 1
    assert patch["properties"]["title"]["type"] == "string"
    assert patch["properties"]["completed"]["type"] == "boolean"
    assert "null" not in str(patch)


def test_response_headers_are_documented(openapi: dict[str, Any]) -> None:
    for key, operation in operations(openapi).items():
        assert "Retry-After" in operation["responses"]["503"]["headers"], key
    created = operations(openapi)[("post", "/api/todos")]["responses"]["201"]
    assert "Location" in created["headers"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/TodoOut")


def test_a_bearer_jwt_scheme_guards_every_protected_operation_and_no_other(
    openapi: dict[str, Any],
) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert schemes == {"BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    for key, operation in operations(openapi).items():
        if operation["operationId"] not in PUBLIC:
            assert operation["security"] == [{"BearerAuth": []}], key
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], key
        else:
            assert "security" not in operation, key


def test_token_answers_document_no_store_and_the_lock_retry_after(
    openapi: dict[str, Any],
) -> None:
    token = operations(openapi)[("post", "/api/auth/token")]["responses"]
    assert "Cache-Control" in token["200"]["headers"]
    assert "Retry-After" in token["429"]["headers"]
    refresh = operations(openapi)[("post", "/api/auth/refresh")]["responses"]
    assert "Cache-Control" in refresh["200"]["headers"]


def parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}


def test_every_resource_documents_its_conditional_and_idempotency_headers(
    openapi: dict[str, Any],
) -> None:
    ops = operations(openapi)
    assert collections(openapi), "no resource found: this test would check nothing"
    for resource in collections(openapi):
        item, path = resource.item, resource.path
        assert set(parameters(ops[("get", item)])) == {"If-None-Match"}, item
        assert set(parameters(ops[("patch", item)])) == {"If-Match"}, item
        assert set(parameters(ops[("delete", item)])) == {"If-Match"}, item
        assert set(parameters(ops[("post", path)])) == {"Idempotency-Key"}, path
        for key in [("get", item), ("patch", item)]:
            assert "ETag" in ops[key]["responses"]["200"]["headers"], key
        created = ops[("post", path)]["responses"]["201"]["headers"]
        assert {"ETag", "Location", "Idempotent-Replayed"} <= set(created), path
        assert "ETag" in ops[("get", item)]["responses"]["304"]["headers"], item
        unprocessable = ops[("post", path)]["responses"]["422"]["content"]["application/json"]
        refs = {branch["$ref"] for branch in unprocessable["schema"]["anyOf"]}
        assert refs == ERROR_BODIES, path
