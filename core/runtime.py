"""Where the app runs: the one definition of "on AWS Lambda"."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping


def on_lambda(environ: Mapping[str, str] = os.environ) -> bool:
    """Tell whether this process is a Lambda function: the runtime names the function."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def draw_secret_key() -> str:
    """Return a new random SECRET_KEY for this process alone (or this restored instance)."""
    return secrets.token_urlsafe(50)
