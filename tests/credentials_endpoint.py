"""A credentials endpoint as the Lambda runtime serves one to a function with SnapStart.

A real HTTP server on 127.0.0.1, answering as the runtime documents it: a GET to
AWS_CONTAINER_CREDENTIALS_FULL_URI with the AWS_CONTAINER_AUTHORIZATION_TOKEN header, and
the container-credentials JSON in return. It is local by design: no AWS API is called.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core.postgresql.aws_credentials import AUTHORIZATION_TOKEN, FULL_URI, forget_held_credentials

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


@contextmanager
def serving_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[CredentialsEndpoint]:
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
