"""The Errors section of API.md: every failure is a JSON `detail`, never HTML or a trace."""

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest
from django.test import Client

from tests.factories import TodoFactory
from todos.domain import Todo
from todos.ports import TodoPage, TodoQuery, UpdatableField

TODOS = "/api/todos"


def assert_json_detail(response: object, status: int) -> object:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("application/json")  # type: ignore[index]
    return response.json()["detail"]  # type: ignore[attr-defined]


def test_malformed_json_is_400(client: Client) -> None:
    response = client.post(TODOS, '{"title": "Buy milk"', content_type="application/json")
    assert assert_json_detail(response, 400) == "Cannot parse request body"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_json_is_415(client: Client, content_type: str) -> None:
    response = client.post(TODOS, '{"title": "Buy milk"}', content_type=content_type)
    assert assert_json_detail(response, 415) == "Content-Type must be application/json"
    assert client.get(TODOS).json()["count"] == 0


def test_a_chunked_body_that_is_not_json_is_415(client: Client) -> None:
    response = client.post(
        TODOS,
        "title=Buy milk",
        content_type="text/plain",
        headers={"transfer-encoding": "chunked"},
        CONTENT_LENGTH="",
    )
    assert assert_json_detail(response, 415) == "Content-Type must be application/json"


def test_route_and_method_errors_come_before_the_content_type_check(client: Client) -> None:
    assert client.post("/api/nothing-here", "x", content_type="text/plain").status_code == 404
    assert client.post("/api/health", "x", content_type="text/plain").status_code == 405


def test_a_json_media_type_with_parameters_is_accepted(client: Client) -> None:
    response = client.post(
        TODOS, '{"title": "Buy milk"}', content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201


def test_a_body_over_one_mebibyte_is_413(client: Client) -> None:
    body = '{"title": "' + "x" * (1024 * 1024) + '"}'
    response = client.post(TODOS, body, content_type="application/json")
    assert "limit of 1048576 bytes" in str(assert_json_detail(response, 413))


def test_an_unknown_route_is_a_json_404(client: Client) -> None:
    assert assert_json_detail(client.get("/api/nothing-here"), 404) == "Not Found"
    assert assert_json_detail(client.get("/"), 404) == "Not Found"


def test_a_method_the_route_does_not_serve_is_a_json_405_with_allow(client: Client) -> None:
    response = client.put(f"{TODOS}/{uuid4()}", {}, content_type="application/json")
    assert assert_json_detail(response, 405) == "Method Not Allowed"
    assert set(response["Allow"].split(", ")) == {"GET", "PATCH", "DELETE"}


def test_a_foreign_host_header_is_a_json_400(client: Client) -> None:
    response = client.get(TODOS, headers={"host": "attacker.example"})
    assert assert_json_detail(response, 400) == "Bad Request"


class BrokenRepository:
    """A repository whose every call fails the way a bug would."""

    def _fail(self) -> None:
        raise RuntimeError("secret-password in SELECT * FROM todos")

    def add(self, todo: Todo) -> None:
        self._fail()

    def get(self, todo_id: UUID) -> Todo | None:
        self._fail()
        return None

    def list(self, query: TodoQuery) -> TodoPage:
        self._fail()
        return TodoPage(items=[], count=0)

    def update(self, todo: Todo, *, fields: frozenset[UpdatableField]) -> bool:
        self._fail()
        return False

    def delete(self, todo_id: UUID) -> bool:
        self._fail()
        return False


def test_an_unexpected_error_is_a_json_500_without_its_text(
    client: Client, serve_with: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    serve_with(todos=BrokenRepository())
    response = client.get(f"{TODOS}/{TodoFactory.build().id}")
    assert assert_json_detail(response, 500) == "Internal server error"
    assert b"secret-password" not in response.content
    assert b"Traceback" not in response.content
    assert any(record.exc_info for record in caplog.records), "the 500 is logged with its trace"
