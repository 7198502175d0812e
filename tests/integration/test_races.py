"""Conditional writes and idempotent creates on PostgreSQL, with real threads: of two
writers with the same If-Match exactly one wins; four creates with one key make one todo."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.identity.domain import User
from core.identity.models import UserModel
from tests.integration.threads import at_once
from todos.models import TodoModel

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

TODOS = "/api/todos"
JSON = "application/json"


def test_two_patches_with_the_same_if_match_one_wins_and_one_gets_412(
    bearer: dict[str, str],
) -> None:
    client = Client(headers=bearer)
    location = client.post(TODOS, {"title": "Shared"}, content_type=JSON)["Location"]
    for _ in range(5):  # a few rounds, each from a fresh version
        headers = {**bearer, "If-Match": client.get(location)["ETag"]}

        def patch(n: int, headers: dict[str, str] = headers) -> tuple[int, str]:
            body = {"title": f"Writer {n}"}
            answer = Client().patch(location, body, content_type=JSON, headers=headers)
            return answer.status_code, answer.json().get("title", "")

        outcomes = sorted(at_once(patch, threads=2))
        assert [status for status, _ in outcomes] == [200, 412]
        assert client.get(location).json()["title"] == outcomes[0][1]  # the winner's title


def test_two_deletes_with_the_same_if_match_delete_once(bearer: dict[str, str]) -> None:
    client = Client(headers=bearer)
    created = client.post(TODOS, {"title": "Shared"}, content_type=JSON)
    headers = {**bearer, "If-Match": created["ETag"]}
    outcomes = at_once(
        lambda n: Client().delete(created["Location"], headers=headers).status_code, threads=2
    )
    assert sorted(outcomes) == [204, 404]  # the second finds it gone


def test_four_creates_with_one_key_make_one_todo(bearer: dict[str, str]) -> None:
    headers = {**bearer, "Idempotency-Key": "race-1"}

    def create(n: int) -> tuple[int, str | None, dict[str, Any]]:
        response = Client().post(TODOS, '{"title": "Once"}', content_type=JSON, headers=headers)
        return response.status_code, response.get("Idempotent-Replayed"), response.json()

    outcomes = at_once(create, threads=4)
    assert TodoModel.objects.filter(title="Once").count() == 1
    created = [body for status, replayed, body in outcomes if status == 201 and not replayed]
    assert len(created) == 1
    for status, replayed, body in outcomes:
        assert (status, replayed) in {(201, None), (201, "true"), (409, None)}, body
        if status == 201:
            assert body == created[0]
    again = Client().post(TODOS, '{"title": "Once"}', content_type=JSON, headers=headers)
    assert (again["Idempotent-Replayed"], again.json()) == ("true", created[0])


def test_a_deleted_users_token_creates_nothing_even_with_a_key(
    bearer: dict[str, str], user: User
) -> None:
    UserModel.objects.filter(pk=user.id).delete()
    headers = {**bearer, "Idempotency-Key": "after-deletion"}
    for _ in range(2):
        answer = Client().post(TODOS, '{"title": "Ghost"}', content_type=JSON, headers=headers)
        assert answer.status_code == 401
    assert not TodoModel.objects.exists()
