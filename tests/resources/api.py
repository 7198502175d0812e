"""The HTTP contract of every owned resource, as a base class: a resource's API test
subclasses it with its path and a valid body and change, and runs every case through
Django's URLconf on the in-memory adapters (tests/api/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from django.test import Client

from core.identity.domain import User

JSON = "application/json"


class OwnedApiContract:
    """The cases; a subclass sets `path`, `body` (a valid new one) and `change` (a patch)."""

    path: ClassVar[str]
    body: ClassVar[dict[str, Any]]
    change: ClassVar[dict[str, Any]]

    @pytest.fixture
    def bob_client(
        self, make_user: Callable[..., User], access_token: Callable[[User], str]
    ) -> Client:
        bob = make_user("bob@example.com")
        return Client(headers={"Authorization": f"Bearer {access_token(bob)}"})

    def create(self, client: Client, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return client.post(self.path, body or self.body, content_type=JSON, headers=headers)

    def test_a_created_one_is_found_where_location_says_with_its_etag(self, client: Client) -> None:
        created = self.create(client)
        assert created.status_code == 201
        assert created["ETag"] == '"1"'
        assert created.json().items() >= self.body.items()
        found = client.get(created["Location"])
        assert (found.status_code, found.json(), found["ETag"]) == (200, created.json(), '"1"')

    def test_a_list_is_newest_first_with_the_count_of_all(self, client: Client) -> None:
        ids = {self.create(client).json()["id"] for _ in range(3)}
        everything = client.get(self.path).json()["items"]
        order = [(datetime.fromisoformat(item["created_at"]), item["id"]) for item in everything]
        assert order == sorted(order, reverse=True)  # ties broken by id, so pages are stable
        page = client.get(self.path, {"limit": 2, "offset": 1}).json()
        assert (page["items"], page["count"]) == (everything[1:], 3)
        assert {item["id"] for item in everything} == ids

    def test_another_users_one_answers_exactly_as_a_missing_one(
        self, client: Client, bob_client: Client
    ) -> None:
        annes = self.create(client)["Location"]
        missing = f"{self.path}/{uuid4()}"
        for method, body in (("get", None), ("patch", self.change), ("delete", None)):
            foreign = getattr(bob_client, method)(annes, body, content_type=JSON)
            absent = getattr(bob_client, method)(missing, body, content_type=JSON)
            assert (foreign.status_code, foreign.json()) == (404, absent.json()), method
        assert bob_client.get(self.path).json() == {"items": [], "count": 0}
        assert client.get(annes).status_code == 200

    def test_a_change_moves_the_etag_and_if_match_guards_it(self, client: Client) -> None:
        location = self.create(client)["Location"]
        stale = {"If-Match": '"7"'}
        refused = client.patch(location, self.change, content_type=JSON, headers=stale)
        assert refused.status_code == 412
        changed = client.patch(
            location, self.change, content_type=JSON, headers={"If-Match": '"1"'}
        )
        assert (changed.status_code, changed["ETag"]) == (200, '"2"')
        assert changed.json().items() >= self.change.items()
        unchanged = client.get(location, headers={"If-None-Match": '"2"'})
        assert (unchanged.status_code, unchanged.content) == (304, b"")

    def test_a_delete_is_guarded_by_if_match_and_then_gone(self, client: Client) -> None:
        location = self.create(client)["Location"]
        assert client.delete(location, headers={"If-Match": '"2"'}).status_code == 412
        assert client.delete(location, headers={"If-Match": '"1"'}).status_code == 204
        assert client.get(location).status_code == 404
        assert client.delete(location).status_code == 404

    def test_an_idempotency_key_creates_once_and_refuses_another_body(self, client: Client) -> None:
        first = self.create(client, **{"Idempotency-Key": "k1"})
        again = self.create(client, **{"Idempotency-Key": "k1"})
        assert (first.status_code, again.status_code) == (201, 201)
        assert again["Idempotent-Replayed"] == "true"
        assert (again.json(), again["Location"]) == (first.json(), first["Location"])
        other = {**self.body, **self.change}
        assert self.create(client, other, **{"Idempotency-Key": "k1"}).status_code == 422
        assert client.get(self.path).json()["count"] == 1

    def test_a_patch_must_change_something_and_never_to_null(self, client: Client) -> None:
        location = self.create(client)["Location"]
        field = next(iter(self.change))
        for body in ({}, {field: None}, {"unknown": 1}):
            refused = client.patch(location, json.dumps(body), content_type=JSON)
            assert refused.status_code == 422, body
        assert client.get(location)["ETag"] == '"1"', "a refused patch changed nothing"

    def test_without_an_access_token_every_operation_is_401(self, anonymous: Client) -> None:
        item, body = f"{self.path}/{uuid4()}", json.dumps(self.body)
        answers = [
            anonymous.get(self.path),
            anonymous.post(self.path, body, content_type=JSON),
            anonymous.get(item),
            anonymous.patch(item, body, content_type=JSON),
            anonymous.delete(item),
        ]
        assert [answer.status_code for answer in answers] == [401] * 5
