"""Credentials per new connection: IAM tokens signed locally, the master secret read once.

Where the local PostgreSQL trusts its clients (as in CI), it accepts an IAM token as a
password; what the client sent is read back from the connection. Nothing is stored: the tests
connect to the `postgres` database every server has.
"""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from botocore.stub import Stubber
from django.db import OperationalError, connection

from core.postgresql.credentials import aws_client, iam_auth_token
from tests.integration.databases import database_alias, local_server, settings_from

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.usefixtures("aws_credentials", "database_access"),
]

REGION = "eu-west-1"
CLUSTER = "todo.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"


@pytest.fixture
def signed_tokens(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], int]]:
    """Count the IAM tokens signed while the test runs, by the debug line each one logs
    (in every thread: a pool opens its connections in its own)."""
    with caplog.at_level(logging.DEBUG, logger="core.postgresql.credentials"):
        yield lambda: sum(r.getMessage() == "IAM token signed" for r in caplog.records)


def iam_settings(**extra: str) -> dict[str, Any]:
    """Settings as on Lambda, pointed at the local server over plain TCP."""
    return settings_from(**local_server(), AWS_REGION=REGION, DB_SSLMODE="disable", **extra)


def test_an_iam_token_is_a_presigned_connect_url_for_the_host_port_and_user() -> None:
    token = iam_auth_token(host=CLUSTER, port=5432, user="todo_app", region=REGION)
    url = urlsplit(f"https://{token}")
    query = parse_qs(url.query)
    assert (url.hostname, url.port) == (CLUSTER, 5432)
    assert query["Action"] == ["connect"]
    assert query["DBUser"] == ["todo_app"]
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-Credential"][0].endswith(f"/{REGION}/rds-db/aws4_request")
    assert len(query["X-Amz-Signature"][0]) == 64


@pytest.mark.usefixtures("trusting_server")
def test_each_new_connection_presents_a_token_signed_for_it(
    signed_tokens: Callable[[], int], caplog: pytest.LogCaptureFixture
) -> None:
    server = local_server()
    passwords = []
    with database_alias("iam", iam_settings()) as iam:
        for _ in range(3):
            iam.ensure_connection()
            passwords.append(iam.connection.info.password)
            iam.close()
    assert signed_tokens() == 3
    for password in passwords:
        query = parse_qs(urlsplit(f"https://{password}").query)
        assert password.startswith(f"{server['DB_HOST']}:{server['DB_PORT']}/?Action=connect")
        assert query["DBUser"] == [server["DB_USER"]]
        assert query["X-Amz-Signature"][0] not in caplog.text, "a token is never logged"


@pytest.mark.usefixtures("trusting_server")
def test_a_pool_signs_a_token_for_each_connection_it_opens_and_none_for_reuse(
    signed_tokens: Callable[[], int],
) -> None:
    config = iam_settings(DB_CONNECTION_MODE="pool")
    with database_alias("iam_pool", config) as first:
        servers = set()
        for _ in range(3):
            first.ensure_connection()
            servers.add(first.connection.info.backend_pid)
            assert "Action=connect" in first.connection.info.password
            first.close()  # back to the pool
        assert len(servers) == 1
        assert signed_tokens() == 1
        # A second caller while the first holds its connection: the pool grows by one.
        first.ensure_connection()
        second = type(first)(first.settings_dict, alias=first.alias)
        try:
            second.ensure_connection()
            assert second.connection.info.backend_pid != first.connection.info.backend_pid
        finally:
            second.close()
        assert signed_tokens() == 2


@contextmanager
def secret_in_secrets_manager(arn: str, secret: dict[str, Any]) -> Iterator[Stubber]:
    """Answer one GetSecretValue for `arn` with `secret`, through botocore's Stubber."""
    with Stubber(aws_client("secretsmanager", REGION)) as stubber:
        stubber.add_response(
            "get_secret_value",
            {"ARN": arn, "Name": arn.rsplit(":", 1)[-1], "SecretString": json.dumps(secret)},
            {"SecretId": arn},
        )
        yield stubber


@pytest.mark.usefixtures("superuser")
def test_the_master_secret_is_read_once_and_the_session_acts_as_the_app_role() -> None:
    server = local_server()
    arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:todo-master-{uuid4().hex[:6]}"
    secret = {
        "username": server["DB_USER"],
        "password": connection.settings_dict["PASSWORD"] or "unchecked-by-this-server",
        "engine": "postgres",
        "host": CLUSTER,
        "port": int(server["DB_PORT"]),
        "dbname": server["DB_NAME"],
        "dbClusterIdentifier": "todo",
    }
    # Through the tunnel: the operator names the local end, the secret everything else.
    config = settings_from(
        DB_SECRET_ARN=arn, DB_HOST=server["DB_HOST"], DB_USER="pg_monitor", DB_SSLMODE="disable"
    )
    with secret_in_secrets_manager(arn, secret) as stubber:
        with database_alias("operator", config) as operator:
            for _ in range(2):
                operator.ensure_connection()
                info = operator.connection.info
                assert info.password == secret["password"]
                assert (info.host, info.dbname) == (server["DB_HOST"], server["DB_NAME"])
                with operator.cursor() as cursor:
                    cursor.execute("SELECT session_user, current_user")
                    assert cursor.fetchone() == (server["DB_USER"], "pg_monitor")
                operator.close()
        stubber.assert_no_pending_responses()


def test_a_server_that_does_not_offer_tls_is_refused() -> None:
    config = settings_from(**local_server(), AWS_REGION=REGION)  # no DB_SSLMODE override
    assert config["OPTIONS"]["sslmode"] == "verify-ca"
    with database_alias("tls", config) as tls, pytest.raises(OperationalError, match="SSL"):
        tls.ensure_connection()


@pytest.mark.parametrize(
    ("db_name", "expected"), [(None, "todo"), ("todo_reports", "todo_reports")]
)
def test_a_secret_rds_manages_itself_needs_only_the_tunnel_s_host(
    db_name: str | None, expected: str
) -> None:
    # With a master password RDS manages, the secret holds the user and password only.
    arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:rds!cluster-{uuid4().hex[:8]}"
    secret = {"username": "postgres", "password": "from-the-secret"}
    names = {"DB_NAME": db_name} if db_name else {}
    config = settings_from(DB_SECRET_ARN=arn, DB_HOST="127.0.0.1", DB_PORT="5432", **names)
    with secret_in_secrets_manager(arn, secret), database_alias("managed", config) as operator:
        params = operator.get_connection_params()
    assert (params["host"], params["port"], params["dbname"]) == ("127.0.0.1", "5432", expected)
    assert (params["user"], params["password"]) == ("postgres", "from-the-secret")
