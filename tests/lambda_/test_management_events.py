"""Direct invocations `{"manage": [...]}` run allow-listed commands; nothing else runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from config.lambda_handler import handler
from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import LambdaContext, invoke
from todos.domain import Todo
from todos.models import TodoModel

# Commands close their database connections when they end, as requests do.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["showmigrations", "todos"], "[X] 0001_initial"),
        (["check"], "System check identified no issues"),
        (["migrate"], "No migrations to apply."),
        (["seed_todos"], "Seeded 5 todo(s); 0 already present."),
    ],
)
def test_an_allowed_command_runs_and_returns_its_output(argv: list[str], expected: str) -> None:
    result = handler({"manage": argv}, LambdaContext())
    assert result == {"exitStatus": 0, "output": result["output"]}
    assert expected in result["output"]


def test_seed_todos_stores_the_samples() -> None:
    handler({"manage": ["seed_todos"]}, LambdaContext())
    assert TodoModel.objects.count() == 5


def test_a_failing_command_reports_a_non_zero_status() -> None:
    result = handler({"manage": ["migrate", "todos", "9999"]}, LambdaContext())
    assert result["exitStatus"] == 1
    assert "CommandError" in result["output"]


def test_asking_for_help_answers_without_ending_the_function() -> None:
    result = handler({"manage": ["migrate", "--help"]}, LambdaContext())
    assert result["exitStatus"] == 0
    assert "usage:" in result["output"]


def test_options_that_would_change_the_settings_have_no_effect() -> None:
    # call_command never applies --settings or --pythonpath; the app's settings hold.
    result = handler({"manage": ["check", "--settings=nowhere.settings"]}, LambdaContext())
    assert result["exitStatus"] == 0, result["output"]


@pytest.mark.parametrize(
    "manage",
    [
        ["flush", "--no-input"],
        ["shell", "--command", "print(1)"],
        [],
        "migrate",
        ["migrate", 1],
        None,
    ],
)
def test_anything_off_the_allow_list_is_refused(
    manage: Any, stored_todos: Callable[..., list[Todo]]
) -> None:
    stored_todos(1)
    result = handler({"manage": manage}, LambdaContext())
    assert result["exitStatus"] == 2
    assert result["output"].startswith("Refused")
    assert TodoModel.objects.count() == 1  # flush did not run


@pytest.mark.parametrize(
    "event",
    [{"manage": ["migrate"], "extra": 1}, {}, {"Records": []}, ["migrate"], "migrate"],
)
def test_an_event_of_no_known_shape_is_refused_without_a_traceback(event: Any) -> None:
    result = handler(event, LambdaContext())
    assert result["exitStatus"] == 2
    assert result["output"].startswith("Refused")


def test_a_request_body_asking_to_manage_is_an_ordinary_request(
    on_lambda: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="config.lambda_handler")
    event = REST_EXECUTE_API.event(
        "POST",
        "/dev/api/todos",
        headers={"Content-Type": "application/json"},
        body='{"manage": ["migrate"]}',
    )
    answer = invoke(event)
    assert answer.status == 422
    handled = [r.getMessage() for r in caplog.records if r.name == "config.lambda_handler"]
    assert handled == ["request"]
