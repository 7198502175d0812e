"""docs/openapi.json is the document the app serves: clients are generated from it, and a
change to the API shows in review as a change to it (`make openapi` rewrites it)."""

import json
from pathlib import Path

from django.test import Client

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_the_committed_openapi_snapshot_is_the_document_the_app_serves() -> None:
    served = Client().get("/api/openapi.json").json()
    committed = json.loads(SNAPSHOT.read_text())
    assert served["paths"], "the app served an OpenAPI document without operations"
    assert served == committed, "docs/openapi.json is stale: run `make openapi`"
