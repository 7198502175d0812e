"""Swagger UI under /dev works in a real browser, through the local API Gateway.

Headless Chromium loads /dev/api/docs from the real Lambda handler, signs in with "Try it
out", authorizes with the access token, lists todos (200) and creates one. Skipped where
Debian's chromium and chromium-driver are not installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from core.identity.domain import User
from scripts.local_api_gateway import running_gateway
from scripts.swagger_check import chromium_missing, problems, visit_swagger
from tests.conftest import PASSWORD
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


def test_swagger_ui_signs_in_authorizes_and_tries_out_the_todos_under_the_stage(
    local_gateway: str, user: User
) -> None:
    visit = visit_swagger(f"{local_gateway}/api/docs", email=user.email, password=PASSWORD)
    assert problems(visit, local_gateway) == []
    assert f"{local_gateway}/api/openapi.json" in [url for _, url in visit.responses]
    assert visit.exchange("list_todos").request_url.startswith(f"{local_gateway}/api/todos?")
    assert json.loads(visit.exchange("list_todos").body)["count"] == 0
    assert TodoModel.objects.filter(title="string", owner_id=user.id).count() == 1
