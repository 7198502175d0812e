"""A connection the server ends between two statements of one operation: the client is
told 503 with Retry-After, and its retry then succeeds (API.md, "Errors")."""

from __future__ import annotations

import pytest

from core.identity.domain import User
from tests.conftest import PASSWORD
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


def test_a_refresh_whose_connection_dropped_succeeds_on_the_retry(user: User) -> None:
    """The old token must not be spent by a refresh that issued nothing: the retry would
    present a spent token, and reuse detection would end the sign-in."""
    tokens = Client().post(
        "/api/auth/token", {"email": user.email, "password": PASSWORD}, content_type=JSON
    )
    body = {"refresh_token": tokens.json()["refresh_token"]}
    with session_ends_on("refresh_tokens", condition=f"NEW.user_id = '{user.id}'"):
        first = Client().post("/api/auth/refresh", body, content_type=JSON)
        assert shots_fired() == 1
        assert (first.status_code, first["Retry-After"]) == (503, "5")
        retry = Client().post("/api/auth/refresh", body, content_type=JSON)
    assert retry.status_code == 200, retry.content
    following = {"refresh_token": retry.json()["refresh_token"]}
    assert Client().post("/api/auth/refresh", following, content_type=JSON).status_code == 200


def test_sign_ins_that_end_in_a_503_count_no_failure(user: User) -> None:
    """Five right passwords answered 503 (their connection dropped after the attempt was
    counted) must not lock the account: only wrong passwords count."""
    body = {"email": user.email, "password": PASSWORD}
    # A right password resets the address's counter; that UPDATE loses its session.
    ended = {"event": "UPDATE", "condition": "NEW.attempts = ''", "times": 5}
    with session_ends_on("sign_in_counters", **ended):
        for _ in range(5):
            answer = Client().post("/api/auth/token", body, content_type=JSON)
            assert answer.status_code == 503, answer.content
        assert shots_fired() == 5
    assert Client().post("/api/auth/token", body, content_type=JSON).status_code == 200
