"""The function's own AWS credentials, as the Lambda runtime hands them over.

Lambda passes the execution role's credentials to a function in the environment:
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`. Reading them needs
no botocore. Anything else (a laptop's profile, SSO, an instance role) is left to the
caller, which falls back to botocore's credential chain.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from core.postgresql.iam_token import AwsCredentials


def from_environment(environ: Mapping[str, str] = os.environ) -> AwsCredentials | None:
    """Return the credentials in the environment variables, if there are any."""
    access_key = environ.get("AWS_ACCESS_KEY_ID")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY")
    if not (access_key and secret_key):
        return None
    return AwsCredentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None)
