"""Database credentials from AWS: IAM authentication tokens and the master secret.

botocore loads on first use, never at import: the Lambda runtime provides it, the
bundle does not ship it, and a function serving from DATABASE_URL never pays for it.
Nothing here reaches the network except reading the secret: a token is signed locally.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from typing import Any, Self

import psycopg

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
    """
    token: str = aws_client("rds", region).generate_db_auth_token(
        DBHostname=host, Port=port, DBUsername=user, Region=region
    )
    return token


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
