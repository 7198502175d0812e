"""Direct invocations `{"manage": [...]}` run the allowed forms; nothing else runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from config.aws_lambda.handler import handler
from config.aws_lambda.management import CommandFailed
from core.identity.domain import User
from core.identity.models import UserModel
from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import LambdaContext, invoke
from todos.domain import Todo
from todos.models import TodoModel

ReadLog = Callable[[], list[dict[str, Any]]]

# Commands close their database connections when they end, as requests do.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["showmigrations", "todos"], "[X] 0001_initial"),
        (["showmigrations", "--plan"], "[X]  todos.0001_initial"),
        (["check"], "System check identified no issues"),
        (["check", "--deploy"], "System check identified"),
        (["migrate"], "No migrations to apply."),
        (["migrate", "--plan"], "No planned migration operations."),
        (["migrate", "--check"], ""),
        (["seed_todos", "--owner", "ann@example.com"], "Seeded 5 todo(s) for ann@example.com"),
    ],
)
@pytest.mark.usefixtures("user")
def test_an_allowed_command_runs_and_returns_its_output(argv: list[str], expected: str) -> None:
    result = handler({"manage": argv}, LambdaContext())
    assert result == {"exitStatus": 0, "output": result["output"]}
    assert expected in result["output"]


def test_seed_todos_stores_the_samples_of_an_existing_user(user: User) -> None:
    handler({"manage": ["seed_todos", "--owner", user.email]}, LambdaContext())
    assert TodoModel.objects.filter(owner_id=user.id).count() == 5


def test_on_lambda_seed_todos_makes_no_demo_user() -> None:
    result = handler({"manage": ["seed_todos", "--owner", "demo@example.com"]}, LambdaContext())
    assert result["exitStatus"] == 1
    assert "No account" in result["output"]
    assert not UserModel.objects.exists()


def test_a_failing_command_reports_a_non_zero_status() -> None:
    result = handler({"manage": ["showmigrations", "nosuchapp"]}, LambdaContext())
    assert result["exitStatus"] != 0
    assert "No installed app with label 'nosuchapp'" in result["output"]
    assert not result["output"].startswith("Refused")


@pytest.mark.parametrize(
    "manage",
    [
        ["migrate", "todos", "zero"],
        ["flush"],
        ["flush", "--no-input"],
        ["migrate", "todos", "0001"],
        ["migrate", "--fake", "todos", "zero"],
        ["migrate", "--help"],
        ["check", "--settings=nowhere.settings"],
        ["shell", "--command", "print(1)"],
        ["seed_todos", "--help"],
        [],
        "migrate",
        ["migrate", 1],
        None,
    ],
)
def test_anything_but_an_allowed_form_is_refused_and_logged(
    manage: Any, stored_todos: Callable[..., list[Todo]], json_log: ReadLog
) -> None:
    stored_todos(1)
    result = handler({"manage": manage}, LambdaContext())
    assert result["exitStatus"] == 2
    assert result["output"].startswith("Refused: the allowed forms are")
    assert '["migrate", "--plan"]' in result["output"]
    assert TodoModel.objects.count() == 1  # nothing was flushed or unapplied
    assert "todos" in connection.introspection.table_names()
    (refusal,) = [line for line in json_log() if line["message"] == "management command refused"]
    assert refusal["level"] == "WARNING"
    assert "print" not in str(refusal)
    assert "nowhere" not in str(refusal)


def test_a_scheduled_command_that_fails_fails_the_invocation(json_log: ReadLog) -> None:
    """Nobody reads a scheduled run's answer: Lambda retries it and counts an error."""
    event = {"manage": ["seed_todos", "--owner", "nobody@example.com"], "raiseOnFailure": True}
    with pytest.raises(CommandFailed, match="exit status 1"):
        handler(event, LambdaContext())
    (record,) = [line for line in json_log() if line["message"] == "management command"]
    assert record["exitStatus"] == 1
    refused = {"manage": ["flush"], "raiseOnFailure": True}
    with pytest.raises(CommandFailed, match="exit status 2"):
        handler(refused, LambdaContext())


def test_a_scheduled_command_that_succeeds_answers_as_any_other() -> None:
    result = handler({"manage": ["purge_expired"], "raiseOnFailure": True}, LambdaContext())
    assert result["exitStatus"] == 0


def test_without_raise_on_failure_a_failure_is_only_answered() -> None:
    event = {"manage": ["seed_todos", "--owner", "nobody@example.com"], "raiseOnFailure": False}
    assert handler(event, LambdaContext())["exitStatus"] == 1


@pytest.mark.parametrize(
    "event",
    [
        {"manage": ["migrate"], "extra": 1},
        {"manage": ["migrate"], "raiseOnFailure": "yes"},
        {"raiseOnFailure": True},
        {},
        {"Records": []},
        ["migrate"],
        "migrate",
    ],
)
def test_an_event_of_no_known_shape_is_refused_without_a_traceback(event: Any) -> None:
    result = handler(event, LambdaContext())
    assert result["exitStatus"] == 2
    assert result["output"].startswith("Refused")


def test_a_request_body_asking_to_manage_is_an_ordinary_request(
    on_lambda: Settings, caplog: pytest.LogCaptureFixture, bearer: dict[str, str]
) -> None:
    caplog.set_level(logging.INFO, logger="config.aws_lambda.handler")
    event = REST_EXECUTE_API.event(
        "POST",
        "/dev/api/todos",
        headers={"Content-Type": "application/json", **bearer},
        body='{"manage": ["migrate"]}',
    )
    answer = invoke(event)
    assert answer.status == 422
    handled = [r.getMessage() for r in caplog.records if r.name == "config.aws_lambda.handler"]
    assert handled == ["request"]
