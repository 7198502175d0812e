"""Text comes back as text, binary as base64; base64 request bodies are decoded."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from scripts.apigateway_events import BINARY_MEDIA_TYPES, Gateway
from tests.lambda_.invoke import invoke

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/api/todos/not-a-uuid", "application/json"),
        ("/api/docs", "text/html"),
        ("/static/ninja/swagger-ui-bundle.js", "text/javascript"),
        ("/static/ninja/swagger-ui.css", "text/css"),
        ("/static/ninja/favicon.svg", "image/svg+xml"),
    ],
)
def test_text_responses_are_not_base64_encoded(
    gateway: Gateway, path: str, media_type: str
) -> None:
    answer = invoke(gateway.event("GET", gateway.prefix + path))
    assert answer.header("Content-Type").startswith(media_type)
    assert answer.raw["isBase64Encoded"] is False
    assert answer.text()


def test_a_png_is_base64_encoded_and_decodes_to_the_image(gateway: Gateway) -> None:
    answer = invoke(gateway.event("GET", f"{gateway.prefix}/static/ninja/favicon.png"))
    assert answer.status == 200
    assert answer.header("Content-Type") == "image/png"
    assert answer.raw["isBase64Encoded"] is True
    assert base64.b64decode(answer.raw["body"]).startswith(PNG_SIGNATURE)


def sending(gateway: Gateway, *, base64_body: bool) -> tuple[Gateway, str]:
    """Return the gateway and a JSON media type under which a body arrives base64-encoded,
    or as text: a REST API encodes the media types listed as binary (the deployed API,
    `*/*`, lists them all), an HTTP API every type but a few text ones, `+json` included."""
    if gateway.api == "rest":
        binary_media_types = BINARY_MEDIA_TYPES if base64_body else ()
        return replace(gateway, binary_media_types=binary_media_types), "application/json"
    return gateway, "application/vnd.todo+json" if base64_body else "application/json"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("base64_body", [True, False], ids=["base64", "text"])
def test_a_request_body_arrives_whole_however_it_was_encoded(
    gateway: Gateway, base64_body: bool, bearer: dict[str, str]
) -> None:
    title = "Café ☕ for José"
    via, media_type = sending(gateway, base64_body=base64_body)
    event = via.event(
        "POST",
        f"{gateway.prefix}/api/todos",
        headers={"Content-Type": media_type, **bearer},
        body=f'{{"title": "{title}"}}'.encode(),
    )
    assert event["isBase64Encoded"] is base64_body
    created = invoke(event)
    assert created.status == 201
    assert created.json()["title"] == title
