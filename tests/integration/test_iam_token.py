"""The IAM token is signed without botocore, yet is exactly the token botocore would sign.

botocore is a development dependency here, and the reference: its own presigner signs the
same request with the same credentials at the same instant, and the two tokens must be
equal byte for byte.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import botocore.auth
import botocore.session
import pytest

from core.postgresql.iam_token import AwsCredentials, rds_auth_token

REGION = "eu-west-1"
CLUSTER = "todo.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"
SIGNED_AT = datetime(2026, 11, 30, 9, 58, 7, tzinfo=UTC)
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# A session token's alphabet includes the characters that need percent-encoding.
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEMD//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc/def=="


def botocore_token(
    credentials: AwsCredentials, *, host: str, port: int, user: str, region: str
) -> str:
    """Sign a token with botocore's own `generate_db_auth_token`, at SIGNED_AT."""
    session = botocore.session.Session()
    session.set_credentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    client = session.create_client("rds", region_name=region)
    token: str = client.generate_db_auth_token(
        DBHostname=host, Port=port, DBUsername=user, Region=region
    )
    return token


@pytest.fixture
def botocore_signs_at_a_fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop botocore's signing clock at SIGNED_AT (botocore reads it as naive UTC)."""
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda: SIGNED_AT.replace(tzinfo=None)
    )


@pytest.mark.usefixtures("botocore_signs_at_a_fixed_time")
@pytest.mark.parametrize("session_token", [None, SESSION_TOKEN], ids=["keys", "session"])
@pytest.mark.parametrize(
    ("host", "port", "user"),
    [
        (CLUSTER, 5432, "todo_app"),
        # Hosts are signed in lower case, the default HTTPS port is left out of the signed
        # host, and a user name can hold characters that need encoding.
        ("Todo.Cluster-C1A2.eu-west-1.rds.amazonaws.com", 443, "app+reports/eu team"),
    ],
    ids=["cluster", "unusual"],
)
def test_the_token_is_the_one_botocore_signs_byte_for_byte(
    session_token: str | None, host: str, port: int, user: str
) -> None:
    credentials = AwsCredentials(ACCESS_KEY, SECRET_KEY, session_token)
    ours = rds_auth_token(
        credentials, host=host, port=port, user=user, region=REGION, now=SIGNED_AT
    )
    expected = botocore_token(credentials, host=host, port=port, user=user, region=REGION)
    assert ours == expected
    query = parse_qs(urlsplit(f"https://{ours}").query)
    assert query.get("X-Amz-Security-Token") == ([session_token] if session_token else None)
    assert query["X-Amz-SignedHeaders"] == ["host"]


@pytest.mark.usefixtures("botocore_signs_at_a_fixed_time")
def test_a_different_secret_or_instant_gives_a_different_signature() -> None:
    """The signature covers the secret key and the time, which botocore's agrees with."""
    credentials = AwsCredentials(ACCESS_KEY, SECRET_KEY)
    place = {"host": CLUSTER, "port": 5432, "user": "todo_app", "region": REGION}
    reference = botocore_token(credentials, **place)
    other_key = AwsCredentials(ACCESS_KEY, SECRET_KEY[::-1])
    later = SIGNED_AT.replace(second=8)
    assert rds_auth_token(other_key, **place, now=SIGNED_AT) != reference
    assert rds_auth_token(credentials, **place, now=later) != reference
