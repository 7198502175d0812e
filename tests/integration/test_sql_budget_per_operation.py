"""Every operation of the OpenAPI document has a SQL budget, measured here through the full
HTTP stack: each owned resource's five by the shared budget below, the others by name.
An operation the document gains without a budget fails, named."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import PASSWORD
from tests.resources.openapi import Collection, collections, operations, served

pytestmark = pytest.mark.django_db

DOCUMENT = served()
JSON = "application/json"
# DESIGN.md, "SQL budget": get, create and delete one statement each; an update a read and
# a conditional write; a list one, even for a full page, whose rows carry the total
# (core/resources/orm.py; only a page past the end counts apart).
RESOURCE = {"list": 1, "create": 1, "get": 1, "update": 2, "delete": 1}
# An operation that sends more than its resource's budget, by id, and why. A resource that
# others point at (todos in a project) deletes through Django's collector, which reads the
# row, updates or deletes the rows pointing at it, then deletes it, in a transaction.
OVERRIDES: dict[str, int] = {}
AUTH = "/api/auth"
Prepared = Callable[[], Any]


def sign_in(client: Client) -> Any:
    """Sign `user` in."""
    return client.post(f"{AUTH}/token", {"email": "ann@example.com", "password": PASSWORD}, JSON)


def refresh(client: Client, bearer: dict[str, str]) -> Prepared:
    token = sign_in(client).json()["refresh_token"]
    return lambda: client.post(f"{AUTH}/refresh", {"refresh_token": token}, JSON)


def logout(client: Client, bearer: dict[str, str]) -> Prepared:
    token = sign_in(client).json()["refresh_token"]
    return lambda: client.post(f"{AUTH}/logout", {"refresh_token": token}, JSON)


def change_password(client: Client, bearer: dict[str, str]) -> Prepared:
    body = {"current_password": PASSWORD, "new_password": f"new {PASSWORD}"}
    return lambda: client.post(f"{AUTH}/password", body, JSON, headers=bearer)


# The operations of no owned resource, each prepared (unmeasured) for `user`, signed in
# with its signing key cached, as on a warm instance; docs/sql-statements.md says why.
OTHERS: dict[str, tuple[int, Callable[[Client, dict[str, str]], Prepared]]] = {
    "get_health": (1, lambda client, bearer: lambda: client.get("/api/health")),
    "register": (
        1,
        lambda client, bearer: (
            lambda: client.post(
                f"{AUTH}/register", {"email": "new@example.com", "password": PASSWORD}, JSON
            )
        ),
    ),
    "create_token": (11, lambda client, bearer: lambda: sign_in(client)),
    "refresh_token": (2, refresh),
    "logout": (2, logout),
    "get_me": (1, lambda client, bearer: lambda: client.get(f"{AUTH}/me", headers=bearer)),
    "change_password": (12, change_password),
}


def measure(request: Callable[[], Any]) -> tuple[int, Any]:
    """Send a request; return how many statements it sent, and its answer."""
    with CaptureQueriesContext(connection) as statements:
        answer = request()
    return len(statements), answer


def test_every_operation_has_a_budget() -> None:
    budgeted = set(OTHERS) | {
        op for resource in collections(DOCUMENT) for op in resource.operation_ids.values()
    }
    ids = {operation["operationId"] for operation in operations(DOCUMENT).values()}
    assert not ids - budgeted, f"operations without a SQL budget: {sorted(ids - budgeted)}"


@pytest.mark.parametrize("resource", collections(DOCUMENT), ids=lambda r: r.path)
def test_each_resource_operation_keeps_its_budget(
    resource: Collection, bearer: dict[str, str]
) -> None:
    client = Client(headers=bearer)
    budget = {
        verb: OVERRIDES.get(op, RESOURCE[verb]) for verb, op in resource.operation_ids.items()
    }
    for _ in range(3):  # a full page, so that the list needs its count
        client.post(resource.path, resource.body, JSON)
    sent = {}
    sent["create"], created = measure(lambda: client.post(resource.path, resource.body, JSON))
    location = created["Location"]
    sent["list"], listed = measure(lambda: client.get(resource.path, {"limit": 2}))
    sent["get"], found = measure(lambda: client.get(location))
    sent["update"], changed = measure(lambda: client.patch(location, resource.change, JSON))
    sent["delete"], deleted = measure(lambda: client.delete(location))
    answers = [created, listed, found, changed, deleted]
    assert [a.status_code for a in answers] == [201, 200, 200, 200, 204]
    assert sent == budget


@pytest.mark.parametrize("operation_id", sorted(OTHERS))
def test_each_other_operation_keeps_its_budget(operation_id: str, bearer: dict[str, str]) -> None:
    budget, prepare = OTHERS[operation_id]
    sent, answer = measure(prepare(Client(), bearer))
    assert answer.status_code < 300, answer.content
    assert sent == budget, operation_id
