"""The "Conditional requests" rules of API.md: strong ETags, If-None-Match, If-Match."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client

from core.identity.domain import User
from todos.domain import Todo

TODOS = "/api/todos"
JSON = "application/json"
StoreTodos = Callable[..., list[Todo]]


def patch(client: Client, todo_id: object, body: Any, **headers: str) -> Any:
    return client.patch(f"{TODOS}/{todo_id}", body, content_type=JSON, headers=headers)


def test_get_post_and_patch_answer_a_strong_etag_that_changes_with_the_todo(
    client: Client,
) -> None:
    created = client.post(TODOS, {"title": "Milk"}, content_type=JSON)
    tag = created["ETag"]
    assert tag.startswith('"')
    assert not tag.startswith("W/")
    assert client.get(created["Location"])["ETag"] == tag
    changed = patch(client, created.json()["id"], {"completed": True})
    assert changed["ETag"] != tag
    assert client.get(created["Location"])["ETag"] == changed["ETag"]


def test_every_representation_carries_the_version_its_etag_quotes(client: Client) -> None:
    created = client.post(TODOS, {"title": "Milk"}, content_type=JSON)
    assert created.json()["version"] == 1
    assert created["ETag"] == '"1"'
    changed = patch(client, created.json()["id"], {"completed": True})
    [listed] = client.get(TODOS).json()["items"]
    assert changed.json()["version"] == listed["version"] == 2
    assert client.get(created["Location"])["ETag"] == changed["ETag"] == '"2"'


def test_a_listed_version_is_enough_to_write_with_if_match(client: Client) -> None:
    created = client.post(TODOS, {"title": "Milk"}, content_type=JSON).json()
    [listed] = client.get(TODOS).json()["items"]
    stale = patch(client, created["id"], {"title": "Oat milk"}, **{"If-Match": '"9"'})
    assert stale.status_code == 412
    fresh = patch(
        client, created["id"], {"title": "Oat milk"}, **{"If-Match": f'"{listed["version"]}"'}
    )
    assert fresh.status_code == 200
    assert fresh.json()["version"] == listed["version"] + 1


@pytest.mark.parametrize("condition", ["{etag}", "W/{etag}", '"elsewhere", {etag}', "*"])
def test_if_none_match_naming_the_current_etag_is_304_without_a_body(
    client: Client, stored_todos: StoreTodos, condition: str
) -> None:
    [todo] = stored_todos(1)
    tag = client.get(f"{TODOS}/{todo.id}")["ETag"]
    response = client.get(
        f"{TODOS}/{todo.id}", headers={"If-None-Match": condition.format(etag=tag)}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag


def test_if_none_match_naming_an_old_etag_answers_the_todo(
    client: Client, stored_todos: StoreTodos
) -> None:
    [todo] = stored_todos(1)
    old = client.get(f"{TODOS}/{todo.id}")["ETag"]
    patch(client, todo.id, {"completed": True})
    response = client.get(f"{TODOS}/{todo.id}", headers={"If-None-Match": old})
    assert response.status_code == 200
    assert response.json()["completed"] is True


def test_if_match_with_the_current_etag_writes(client: Client, stored_todos: StoreTodos) -> None:
    [todo] = stored_todos(1)
    tag = client.get(f"{TODOS}/{todo.id}")["ETag"]
    response = patch(client, todo.id, {"title": "New"}, **{"If-Match": tag})
    assert response.status_code == 200
    assert response.json()["title"] == "New"


@pytest.mark.parametrize("stale", ["old", "weak", "other"])
def test_if_match_without_the_current_etag_is_412_and_changes_nothing(
    client: Client, stored_todos: StoreTodos, stale: str
) -> None:
    [todo] = stored_todos(1)
    first = client.get(f"{TODOS}/{todo.id}")["ETag"]
    patch(client, todo.id, {"completed": True})
    current = client.get(f"{TODOS}/{todo.id}")
    condition = {"old": first, "weak": f"W/{current['ETag']}", "other": '"x", "999"'}[stale]
    response = patch(client, todo.id, {"title": "Lost update"}, **{"If-Match": condition})
    assert (response.status_code, response.json()) == (412, {"detail": "Precondition failed"})
    deleted = client.delete(f"{TODOS}/{todo.id}", headers={"If-Match": condition})
    assert (deleted.status_code, deleted.json()) == (412, {"detail": "Precondition failed"})
    assert client.get(f"{TODOS}/{todo.id}").json() == current.json()


def test_if_match_star_matches_any_existing_todo(client: Client, stored_todos: StoreTodos) -> None:
    [todo] = stored_todos(1)
    assert patch(client, todo.id, {"completed": True}, **{"If-Match": "*"}).status_code == 200
    assert client.delete(f"{TODOS}/{todo.id}", headers={"If-Match": "*"}).status_code == 204


def test_one_of_several_etags_matching_is_enough(client: Client, stored_todos: StoreTodos) -> None:
    [todo] = stored_todos(1)
    tag = client.get(f"{TODOS}/{todo.id}")["ETag"]
    response = patch(client, todo.id, {"completed": True}, **{"If-Match": f'"0", {tag}, "x"'})
    assert response.status_code == 200


def test_a_missing_or_foreign_todo_is_404_whatever_if_match_says(
    client: Client, make_user: Callable[..., User], access_token: Callable[[User], str]
) -> None:
    bob = Client(headers={"Authorization": f"Bearer {access_token(make_user('bob@x.com'))}"})
    bobs = bob.post(TODOS, {"title": "Bob's"}, content_type=JSON)
    for todo_id in (uuid4(), bobs.json()["id"]):
        for condition in ("*", '"1"', 'W/"1"'):
            response = patch(client, todo_id, {"completed": True}, **{"If-Match": condition})
            assert (response.status_code, response.json()) == (404, {"detail": "Todo not found"})
            gone = client.delete(f"{TODOS}/{todo_id}", headers={"If-Match": condition})
            assert gone.status_code == 404


def test_without_if_match_a_write_goes_ahead(client: Client, stored_todos: StoreTodos) -> None:
    [todo] = stored_todos(1)
    patch(client, todo.id, {"completed": True})
    assert patch(client, todo.id, {"title": "Still fine"}).status_code == 200


@pytest.mark.parametrize(
    "value",
    ["abc", '"unterminated', 'W/"a" extra', '"a" "b"', 'w/"lowercase w"', ",", "x" * 5000],
)
@pytest.mark.parametrize("header", ["If-Match", "If-None-Match"])
def test_a_malformed_or_oversized_condition_is_400_and_changes_nothing(
    client: Client, stored_todos: StoreTodos, header: str, value: str
) -> None:
    [todo] = stored_todos(1)
    before = client.get(f"{TODOS}/{todo.id}").json()
    method = client.get if header == "If-None-Match" else client.patch
    response = method(
        f"{TODOS}/{todo.id}", {"completed": True}, content_type=JSON, headers={header: value}
    )
    assert response.status_code == 400
    assert header in response.json()["detail"]
    assert client.get(f"{TODOS}/{todo.id}").json() == before
