"""Invoke the real Lambda handler as the Lambda runtime does, and read its answer."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection

from config.aws_lambda.handler import handler
from scripts.apigateway_events import LambdaContext

REPOSITORY = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
CUSTOM_DOMAIN = "api.example.com"
_PRINT_SETTINGS = (
    "import json, config.settings as s; "
    "print(json.dumps({'ALLOWED_HOSTS': s.ALLOWED_HOSTS, 'LOG_FORMAT': s.LOG_FORMAT, "
    "'SECRET_KEY': s.SECRET_KEY, 'CORS_ALLOWED_ORIGINS': s.CORS_ALLOWED_ORIGINS}))"
)


def settings_on_lambda(**env: str) -> dict[str, Any]:
    """Import the settings in a fresh interpreter with the Lambda runtime's environment."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ALLOWED_HOSTS", "LOG_FORMAT", "DEBUG", "SECRET_KEY"}
        and not key.startswith("AWS_")
    }
    lambda_env = {"AWS_LAMBDA_FUNCTION_NAME": "todo-api-dev", "AWS_REGION": REGION}
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", _PRINT_SETTINGS],
        cwd=REPOSITORY,
        env={**clean, "ENV_FILE": os.devnull, **lambda_env, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    printed: dict[str, Any] = json.loads(result.stdout)
    return printed


@dataclass(frozen=True)
class Answer:
    """The handler's answer to an API Gateway event."""

    raw: dict[str, Any]

    @property
    def status(self) -> int:
        status: int = self.raw["statusCode"]
        return status

    @property
    def body(self) -> bytes:
        """Return the body as the client receives it once API Gateway has decoded it."""
        text: str = self.raw.get("body", "")
        return base64.b64decode(text) if self.raw["isBase64Encoded"] else text.encode()

    def text(self) -> str:
        assert not self.raw["isBase64Encoded"], "a text response came base64-encoded"
        text: str = self.raw["body"]
        return text

    def json(self) -> Any:
        return json.loads(self.text())

    def header(self, name: str) -> str | None:
        """Return a response header; repeated ones joined, as a client would see them."""
        values = self.headers(name)
        return ", ".join(values) if values else None

    def headers(self, name: str) -> list[str]:
        """Return every value of a response header, from `headers` and `multiValueHeaders`."""
        values: list[str] = []
        for key, value in (self.raw.get("headers") or {}).items():
            if key.lower() == name.lower():
                values.append(value)
        for key, many in (self.raw.get("multiValueHeaders") or {}).items():
            if key.lower() == name.lower():
                values.extend(many)
        return values


def invoke(event: dict[str, Any], context: LambdaContext | None = None) -> Answer:
    """Run one invocation of the handler with an API Gateway event.

    The handler serves on this thread, with this thread's database connection. Inside a
    test's transaction, that is the test's: as Django's test client does, the request
    then leaves it open at its start and end, where closing it would break the test's
    transaction. Outside one (transactional tests), the request closes or returns it as
    on Lambda.
    """
    if not connection.in_atomic_block:
        return Answer(handler(event, context or LambdaContext()))
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return Answer(handler(event, context or LambdaContext()))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
