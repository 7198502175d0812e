"""The "Idempotent creates" rules of API.md: Idempotency-Key on POST /api/todos."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client

from config.composition import Adapters
from core.idempotency import fingerprint
from core.identity.domain import User
from todos.ports import Claim

TODOS = "/api/todos"
JSON = "application/json"


def post(client: Client, body: str, key: str | None = "key-1", **headers: str) -> Any:
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(TODOS, body, content_type=JSON, headers=headers)


def count(client: Client) -> int:
    return int(client.get(TODOS).json()["count"])


def test_a_repeat_gets_the_first_answer_back_and_creates_nothing(client: Client) -> None:
    first = post(client, '{"title": "Milk"}')
    again = post(client, '{"title": "Milk"}')
    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (again["Location"], again["ETag"]) == (first["Location"], first["ETag"])
    assert count(client) == 1


def test_key_order_and_white_space_do_not_make_another_request(client: Client) -> None:
    post(client, '{"title": "Milk", "completed": true}')
    again = post(client, '{ "completed" : true ,\n "title":"Milk" }')
    assert again["Idempotent-Replayed"] == "true"
    assert count(client) == 1


def test_the_same_key_with_another_body_is_422(client: Client) -> None:
    post(client, '{"title": "Milk"}')
    other = post(client, '{"title": "Bread"}')
    assert other.status_code == 422
    assert other.json() == {"detail": "Idempotency-Key reused with a different request body"}
    assert count(client) == 1


def test_a_quoted_key_is_the_same_key_as_the_bare_one(client: Client) -> None:
    post(client, '{"title": "Milk"}', key="abc")
    assert post(client, '{"title": "Milk"}', key='"abc"')["Idempotent-Replayed"] == "true"
    assert post(client, '{"title": "Milk"}', key='"a\\"b"').status_code == 201  # key a"b
    assert post(client, '{"title": "Milk"}', key='"a\\"b"')["Idempotent-Replayed"] == "true"
    assert count(client) == 2


@pytest.mark.parametrize(
    "key",
    ["", '""', " ", "x" * 256, '"' + "x" * 256 + '"', "ключ", "a b", 'a"b', '"abc', '"a\\nb"'],
)
def test_a_malformed_key_is_400_and_creates_nothing(client: Client, key: str) -> None:
    response = post(client, '{"title": "Milk"}', key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert count(client) == 0


def test_a_key_of_255_characters_is_accepted(client: Client) -> None:
    assert post(client, '{"title": "Milk"}', key="k" * 255).status_code == 201


def test_a_request_that_failed_can_be_retried_with_its_key(client: Client) -> None:
    assert post(client, '{"title": "   "}').status_code == 422
    retried = post(client, '{"title": "Milk"}')
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried


def test_keys_belong_to_the_user(
    client: Client, make_user: Callable[..., User], access_token: Callable[[User], str]
) -> None:
    bob = Client(headers={"Authorization": f"Bearer {access_token(make_user('bob@x.com'))}"})
    annes = post(client, '{"title": "Milk"}')
    bobs = post(bob, '{"title": "Milk"}')
    assert "Idempotent-Replayed" not in bobs
    assert bobs.json()["id"] != annes.json()["id"]


def test_a_repeat_while_the_first_is_in_flight_is_409(
    client: Client, in_memory: Adapters, user: User
) -> None:
    now = datetime.now(UTC)
    body = b'{"title": "Milk"}'
    first = Claim(
        user.id, "key-1", fingerprint(body), created_at=now, claimed_at=now, token=uuid4()
    )
    assert in_memory.create_requests.claim(first, replacing=None)
    response = post(client, body.decode())
    assert response.status_code == 409
    assert response.json() == {
        "detail": "A request with this Idempotency-Key is still being processed"
    }
    assert post(client, '{"title": "Bread"}').status_code == 422
    assert count(client) == 0


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_key_on_another_method_is_ignored(
    client: Client, method: str, stored_todos: Callable[..., list[Any]]
) -> None:
    [todo] = stored_todos(1)
    path = f"{TODOS}/{todo.id}"
    body = {"completed": True} if method == "patch" else None
    answers = [
        getattr(client, method)(path, body, content_type=JSON, headers={"Idempotency-Key": "k"})
        for _ in range(2)
    ]
    assert answers[0].status_code in (200, 204)
    assert "Idempotent-Replayed" not in answers[0]
    assert "Idempotent-Replayed" not in answers[1]


def test_a_deactivated_users_key_replays_nothing(
    client: Client, in_memory: Adapters, user: User
) -> None:
    assert post(client, '{"title": "Milk"}').status_code == 201
    in_memory.users.deactivate(user.id)
    for body in ('{"title": "Milk"}', '{"title": "Bread"}'):
        response = post(client, body)
        assert response.status_code == 401
        assert "Idempotent-Replayed" not in response
