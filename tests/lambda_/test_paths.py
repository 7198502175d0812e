"""URLs the app builds carry the prefix the client used: a stage, a base path, or none."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from pytest_django.fixtures import Settings

from scripts.apigateway_events import Gateway
from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import invoke

JSON = {"Content-Type": "application/json"}
ASSET = re.compile(r"(?:src|href)=\"([^\"]+)\"")


def test_swagger_ui_loads_its_document_and_assets_from_under_the_prefix(
    gateway: Gateway,
) -> None:
    docs = invoke(gateway.event("GET", f"{gateway.prefix}/api/docs"))
    assert docs.status == 200
    html = docs.text()
    assert f'"url": "{gateway.prefix}/api/openapi.json"' in html
    assets = ASSET.findall(html)
    assert any(asset.endswith("/swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith(f"{gateway.prefix}/static/"), asset
        served = invoke(gateway.event("GET", asset))
        assert served.status == 200, asset
        assert served.body, asset


# Outside a test's transaction, requests release their connections as on Lambda.
@pytest.mark.django_db(transaction=True)
def test_try_it_out_calls_documented_paths_and_follows_the_location(
    gateway: Gateway, bearer: dict[str, str]
) -> None:
    document = invoke(gateway.event("GET", f"{gateway.prefix}/api/openapi.json")).json()
    assert all(path.startswith(f"{gateway.prefix}/api/") for path in document["paths"])
    collection = f"{gateway.prefix}/api/todos"
    assert collection in document["paths"]
    signed_in = {**JSON, **bearer}
    created = invoke(gateway.event("POST", collection, headers=signed_in, body='{"title": "Milk"}'))
    assert created.status == 201
    location = created.header("Location")
    assert location == f"{gateway.prefix}/api/todos/{created.json()['id']}"
    fetched = invoke(gateway.event("GET", location, headers=bearer))
    assert fetched.status == 200
    assert fetched.json()["title"] == "Milk"


def test_a_stage_named_like_the_first_segment_of_a_path_is_still_a_prefix(
    on_lambda: Settings,
) -> None:
    api_stage = replace(REST_EXECUTE_API, stage="api")
    document = invoke(api_stage.event("GET", "/api/api/openapi.json"))
    assert document.status == 200
    assert "/api/api/todos" in document.json()["paths"]


@pytest.mark.django_db
def test_local_requests_after_a_prefixed_one_keep_unprefixed_urls(
    on_lambda: Settings, bearer: dict[str, str]
) -> None:
    on_lambda.ALLOWED_HOSTS = [*on_lambda.ALLOWED_HOSTS, "testserver"]
    assert "/dev/static/" in invoke(REST_EXECUTE_API.event("GET", "/dev/api/docs")).text()
    client = Client()
    for html in (
        client.get("/api/docs").content.decode(),
        async_to_sync(AsyncClient().get)("/api/docs").content.decode(),
    ):
        assert '"url": "/api/openapi.json"' in html
        assert all(asset.startswith("/static/") for asset in ASSET.findall(html))
    assert all(path.startswith("/api/") for path in client.get("/api/openapi.json").json()["paths"])
    created = client.post(
        "/api/todos", {"title": "Milk"}, content_type="application/json", headers=bearer
    )
    assert created["Location"] == f"/api/todos/{created.json()['id']}"
