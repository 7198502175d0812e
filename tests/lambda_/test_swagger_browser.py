"""Swagger UI under /dev works in a real browser, through the local API Gateway.

Headless Chromium loads /dev/api/docs from the real Lambda handler, and "Try it out"
creates a todo. Skipped where Debian's chromium and chromium-driver are not installed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from scripts.local_api_gateway import running_gateway
from scripts.swagger_check import chromium_missing, problems, visit_swagger
from todos.models import TodoModel

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # the gateway's thread must see the rows
]


@pytest.fixture
def local_gateway(settings: Settings) -> Iterator[str]:
    """Serve the real handler on the local API Gateway; yield the stage's base URL."""
    if reason := chromium_missing():
        pytest.skip(reason)
    from config.aws_lambda.handler import handler

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    with running_gateway(handler, stage="dev") as base_url:
        yield base_url


def test_swagger_ui_loads_everything_from_the_stage_and_try_it_out_creates_a_todo(
    local_gateway: str,
) -> None:
    visit = visit_swagger(f"{local_gateway}/api/docs")
    assert problems(visit, local_gateway) == []
    assert f"{local_gateway}/api/openapi.json" in [url for _, url in visit.responses]
    assert TodoModel.objects.filter(title="string").count() == 1
