"""Text comes back as text, binary as base64; base64 request bodies are decoded."""

from __future__ import annotations

import base64

import pytest

from tests.lambda_.events import Gateway
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


# With binary media types `*/*`, API Gateway hands every request body over in base64.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("base64_body", [True, False], ids=["base64", "text"])
def test_a_request_body_arrives_whole_however_it_was_encoded(
    gateway: Gateway, base64_body: bool
) -> None:
    title = "Café ☕ for José"
    event = gateway.event(
        "POST",
        f"{gateway.prefix}/api/todos",
        headers={"Content-Type": "application/json"},
        body=f'{{"title": "{title}"}}'.encode(),
        base64_body=base64_body,
    )
    assert event["isBase64Encoded"] is base64_body
    created = invoke(event)
    assert created.status == 201
    assert created.json()["title"] == title
