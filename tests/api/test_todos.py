"""Every Todo row of API.md, through Django's URLconf, middleware and error handlers."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.test import Client

from todos.domain import Todo

TODOS = "/api/todos"
StoreTodos = Callable[..., list[Todo]]


def post_json(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def patch_json(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, body, content_type="application/json")


def error_locations(response: Any) -> list[list[str | int]]:
    return [issue["loc"] for issue in response.json()["detail"]]


# --- GET /api/todos -------------------------------------------------------------------


def test_list_answers_a_page_of_items_and_a_count(client: Client, stored_todos: StoreTodos) -> None:
    todos = stored_todos(3)
    response = client.get(TODOS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 3
    assert [item["id"] for item in body["items"]] == [str(t.id) for t in reversed(todos)]


def test_list_serialises_todos_with_every_field_in_utc(
    client: Client, stored_todos: StoreTodos
) -> None:
    [todo] = stored_todos(1)
    [item] = client.get(TODOS).json()["items"]
    assert set(item) == {"id", "title", "completed", "created_at", "updated_at", "version"}
    assert (item["id"], item["title"], item["completed"]) == (str(todo.id), todo.title, False)
    assert datetime.fromisoformat(item["created_at"]) == todo.created_at
    assert item["created_at"].endswith("Z")


def test_list_defaults_to_100_items(client: Client, stored_todos: StoreTodos) -> None:
    stored_todos(101)
    body = client.get(TODOS).json()
    assert (len(body["items"]), body["count"]) == (100, 101)


def test_list_pages_with_limit_and_offset(client: Client, stored_todos: StoreTodos) -> None:
    todos = stored_todos(5)
    body = client.get(TODOS, {"limit": 2, "offset": 2}).json()
    assert [item["id"] for item in body["items"]] == [str(todos[2].id), str(todos[1].id)]
    assert body["count"] == 5


def test_list_filters_on_completed(client: Client, stored_todos: StoreTodos) -> None:
    [done] = stored_todos(1, completed=True)
    open_ = stored_todos(2)
    body = client.get(TODOS, {"completed": "true"}).json()
    assert [item["id"] for item in body["items"]] == [str(done.id)]
    assert body["count"] == 1
    body = client.get(TODOS, {"completed": "false"}).json()
    assert [item["id"] for item in body["items"]] == [str(t.id) for t in reversed(open_)]
    assert body["count"] == 2


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 1001}, ["query", "limit"]),
        ({"limit": "ten"}, ["query", "limit"]),
        ({"offset": -1}, ["query", "offset"]),
        ({"offset": 2**63}, ["query", "offset"]),
        ({"completed": "maybe"}, ["query", "completed"]),
    ],
)
def test_list_rejects_a_bad_query_parameter(
    client: Client, query: dict[str, Any], location: list[str]
) -> None:
    response = client.get(TODOS, query)
    assert response.status_code == 422
    assert error_locations(response) == [location]


def test_list_accepts_the_largest_page(client: Client) -> None:
    assert client.get(TODOS, {"limit": 1000}).status_code == 200


# --- POST /api/todos ------------------------------------------------------------------


def test_create_answers_201_with_the_todo_and_its_location(client: Client) -> None:
    response = post_json(client, TODOS, {"title": "Buy milk"})
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["completed"]) == ("Buy milk", False)
    assert body["created_at"] == body["updated_at"]
    assert response["Location"] == f"{TODOS}/{UUID(body['id'])}"
    assert client.get(response["Location"]).json() == body


def test_create_trims_the_title_and_accepts_completed(client: Client) -> None:
    body = post_json(client, TODOS, {"title": "  Buy milk \t", "completed": True}).json()
    assert (body["title"], body["completed"]) == ("Buy milk", True)


@pytest.mark.parametrize(
    ("payload", "location"),
    [
        ({}, ["body", "payload", "title"]),
        ({"title": ""}, ["body", "payload", "title"]),
        ({"title": "   "}, ["body", "payload", "title"]),
        ({"title": "x" * 256}, ["body", "payload", "title"]),
        ({"title": "a\x00b"}, ["body", "payload", "title"]),
        ({"title": 42}, ["body", "payload", "title"]),
        ({"title": None}, ["body", "payload", "title"]),
        ({"title": "ok", "completed": "very"}, ["body", "payload", "completed"]),
        ({"title": "ok", "owner": "me"}, ["body", "payload", "owner"]),
        (["Buy milk"], ["body", "payload"]),
    ],
)
def test_create_rejects_a_missing_invalid_or_unknown_field(
    client: Client, payload: Any, location: list[str]
) -> None:
    response = post_json(client, TODOS, payload)
    assert response.status_code == 422
    assert error_locations(response) == [location]
    assert client.get(TODOS).json()["count"] == 0


def test_create_accepts_a_title_of_255_characters_plus_surrounding_space(client: Client) -> None:
    response = post_json(client, TODOS, {"title": " " + "x" * 255 + "\n"})
    assert response.status_code == 201
    assert response.json()["title"] == "x" * 255


def test_create_keeps_any_unicode_title(client: Client) -> None:
    title = "Café ☕ 買い物 🥛"
    assert post_json(client, TODOS, {"title": title}).json()["title"] == title


def test_create_rejects_a_title_that_is_not_text(client: Client) -> None:
    # A JSON escape can smuggle in an unpaired surrogate, which no database can store.
    response = client.post(TODOS, '{"title": "a\\ud800b"}', content_type="application/json")
    assert response.status_code == 422
    assert error_locations(response) == [["body", "payload", "title"]]


# --- GET /api/todos/{id} --------------------------------------------------------------


def test_get_answers_the_todo(client: Client, stored_todos: StoreTodos) -> None:
    [todo] = stored_todos(1)
    response = client.get(f"{TODOS}/{todo.id}")
    assert response.status_code == 200
    assert response.json()["id"] == str(todo.id)


def test_get_of_an_unknown_id_is_404(client: Client) -> None:
    response = client.get(f"{TODOS}/{uuid4()}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Todo not found"}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_id_that_is_not_a_uuid_is_422(client: Client, method: str) -> None:
    response = getattr(client, method)(
        f"{TODOS}/not-a-uuid", {"completed": True}, content_type="application/json"
    )
    assert response.status_code == 422
    assert error_locations(response) == [["path", "todo_id"]]


# --- PATCH /api/todos/{id} ------------------------------------------------------------


def test_patch_changes_only_the_given_field(client: Client, stored_todos: StoreTodos) -> None:
    [todo] = stored_todos(1, title="Buy milk")
    response = patch_json(client, f"{TODOS}/{todo.id}", {"completed": True})
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["completed"]) == ("Buy milk", True)
    assert client.get(f"{TODOS}/{todo.id}").json() == body


def test_patch_keeps_created_at_and_moves_updated_at(
    client: Client, stored_todos: StoreTodos
) -> None:
    [todo] = stored_todos(1)
    body = patch_json(client, f"{TODOS}/{todo.id}", {"title": "  Renamed  "}).json()
    assert body["title"] == "Renamed"
    assert datetime.fromisoformat(body["created_at"]) == todo.created_at
    assert datetime.fromisoformat(body["updated_at"]) > todo.updated_at


def test_patch_moves_updated_at_every_time_even_in_quick_succession(
    client: Client, stored_todos: StoreTodos
) -> None:
    [todo] = stored_todos(1)
    stamps = [
        patch_json(client, f"{TODOS}/{todo.id}", {"completed": n % 2 == 0}).json()["updated_at"]
        for n in range(20)
    ]
    moments = [datetime.fromisoformat(stamp) for stamp in stamps]
    assert moments == sorted(set(moments)), "every update shows a later updated_at"


def test_patch_of_an_unknown_id_is_404(client: Client) -> None:
    response = patch_json(client, f"{TODOS}/{uuid4()}", {"completed": True})
    assert response.status_code == 404
    assert response.json() == {"detail": "Todo not found"}


@pytest.mark.parametrize(
    ("payload", "location"),
    [
        ({}, ["body", "payload"]),
        ({"title": "   "}, ["body", "payload", "title"]),
        ({"title": None}, ["body", "payload", "title"]),
        ({"completed": None}, ["body", "payload", "completed"]),
        ({"completed": "yes please"}, ["body", "payload", "completed"]),
        ({"id": str(uuid4())}, ["body", "payload", "id"]),
    ],
)
def test_patch_rejects_an_invalid_or_unknown_field_and_changes_nothing(
    client: Client, stored_todos: StoreTodos, payload: dict[str, Any], location: list[str]
) -> None:
    [todo] = stored_todos(1)
    before = client.get(f"{TODOS}/{todo.id}").json()
    response = patch_json(client, f"{TODOS}/{todo.id}", payload)
    assert response.status_code == 422
    assert error_locations(response) == [location]
    assert client.get(f"{TODOS}/{todo.id}").json() == before


# --- DELETE /api/todos/{id} -----------------------------------------------------------


def test_delete_answers_204_with_an_empty_body(client: Client, stored_todos: StoreTodos) -> None:
    [todo] = stored_todos(1)
    response = client.delete(f"{TODOS}/{todo.id}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"{TODOS}/{todo.id}").status_code == 404


def test_delete_of_an_unknown_id_is_404(client: Client) -> None:
    response = client.delete(f"{TODOS}/{uuid4()}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Todo not found"}
