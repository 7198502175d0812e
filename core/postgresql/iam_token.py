"""The RDS IAM authentication token, signed with the standard library alone.

A token is a SigV4 presigned URL for the `connect` action of the `rds-db` service, with
its scheme removed: `<host>:<port>/?Action=connect&DBUser=...&X-Amz-Signature=...`. It is
what botocore's `generate_db_auth_token` returns, byte for byte (tests/integration/
test_iam_token.py checks it against botocore), without the 0.15 to 0.3 s that importing
botocore and building a client cost on a function's first connection.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "rds-db"
EXPIRES_SECONDS = 900  # what RDS accepts at most, and what botocore signs
# The body of a GET is empty; SigV4 signs its hash.
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class AwsCredentials:
    """An access key, its secret and, for temporary credentials, the session token."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    # Where they came from ("environment", "container", "botocore"), for the logs.
    source: str = "environment"

    def __repr__(self) -> str:
        return f"AwsCredentials(access_key_id={self.access_key_id!r}, source={self.source!r})"


def rds_auth_token(
    credentials: AwsCredentials, *, host: str, port: int, user: str, region: str, now: datetime
) -> str:
    """Return the RDS IAM authentication token for `user` at `host`:`port`, signed at `now`."""
    timestamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    scope = f"{timestamp[:8]}/{region}/{SERVICE}/aws4_request"
    # The order botocore writes them in: the operation's parameters, then the signature's.
    parameters = [
        ("Action", "connect"),
        ("DBUser", user),
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key_id}/{scope}"),
        ("X-Amz-Date", timestamp),
        ("X-Amz-Expires", str(EXPIRES_SECONDS)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    if credentials.session_token is not None:
        parameters.append(("X-Amz-Security-Token", credentials.session_token))
    encoded = [(_encode(name), _encode(value)) for name, value in parameters]
    query = "&".join(f"{name}={value}" for name, value in encoded)
    canonical_request = "\n".join(
        [
            "GET",
            "/",
            "&".join(f"{name}={value}" for name, value in sorted(encoded)),
            f"host:{_signed_host(host, port)}\n",
            "host",
            EMPTY_BODY_SHA256,
        ]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = f"AWS4{credentials.secret_access_key}".encode()
    for part in (timestamp[:8], region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{host}:{port}/?{query}&X-Amz-Signature={signature}"


def _encode(value: str) -> str:
    """Percent-encode as SigV4 wants: everything but letters, digits and `-_.~`."""
    return quote(value, safe="-_.~")


def _signed_host(host: str, port: int) -> str:
    """Return the `host` header SigV4 signs: lowercase, without HTTPS's default port."""
    return host.lower() if port == 443 else f"{host.lower()}:{port}"
