"""On a function with SnapStart, the credentials come from the runtime's local endpoint
(tests/credentials_endpoint.py serves it, on this machine)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from core.postgresql.aws_credentials import (
    AUTHORIZATION_TOKEN,
    FULL_URI,
    CredentialsUnavailable,
    forget_held_credentials,
)
from core.postgresql.credentials import aws_credentials, iam_auth_token
from core.postgresql.iam_token import AwsCredentials
from tests.credentials_endpoint import (
    AUTHORIZATION,
    PATH,
    SERVED_KEY,
    SERVED_SECRET,
    SERVED_TOKEN,
    CredentialsEndpoint,
    serving_credentials,
)


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[CredentialsEndpoint]:
    with serving_credentials(monkeypatch) as served:
        yield served


def token_query(token: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(f"https://{token}").query)


def sign() -> str:
    return iam_auth_token(host="db.example.com", port=5432, user="todo_app", region="eu-west-1")


def test_a_snapstart_function_signs_with_the_credentials_its_runtime_serves(
    endpoint: CredentialsEndpoint,
) -> None:
    assert aws_credentials() == AwsCredentials(
        SERVED_KEY, SERVED_SECRET, SERVED_TOKEN, source="container"
    )
    query = token_query(sign())
    assert query["X-Amz-Credential"][0].startswith(f"{SERVED_KEY}/")
    assert query["X-Amz-Security-Token"] == [SERVED_TOKEN]
    assert endpoint.requests[0] == {"path": PATH, "authorization": AUTHORIZATION}


def test_served_credentials_are_kept_until_shortly_before_they_expire(
    endpoint: CredentialsEndpoint,
) -> None:
    for _ in range(3):
        sign()
    assert len(endpoint.requests) == 1
    forget_held_credentials()  # as the SnapStart hooks do around a snapshot
    sign()
    assert len(endpoint.requests) == 2


def test_credentials_about_to_expire_are_fetched_again_for_each_token(
    endpoint: CredentialsEndpoint,
) -> None:
    endpoint.expires_in = timedelta(minutes=4)
    sign()
    sign()
    assert len(endpoint.requests) == 2


def test_the_environment_s_credentials_come_first(
    endpoint: CredentialsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
    assert token_query(sign())["X-Amz-Credential"][0].startswith("AKIAENVIRONMENTEXAMPLE/")
    assert endpoint.requests == []


def test_a_refused_request_fails_without_repeating_what_the_endpoint_said(
    endpoint: CredentialsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUTHORIZATION_TOKEN, "a-stale-token")
    with pytest.raises(CredentialsUnavailable, match="answered 401") as refused:
        sign()
    assert "unauthorized" not in str(refused.value)


def test_an_endpoint_that_is_down_fails_with_a_clear_error(
    endpoint: CredentialsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FULL_URI, "http://127.0.0.1:9/unreachable")  # the discard port
    with pytest.raises(CredentialsUnavailable, match="ConnectionRefusedError"):
        sign()


@pytest.mark.parametrize(
    "url", ["http://credentials.example.com/get", "http://10.0.0.5:8080/get", "ftp://localhost/x"]
)
def test_the_authorization_token_is_never_sent_in_clear_text_off_this_machine(
    endpoint: CredentialsEndpoint, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv(FULL_URI, url)
    with pytest.raises(ValueError, match="HTTPS, or HTTP to a local address"):
        sign()
