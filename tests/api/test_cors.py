"""The "Browsers (CORS)" rules of API.md, for the local default origins."""

import pytest
from django.test import Client

ORIGIN = "http://localhost:3000"
TODOS = "/api/todos"


def preflight(client: Client, path: str, origin: str = ORIGIN, method: str = "PATCH") -> object:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )


@pytest.mark.parametrize(
    "path", ["/api/todos", "/api/todos/5b0c0c1e-8f1e-4a57-9d6c-1f8f1b1e2a10", "/api/auth/token"]
)
@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:3000"])
def test_a_preflight_from_an_allowed_origin_needs_no_token_and_allows_what_the_api_uses(
    anonymous: Client, path: str, origin: str
) -> None:
    response = preflight(anonymous, path, origin)
    assert response.status_code in (200, 204)  # type: ignore[attr-defined]
    assert response["Access-Control-Allow-Origin"] == origin  # type: ignore[index]
    methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}  # type: ignore[index]
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}  # type: ignore[index]
    assert {
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
    } <= allowed
    assert "Access-Control-Allow-Credentials" not in response  # type: ignore[operator]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://localhost:3001",
        "null",
        "https://localhost:3000",
        "http://localhost:3000/evil",
        "http://localhost:3000?x=1",
        "http://localhost:3000#top",
        "http://user@localhost:3000",
        "http://localhost:3000/",
    ],
)
def test_any_other_origin_gets_no_allow_origin(anonymous: Client, origin: str) -> None:
    assert "Access-Control-Allow-Origin" not in preflight(anonymous, TODOS, origin)  # type: ignore[operator]
    answer = anonymous.get(TODOS, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in answer


@pytest.mark.parametrize(
    ("path", "authorized", "status"),
    [
        (TODOS, True, 200),
        (TODOS, False, 401),
        (f"{TODOS}/not-a-uuid", True, 422),
        (f"{TODOS}/5b0c0c1e-8f1e-4a57-9d6c-1f8f1b1e2a10", True, 404),
        ("/api/nowhere", True, 404),
    ],
)
def test_every_answer_to_an_allowed_origin_errors_included_exposes_the_headers(
    client: Client, anonymous: Client, path: str, authorized: bool, status: int
) -> None:
    answer = (client if authorized else anonymous).get(path, headers={"Origin": ORIGIN})
    assert answer.status_code == status
    assert answer["Access-Control-Allow-Origin"] == ORIGIN
    exposed = {h.strip().lower() for h in answer["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "location", "retry-after", "idempotent-replayed", "www-authenticate"} <= exposed
    assert "Access-Control-Allow-Credentials" not in answer
    assert "origin" in answer["Vary"].lower()
