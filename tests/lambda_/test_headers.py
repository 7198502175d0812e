"""Headers and query strings cross API Gateway and Mangum whole, in both directions."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from django.db import OperationalError
from pytest_django.fixtures import Settings

from scripts.apigateway_events import Gateway
from tests.lambda_.invoke import invoke
from todos.ports import TodoPage, TodoQuery


class UnreachableDatabase:
    """A repository whose database cannot be reached."""

    def list(self, owner: UUID, query: TodoQuery) -> TodoPage:
        raise OperationalError('connection to server at "10.0.3.17", port 5432 failed')


@pytest.fixture
def echo(on_lambda: Settings) -> None:
    """Serve `/echo` beside the API."""
    on_lambda.ROOT_URLCONF = "tests.lambda_.urls"


@pytest.mark.usefixtures("echo")
def test_repeated_request_headers_and_query_keys_all_reach_django(gateway: Gateway) -> None:
    event = gateway.event(
        "GET", f"{gateway.prefix}/echo?tag=a&tag=b", headers=[("X-Tag", "a"), ("X-Tag", "b")]
    )
    seen = invoke(event).json()
    assert seen["query"]["tag"] == ["a", "b"]
    assert [value.strip() for value in seen["headers"]["X-Tag"].split(",")] == ["a", "b"]


@pytest.mark.usefixtures("echo")
def test_repeated_response_headers_all_reach_the_client(gateway: Gateway) -> None:
    answer = invoke(gateway.event("GET", f"{gateway.prefix}/echo"))
    cookies = answer.raw.get("cookies") or answer.headers("Set-Cookie")  # HTTP API: cookies
    assert sorted(cookie.split(";")[0] for cookie in cookies) == ["first=1", "second=2"]
    if "multiValueHeaders" in answer.raw:
        # API Gateway merges the two maps; a header in both would be sent twice.
        assert not set(answer.raw["headers"]) & set(answer.raw["multiValueHeaders"])


def test_a_wrong_method_answers_405_with_allow(gateway: Gateway) -> None:
    answer = invoke(gateway.event("PUT", f"{gateway.prefix}/api/todos"))
    assert answer.status == 405
    assert sorted(answer.header("Allow").split(", ")) == ["GET", "POST"]
    assert "detail" in answer.json()


@pytest.mark.django_db
def test_an_unreachable_database_answers_503_with_retry_after(
    gateway: Gateway, serve_with: Callable[..., None], bearer: dict[str, str]
) -> None:
    serve_with(todos=UnreachableDatabase())
    answer = invoke(gateway.event("GET", f"{gateway.prefix}/api/todos", headers=bearer))
    assert answer.status == 503
    assert answer.header("Retry-After") == "5"
    assert answer.json() == {"detail": "Service temporarily unavailable"}


# REST API events carry no Content-Length; the body's size and type are still checked.
def test_a_body_that_is_not_json_answers_415(gateway: Gateway) -> None:
    event = gateway.event(
        "POST", f"{gateway.prefix}/api/todos", headers={"Content-Type": "text/plain"}, body="Milk"
    )
    assert invoke(event).status == 415


@pytest.mark.django_db
def test_a_body_over_the_limit_answers_413(gateway: Gateway, bearer: dict[str, str]) -> None:
    body = '{"title": "' + "x" * (1024 * 1024) + '"}'
    event = gateway.event(
        "POST",
        f"{gateway.prefix}/api/todos",
        headers={"Content-Type": "application/json", **bearer},
        body=body,
    )
    answer = invoke(event)
    assert answer.status == 413
    assert answer.json() == {
        "detail": f"Request body is larger than the limit of {1024 * 1024} bytes"
    }


@pytest.mark.django_db(transaction=True)  # requests release connections as on Lambda
def test_conditional_requests_cross_api_gateway_on_the_database(
    gateway: Gateway, bearer: dict[str, str]
) -> None:
    """On the ORM: a 304 carries its ETag and no body; an If-Match naming a version no
    column can hold (beyond SQLite's integers) is a plain 412, never a 500."""
    bearer = {**bearer, "Content-Type": "application/json"}
    created = invoke(
        gateway.event("POST", f"{gateway.prefix}/api/todos", headers=bearer, body='{"title": "A"}')
    )
    assert created.status == 201
    todo = f"{gateway.prefix}/api/todos/{created.json()['id']}"
    etag = created.header("ETag")
    unchanged = invoke(gateway.event("GET", todo, headers={**bearer, "If-None-Match": etag}))
    assert (unchanged.status, unchanged.header("ETag"), unchanged.raw["body"]) == (304, etag, "")
    huge = {**bearer, "If-Match": '"99999999999999999999"'}
    for method in ("DELETE", "PATCH"):
        refused = invoke(gateway.event(method, todo, headers=huge, body='{"title": "B"}'))
        assert (refused.status, refused.json()) == (412, {"detail": "Precondition failed"})
    assert invoke(gateway.event("GET", todo, headers=bearer)).json()["title"] == "A"
