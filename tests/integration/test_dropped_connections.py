"""A connection the server ends between two statements of one operation: the client is
told 503 with Retry-After, and its retry then succeeds (API.md, "Errors")."""

from __future__ import annotations

import pytest

from core.identity.domain import User
from tests.integration.faults import ServerClient as Client
from tests.integration.faults import session_ends_on, shots_fired
from todos.models import IdempotencyKeyModel, TodoModel

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

TODOS = "/api/todos"
JSON = "application/json"


def test_a_keyed_create_whose_connection_dropped_succeeds_on_the_retry(
    user: User, bearer: dict[str, str]
) -> None:
    headers = {**bearer, "Idempotency-Key": "dropped-1"}
    body = '{"title": "Survives a failover"}'
    # The claim commits; the statement that stores the todo loses its session.
    with session_ends_on("todos", condition=f"NEW.owner_id = '{user.id}'"):
        first = Client().post(TODOS, body, content_type=JSON, headers=headers)
        assert shots_fired() == 1
        assert (first.status_code, first["Retry-After"]) == (503, "5")
        assert IdempotencyKeyModel.objects.filter(key="dropped-1", created=None).exists()

        retry = Client().post(TODOS, body, content_type=JSON, headers=headers)
    assert retry.status_code == 201, retry.content
    assert not retry.has_header("Idempotent-Replayed")
    replay = Client().post(TODOS, body, content_type=JSON, headers=headers)
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == retry.json()
    assert TodoModel.objects.filter(owner_id=user.id).count() == 1
