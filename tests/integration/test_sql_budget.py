"""The SQL budget of DESIGN.md beyond each operation's own (test_sql_budget_per_operation.py):
the paths that cost more or less, through the full HTTP stack, signed in: verifying the
access token costs no statement once the key is cached."""

from collections.abc import Callable
from uuid import uuid4

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from todos.domain import Todo

pytestmark = pytest.mark.django_db

StoreTodos = Callable[..., list[Todo]]
JSON = "application/json"


@pytest.fixture
def client(bearer: dict[str, str]) -> Client:
    """A signed-in client; the signing key is already cached, as on a warm instance."""
    return Client(headers=bearer)


def test_a_delete_that_finds_nothing_is_two_statements(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # Finding nothing, it asks whether the user is still active: 401 or 404.
    with django_assert_num_queries(2):
        assert client.delete(f"/api/todos/{uuid4()}").status_code == 404


def test_a_last_list_page_needs_no_count(
    client: Client, stored_todos: StoreTodos, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    stored_todos(5)
    with django_assert_num_queries(1):
        assert client.get("/api/todos", {"limit": 10}).json()["count"] == 5


def test_a_refused_token_costs_no_statement(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/api/todos", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


def test_a_conditional_update_is_two_statements_and_a_conditional_delete_one(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    created = client.post("/api/todos", {"title": "x"}, content_type="application/json")
    location, tag = created["Location"], created["ETag"]
    with django_assert_num_queries(2):
        patched = client.patch(
            location,
            {"completed": True},
            content_type="application/json",
            headers={"If-Match": tag},
        )
    assert patched.status_code == 200
    with django_assert_num_queries(1):
        deleted = client.delete(location, headers={"If-Match": patched["ETag"]})
    assert deleted.status_code == 204


def test_a_get_answered_304_is_one_statement(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    created = client.post("/api/todos", {"title": "x"}, content_type="application/json")
    with django_assert_num_queries(1):
        unchanged = client.get(created["Location"], headers={"If-None-Match": created["ETag"]})
    assert unchanged.status_code == 304


@pytest.mark.postgresql  # elsewhere the key and the todo take a transaction of two statements
def test_a_create_with_a_new_key_is_three_statements_and_a_replay_one(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    keyed = {"Idempotency-Key": "budget-1"}
    with django_assert_num_queries(3):  # look the key up, claim it, store todo and key at once
        created = client.post(
            "/api/todos", {"title": "x"}, content_type="application/json", headers=keyed
        )
    assert created.status_code == 201
    with django_assert_num_queries(1):
        replayed = client.post(
            "/api/todos", {"title": "x"}, content_type="application/json", headers=keyed
        )
    assert replayed["Idempotent-Replayed"] == "true"
