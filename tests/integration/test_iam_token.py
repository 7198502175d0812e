"""The IAM token is signed without botocore, yet is exactly the token botocore would sign.

botocore is a development dependency here, and the reference: its own presigner signs the
same request with the same credentials at the same instant, and the two tokens must be
equal byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import botocore.auth
import botocore.session
import pytest

from core.postgresql.iam_token import AwsCredentials, rds_auth_token

ROOT = Path(__file__).resolve().parents[2]
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


def run_python(code: str, **env: str) -> str:
    """Run `code` in a fresh interpreter with the project on its path and only `env`'s AWS
    settings; return what it printed."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    offline = {
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(  # noqa: S603 (this interpreter, this project's code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **offline, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


SIGN_AND_REPORT = f"""
import json, sys
from core.postgresql.credentials import iam_auth_token
token = iam_auth_token(host={CLUSTER!r}, port=5432, user="todo_app", region={REGION!r})
print(json.dumps({{"token": token, "botocore": "botocore" in sys.modules}}))
"""


def test_signing_a_token_with_the_function_s_credentials_never_imports_botocore() -> None:
    """As on Lambda: the execution role's credentials in the environment."""
    printed = json.loads(
        run_python(
            SIGN_AND_REPORT,
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_SESSION_TOKEN=SESSION_TOKEN,
        )
    )
    assert printed["botocore"] is False
    query = parse_qs(urlsplit(f"https://{printed['token']}").query)
    assert query["X-Amz-Credential"][0].startswith(f"{ACCESS_KEY}/")
    assert query["X-Amz-Security-Token"] == [SESSION_TOKEN]


def test_without_credentials_in_the_environment_botocore_s_chain_finds_a_profile(
    tmp_path: Path,
) -> None:
    """A laptop with a profile in ~/.aws/credentials: botocore reads it, the token is ours."""
    profile = tmp_path / "credentials"
    profile.write_text(
        f"[default]\naws_access_key_id = AKIAPROFILEEXAMPLE\naws_secret_access_key = {SECRET_KEY}\n"
    )
    printed = json.loads(run_python(SIGN_AND_REPORT, AWS_SHARED_CREDENTIALS_FILE=str(profile)))
    assert printed["botocore"] is True
    query = parse_qs(urlsplit(f"https://{printed['token']}").query)
    assert query["X-Amz-Credential"][0].startswith("AKIAPROFILEEXAMPLE/")
    assert "X-Amz-Security-Token" not in query
