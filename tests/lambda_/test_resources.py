"""Every owned resource of the OpenAPI document (todos, and each generated one) through
the real handler, under each gateway's prefix (`/dev` on a REST API), on the database."""

from __future__ import annotations

import json

import pytest

from scripts.apigateway_events import Gateway
from tests.lambda_.invoke import invoke
from tests.resources.openapi import Collection, collections, served

JSON = {"Content-Type": "application/json"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", collections(served()), ids=lambda r: r.path)
def test_each_resource_is_created_read_changed_listed_and_deleted_through_the_handler(
    gateway: Gateway, resource: Collection, bearer: dict[str, str]
) -> None:
    prefix, signed_in = gateway.prefix, {**JSON, **bearer}
    collection = f"{prefix}{resource.path}"
    created = invoke(
        gateway.event("POST", collection, headers=signed_in, body=json.dumps(resource.body))
    )
    assert created.status == 201, created.body
    location = created.header("Location")
    assert location is not None
    assert location.startswith(collection), "the Location must carry the stage prefix"
    item = gateway.event("PATCH", location, headers=signed_in, body=json.dumps(resource.change))
    changed = invoke(item)
    assert (changed.status, changed.header("ETag")) == (200, '"2"')
    listed = invoke(gateway.event("GET", collection, headers=bearer)).json()
    assert [entry["id"] for entry in listed["items"]] == [created.json()["id"]]
    assert invoke(gateway.event("DELETE", location, headers=bearer)).status == 204
    assert invoke(gateway.event("GET", location, headers=bearer)).status == 404
