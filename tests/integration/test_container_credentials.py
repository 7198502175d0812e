"""On a function with SnapStart, the credentials come from the runtime's local endpoint.

The endpoint here is a real HTTP server on this machine, answering as the Lambda runtime
documents it (AWS_CONTAINER_CREDENTIALS_FULL_URI, the AWS_CONTAINER_AUTHORIZATION_TOKEN
header, and the container-credentials JSON). It is local by design: no AWS API is called.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
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

AUTHORIZATION = "runtime-issued-authorization-token"
PATH = "/2021-04-23/credentials"
SERVED_KEY = "ASIACONTAINEREXAMPLE"
SERVED_SECRET = "served/secret+key"
SERVED_TOKEN = "IQoJb3JpZ2luX2VjEMD//served-session-token=="


@dataclass
class CredentialsEndpoint:
    """What the endpoint serves, and the requests it has answered."""

    url: str
    expires_in: timedelta = timedelta(hours=6)
    requests: list[dict[str, str | None]] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        expiration = datetime.now(UTC) + self.expires_in
        return {
            "AccessKeyId": SERVED_KEY,
            "SecretAccessKey": SERVED_SECRET,
            "Token": SERVED_TOKEN,
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[CredentialsEndpoint]:
    """Serve credentials on 127.0.0.1 to a caller presenting AUTHORIZATION, and point this
    process at the server the way the Lambda runtime does with SnapStart on."""
    served: list[CredentialsEndpoint] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state = served[0]
            given = self.headers.get("Authorization")
            state.requests.append({"path": self.path, "authorization": given})
            ok = self.path == PATH and given == AUTHORIZATION
            body = json.dumps(state.document() if ok else {"message": "unauthorized"}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = CredentialsEndpoint(url=f"http://127.0.0.1:{server.server_port}{PATH}")
    served.append(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(FULL_URI, state.url)
    monkeypatch.setenv(AUTHORIZATION_TOKEN, AUTHORIZATION)
    forget_held_credentials()
    try:
        yield state
    finally:
        forget_held_credentials()
        server.shutdown()
        server.server_close()


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
