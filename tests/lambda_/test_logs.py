"""Log lines are JSON objects that name the Lambda request; errors never leak SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from config.aws_lambda.handler import handler
from core.identity.domain import User
from scripts.apigateway_events import Gateway
from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import LambdaContext, invoke
from todos.adapters.orm import DjangoTodoRepository
from todos.domain import Todo
from todos.ports import TodoPage, TodoQuery

ReadLog = Callable[[], list[dict[str, Any]]]
JSON = {"Content-Type": "application/json"}


class BrokenRepository:
    """A repository with a bug in it."""

    def list(self, owner: UUID, query: TodoQuery) -> TodoPage:
        raise KeyError("no such page")


class DuplicatingRepository(DjangoTodoRepository):
    """Store each new todo twice, so the database refuses the second copy."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[Todo] = []

    def add(self, todo: Todo) -> bool:
        self.added.append(todo)
        super().add(todo)
        return super().add(todo)


def test_each_request_logs_one_json_line_with_the_lambda_request_id(
    gateway: Gateway, json_log: ReadLog
) -> None:
    context = LambdaContext()
    invoke(gateway.event("GET", f"{gateway.prefix}/api/nowhere"), context)
    requests = [line for line in json_log() if line["message"] == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert line["requestId"] == context.aws_request_id
    assert (line["method"], line["path"], line["status"]) == (
        "GET",
        f"{gateway.prefix}/api/nowhere",
        404,
    )
    assert isinstance(line["durationMs"], float)
    assert line["level"] == "INFO"
    assert line["timestamp"].endswith("+00:00")


@pytest.mark.usefixtures("on_lambda")
@pytest.mark.django_db
def test_an_unhandled_error_is_logged_with_its_stack_but_answered_without_it(
    json_log: ReadLog, serve_with: Callable[..., None], bearer: dict[str, str]
) -> None:
    serve_with(todos=BrokenRepository())
    context = LambdaContext()
    answer = invoke(REST_EXECUTE_API.event("GET", "/dev/api/todos", headers=bearer), context)
    assert answer.status == 500
    assert answer.json() == {"detail": "Internal server error"}
    errors = [line for line in json_log() if "errorType" in line]
    assert len(errors) == 1
    assert errors[0]["errorType"] == "KeyError"
    assert errors[0]["requestId"] == context.aws_request_id
    assert any("in list" in frame for frame in errors[0]["stackTrace"])


@pytest.mark.usefixtures("on_lambda")
@pytest.mark.django_db(transaction=True)
def test_a_database_error_is_logged_without_its_message(
    json_log: ReadLog, serve_with: Callable[..., None], bearer: dict[str, str]
) -> None:
    repository = DuplicatingRepository()
    serve_with(todos=repository)
    headers = {**JSON, **bearer}
    event = REST_EXECUTE_API.event("POST", "/dev/api/todos", headers=headers, body='{"title": "x"}')
    answer = invoke(event)
    assert answer.status == 500
    lines = json_log()
    errors = [line for line in lines if "errorType" in line]
    assert [line["errorType"] for line in errors] == ["django.db.utils.IntegrityError"]
    assert errors[0]["errorMessage"].startswith("database error message withheld")
    # PostgreSQL's message quotes the row ("Key (id)=(...) already exists"), SQLite's
    # names the column; neither reaches the log.
    logged = str(lines).lower()
    for telltale in ("duplicate key", "unique constraint", str(repository.added[0].id)):
        assert telltale not in logged, telltale


@pytest.mark.django_db
def test_a_management_event_logs_its_command_and_status(json_log: ReadLog) -> None:
    context = LambdaContext()
    handler({"manage": ["check"]}, context)
    (line,) = [line for line in json_log() if line["message"] == "management command"]
    assert (line["command"], line["exitStatus"]) == ("check", 0)
    assert line["requestId"] == context.aws_request_id


@pytest.mark.usefixtures("on_lambda")
@pytest.mark.parametrize(
    "path",
    ["/dev/api/nowhere?access_token=SECRET-TOKEN", "/dev/api/todos?limit=0&password=SECRET-TOKEN"],
)
def test_query_strings_never_reach_the_log(path: str, json_log: ReadLog) -> None:
    answer = invoke(REST_EXECUTE_API.event("GET", path))
    assert answer.status in (401, 404)
    lines = json_log()
    assert any(line.get("logger") == "django.request" for line in lines)  # Django logged it
    assert not [line for line in lines if "SECRET-TOKEN" in str(line)]


@pytest.mark.usefixtures("on_lambda")
@pytest.mark.django_db(transaction=True)  # requests release connections as on Lambda
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/dev/api/todos", None),
        ("/dev/api/auth/token", '{"email": "ann@example.com", "password": "SECRET-PASSWORD"}'),
        ("/dev/api/auth/refresh", '{"refresh_token": "SECRET-REFRESH"}'),
    ],
)
def test_tokens_and_passwords_never_reach_the_log(
    path: str, body: str | None, json_log: ReadLog, user: User
) -> None:
    headers = {"Authorization": "Bearer SECRET.TOKEN.VALUE", "Content-Type": "application/json"}
    if body is None:
        event = REST_EXECUTE_API.event("GET", path, headers=headers)
    else:
        event = REST_EXECUTE_API.event("POST", path, headers=headers, body=body)
    answer = invoke(event)
    assert answer.status == 401
    lines = json_log()
    assert any(line["message"] == "request" for line in lines)
    logged = str(lines)
    for secret in ("SECRET.TOKEN.VALUE", "SECRET-PASSWORD", "SECRET-REFRESH"):
        assert secret not in logged
