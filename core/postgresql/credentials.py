"""Database credentials from AWS: IAM authentication tokens and the master secret.

A token is signed here, with the function's own credentials from its environment
(core/postgresql/aws_credentials.py), and without botocore, whose import and client
would cost a function's first connection 0.15 to 0.3 s. botocore loads only to read the
master secret (an operator's run) or, where the environment holds no credentials (a
laptop with a profile), to find them; the Lambda runtime provides it and the bundle does
not ship it. Nothing here reaches the network except reading the secret and, on a
function with SnapStart, the runtime's local credentials endpoint.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from functools import cache
from typing import Any, Self

import psycopg

from core.postgresql.aws_credentials import from_container, from_environment
from core.postgresql.iam_token import AwsCredentials, rds_auth_token

logger = logging.getLogger(__name__)
_lock = threading.Lock()


@cache
def aws_client(service: str, region: str | None) -> Any:
    """Return this process's botocore client for `service` in `region`."""
    with _lock:  # botocore sessions are not thread-safe; their clients are
        return _session().create_client(service, region_name=region)


@cache
def _session() -> Any:
    import botocore.session  # the runtime's copy, loaded only when first needed

    return botocore.session.get_session()


def iam_auth_token(*, host: str, port: int, user: str, region: str) -> str:
    """Sign a fresh RDS IAM authentication token, the password of one new connection.

    A token is valid for 15 minutes, but only while a connection opens: an open
    connection outlives it.

    :raises core.postgresql.aws_credentials.CredentialsUnavailable: when the SnapStart
        credentials endpoint cannot be read.
    """
    credentials = aws_credentials()
    token = rds_auth_token(
        credentials, host=host, port=port, user=user, region=region, now=datetime.now(UTC)
    )
    logger.debug("IAM token signed", extra={"dbUser": user, "credentials": credentials.source})
    return token


def aws_credentials() -> AwsCredentials:
    """Return this process's AWS credentials: the environment's, the SnapStart endpoint's,
    or whatever botocore's chain finds (a profile, SSO, an instance role).

    :raises RuntimeError: when there are none.
    """
    found = from_environment() or from_container()
    if found is not None:
        return found
    # Not on Lambda: a profile or SSO, which only botocore's chain knows how to read.
    botocore_credentials = _session().get_credentials()
    if botocore_credentials is None:
        raise RuntimeError("No AWS credentials to sign an IAM database token with")
    frozen = botocore_credentials.get_frozen_credentials()
    return AwsCredentials(frozen.access_key, frozen.secret_key, frozen.token, "botocore")


def with_iam_token(params: dict[str, Any], region: str) -> dict[str, Any]:
    """Return libpq connection parameters with a fresh IAM token as the password."""
    token = iam_auth_token(
        host=params["host"],
        port=int(params.get("port") or 5432),
        user=params["user"],
        region=region,
    )
    return {**params, "password": token}


class IamAuthConnection(psycopg.Connection[Any]):
    """A psycopg connection that signs a fresh IAM token each time one is opened.

    A psycopg pool opens its connections with the same arguments for its whole life;
    this class lets each new pooled connection present a token that has not expired.
    """

    region = ""

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> Self:
        """Open a connection, with a token signed now as its password."""
        return super().connect(conninfo, **with_iam_token(kwargs, cls.region))


@cache
def iam_auth_connection_class(region: str) -> type[IamAuthConnection]:
    """Return the pooled connection class that signs its tokens for `region`."""
    return type("IamAuthConnection", (IamAuthConnection,), {"region": region})


@cache
def master_credentials(secret_arn: str) -> dict[str, Any]:
    """Read the master secret RDS generated (username, password, host, port, dbname) once.

    :raises botocore.exceptions.ClientError: when the secret cannot be read.
    """
    # arn:aws:secretsmanager:<region>:<account>:secret:<name>; a bare name uses the
    # region botocore finds in the environment or the AWS config.
    parts = secret_arn.split(":")
    region = parts[3] if secret_arn.startswith("arn:") and len(parts) > 3 else None
    response = aws_client("secretsmanager", region).get_secret_value(SecretId=secret_arn)
    secret: dict[str, Any] = json.loads(response["SecretString"])
    return secret
