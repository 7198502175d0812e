"""Where the app runs: the one definition of "on AWS Lambda"."""

from __future__ import annotations

import os
from collections.abc import Mapping


def on_lambda(environ: Mapping[str, str] = os.environ) -> bool:
    """Tell whether this process is a Lambda function: the runtime names the function."""
    return bool(environ.get("AWS_LAMBDA_FUNCTION_NAME"))
