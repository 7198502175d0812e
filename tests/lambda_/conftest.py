"""Fixtures for the Lambda tests: settings as a function sees them, gateways, JSON logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from core.logging import JsonFormatter
from scripts.apigateway_events import Gateway
from tests.lambda_.events import GATEWAYS, recording_name
from tests.lambda_.invoke import CUSTOM_DOMAIN, settings_on_lambda


@pytest.fixture(scope="session")
def lambda_defaults() -> dict[str, Any]:
    """Return the settings a function derives when the environment sets none of them."""
    return settings_on_lambda()


@pytest.fixture
def on_lambda(settings: Settings, lambda_defaults: dict[str, Any]) -> Settings:
    """Admit the hosts a deployed function admits: its own default, plus a custom domain."""
    settings.ALLOWED_HOSTS = [*lambda_defaults["ALLOWED_HOSTS"], CUSTOM_DOMAIN]
    return settings


@pytest.fixture(params=GATEWAYS, ids=recording_name)
def gateway(request: pytest.FixtureRequest, on_lambda: Settings) -> Gateway:
    """Each kind of API Gateway endpoint in turn."""
    chosen: Gateway = request.param
    return chosen


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Capture what the function logs, formatted as on Lambda; return a reader of the lines.

    LOGGING is configured once, when the settings are imported, so the JSON formatter is
    attached here rather than chosen through LOG_FORMAT.
    """
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(capture)
        root.setLevel(level)


@pytest.fixture(autouse=True)
def shared_sqlite_database(request: pytest.FixtureRequest) -> None:
    """On SQLite, let the handler use the test database.

    Django's test runner keeps one in-memory SQLite connection open, so the handler finds
    it open and checks it at request_started, which pytest-django allows only to a test
    that may use the database; on PostgreSQL, this thread's connection is opened only by
    a test that needs data, which asks for the database itself.
    """
    if connection.vendor == "sqlite":
        request.getfixturevalue("db")
