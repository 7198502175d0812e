"""The kinds of API Gateway endpoint the tests reach the function through, and AWS's events.

Each JSON file beside this module is one `GET .../api/health` event as AWS sends it
through one kind of endpoint; tests/lambda_/test_events.py holds the events the builder
(scripts/apigateway_events.py) makes for that endpoint to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.apigateway_events import Gateway
from tests.lambda_.invoke import CUSTOM_DOMAIN, REGION

EVENTS = Path(__file__).parent
REST_API_ID = "a1b2c3d4e5"
HTTP_API_ID = "f6g7h8i9j0"


def execute_api(api_id: str) -> str:
    """Return the host of an API's execute-api URL in the tests' region."""
    return f"{api_id}.execute-api.{REGION}.amazonaws.com"


REST_EXECUTE_API = Gateway("rest", execute_api(REST_API_ID), "dev", api_id=REST_API_ID)
REST_CUSTOM_DOMAIN_BASE_PATH = Gateway(
    "rest", CUSTOM_DOMAIN, "dev", base_path="/v1", api_id=REST_API_ID
)
REST_CUSTOM_DOMAIN = Gateway("rest", CUSTOM_DOMAIN, "dev", base_path="", api_id=REST_API_ID)
HTTP_API_STAGE = Gateway("http", execute_api(HTTP_API_ID), "dev", api_id=HTTP_API_ID)
HTTP_API_DEFAULT = Gateway(
    "http", execute_api(HTTP_API_ID), "$default", api_id=HTTP_API_ID, proxy_route=False
)
RECORDINGS = {
    REST_EXECUTE_API: "rest_execute_api",
    REST_CUSTOM_DOMAIN_BASE_PATH: "rest_custom_domain_base_path",
    REST_CUSTOM_DOMAIN: "rest_custom_domain",
    HTTP_API_STAGE: "http_api_stage",
    HTTP_API_DEFAULT: "http_api_default",
}
GATEWAYS = tuple(RECORDINGS)


def recording_name(gateway: Gateway) -> str:
    """Return the name of the gateway's recording, which also names it in test ids."""
    return RECORDINGS[gateway]


def recorded(gateway: Gateway) -> dict[str, Any]:
    """Return the recorded `GET .../api/health` event of one of the gateways."""
    event: dict[str, Any] = json.loads((EVENTS / f"{RECORDINGS[gateway]}.json").read_text())
    return event
