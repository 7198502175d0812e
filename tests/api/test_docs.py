"""The Documentation rows of API.md: Swagger UI served by the app, a complete OpenAPI."""

import re
from typing import Any

import pytest
from django.test import Client

EXPECTED_RESPONSES = {
    ("get", "/api/todos"): {"200", "401", "422", "500", "503"},
    ("post", "/api/todos"): {"201", "400", "401", "409", "413", "415", "422", "500", "503"},
    ("get", "/api/todos/{todo_id}"): {"200", "304", "400", "401", "404", "422", "500", "503"},
    ("patch", "/api/todos/{todo_id}"): {
        *("200", "400", "401", "404", "409", "412", "413", "415", "422", "500", "503"),
    },
    ("delete", "/api/todos/{todo_id}"): {"204", "400", "401", "404", "412", "422", "500", "503"},
    ("get", "/api/health"): {"200", "500", "503"},
    ("post", "/api/auth/register"): {"201", "400", "409", "413", "415", "422", "500", "503"},
    ("post", "/api/auth/token"): {"200", "400", "401", "413", "415", "422", "429", "500", "503"},
    ("post", "/api/auth/refresh"): {"200", "400", "401", "413", "415", "422", "500", "503"},
    ("post", "/api/auth/logout"): {"204", "400", "413", "415", "422", "500", "503"},
    ("get", "/api/auth/me"): {"200", "401", "500", "503"},
    ("post", "/api/auth/password"): {
        *("204", "400", "401", "403", "413", "415", "422", "429", "500", "503"),
    },
}
PROTECTED = {key for key in EXPECTED_RESPONSES if key[1].startswith("/api/todos")} | {
    ("get", "/api/auth/me"),
    ("post", "/api/auth/password"),
}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }


def test_openapi_lists_every_operation_of_the_contract(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.")
    assert set(operations(openapi)) == set(EXPECTED_RESPONSES)


def test_every_operation_declares_every_status_it_can_answer(openapi: dict[str, Any]) -> None:
    for key, operation in operations(openapi).items():
        assert set(operation["responses"]) == EXPECTED_RESPONSES[key], key


def test_every_operation_has_an_explicit_id_a_summary_and_a_description(
    openapi: dict[str, Any],
) -> None:
    ids = {key: op["operationId"] for key, op in operations(openapi).items()}
    assert ids == {
        ("get", "/api/todos"): "list_todos",
        ("post", "/api/todos"): "create_todo",
        ("get", "/api/todos/{todo_id}"): "get_todo",
        ("patch", "/api/todos/{todo_id}"): "update_todo",
        ("delete", "/api/todos/{todo_id}"): "delete_todo",
        ("get", "/api/health"): "get_health",
        ("post", "/api/auth/register"): "register",
        ("post", "/api/auth/token"): "create_token",
        ("post", "/api/auth/refresh"): "refresh_token",
        ("post", "/api/auth/logout"): "logout",
        ("get", "/api/auth/me"): "get_me",
        ("post", "/api/auth/password"): "change_password",
    }
    for key, operation in operations(openapi).items():
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


def test_a_reused_idempotency_key_and_a_schema_refusal_share_422(openapi: dict[str, Any]) -> None:
    """API.md: the OpenAPI document admits both 422 shapes for creating a todo."""
    create = operations(openapi)[("post", "/api/todos")]["responses"]["422"]
    assert create["content"]["application/json"]["schema"]["anyOf"] == [
        {"$ref": "#/components/schemas/ValidationErrorOut"},
        {"$ref": "#/components/schemas/ErrorOut"},
    ]


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
        if key in PROTECTED:
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


def test_the_conditional_and_idempotency_headers_are_documented(
    openapi: dict[str, Any],
) -> None:
    ops = operations(openapi)
    assert set(parameters(ops[("get", "/api/todos/{todo_id}")])) == {"If-None-Match"}
    assert set(parameters(ops[("patch", "/api/todos/{todo_id}")])) == {"If-Match"}
    assert set(parameters(ops[("delete", "/api/todos/{todo_id}")])) == {"If-Match"}
    assert set(parameters(ops[("post", "/api/todos")])) == {"Idempotency-Key"}
    for key in [("get", "/api/todos/{todo_id}"), ("patch", "/api/todos/{todo_id}")]:
        assert "ETag" in ops[key]["responses"]["200"]["headers"], key
    created = ops[("post", "/api/todos")]["responses"]["201"]["headers"]
    assert {"ETag", "Location", "Idempotent-Replayed"} <= set(created)
    assert "ETag" in ops[("get", "/api/todos/{todo_id}")]["responses"]["304"]["headers"]


def test_a_create_admits_both_422_shapes(openapi: dict[str, Any]) -> None:
    unprocessable = operations(openapi)[("post", "/api/todos")]["responses"]["422"]
    schema = unprocessable["content"]["application/json"]["schema"]
    refs = {branch["$ref"].rsplit("/", 1)[-1] for branch in schema["anyOf"]}
    assert refs == {"ValidationErrorOut", "ErrorOut"}
