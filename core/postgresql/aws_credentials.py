"""The function's own AWS credentials, as the Lambda runtime hands them over.

- `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` in the environment:
  how Lambda passes the execution role's credentials to a function;
- `AWS_CONTAINER_CREDENTIALS_FULL_URI` and `AWS_CONTAINER_AUTHORIZATION_TOKEN`: how it
  passes them to a function with SnapStart, whose credentials would otherwise be frozen
  in the snapshot and expire before a restore. A local HTTP endpoint answers with the
  documented container-credentials JSON (`AccessKeyId`, `SecretAccessKey`, `Token`,
  `Expiration`); those are kept until shortly before they expire.

Neither needs botocore. Anything else (a laptop's profile, SSO, an instance role) is left
to the caller, which falls back to botocore's credential chain.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from core.postgresql.iam_token import AwsCredentials

FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
AUTHORIZATION_TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 (a variable's name)
# The hosts a plain-HTTP credentials endpoint may have, as in the AWS SDKs: the container
# agents' link-local addresses, or any loopback address.
CONTAINER_HOSTS = frozenset({"169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"})
TIMEOUT_SECONDS = 2.0
# Fetch new credentials this long before the ones held expire, so that none expires
# between signing a token and presenting it.
REFRESH_BEFORE_EXPIRY = timedelta(minutes=5)

_lock = threading.Lock()
_held: dict[str, tuple[AwsCredentials, datetime]] = {}


class CredentialsUnavailable(RuntimeError):
    """The credentials endpoint could not be read, or answered something unusable."""


def from_environment(environ: Mapping[str, str] = os.environ) -> AwsCredentials | None:
    """Return the credentials in the environment variables, if there are any."""
    access_key = environ.get("AWS_ACCESS_KEY_ID")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY")
    if not (access_key and secret_key):
        return None
    return AwsCredentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None)


def from_container(environ: Mapping[str, str] = os.environ) -> AwsCredentials | None:
    """Return credentials from the container credentials endpoint, if one is configured.

    :raises CredentialsUnavailable: when the endpoint cannot be read.
    :raises ValueError: when the endpoint is plain HTTP to a host other than a local one.
    """
    url = environ.get(FULL_URI)
    if not url:
        return None
    with _lock:
        held = _held.get(url)
        if held is None or datetime.now(UTC) >= held[1] - REFRESH_BEFORE_EXPIRY:
            held = _held[url] = _fetch(url, environ.get(AUTHORIZATION_TOKEN))
    return held[0]


def forget_held_credentials() -> None:
    """Drop the credentials read from the endpoint, so the next token fetches fresh ones."""
    with _lock:
        _held.clear()


def _fetch(url: str, authorization: str | None) -> tuple[AwsCredentials, datetime]:
    """GET the endpoint; return the credentials and when they expire."""
    parts = urlsplit(url)
    _check_endpoint(parts.scheme, parts.hostname or "")
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=TIMEOUT_SECONDS)
    headers = {"Accept": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    path = parts.path or "/"
    try:
        connection.request("GET", f"{path}?{parts.query}" if parts.query else path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    except OSError as error:
        raise CredentialsUnavailable(f"credentials endpoint: {type(error).__name__}") from None
    finally:
        connection.close()
    if response.status != 200:
        raise CredentialsUnavailable(f"credentials endpoint answered {response.status}")
    try:
        document = json.loads(body)
        credentials = AwsCredentials(
            document["AccessKeyId"], document["SecretAccessKey"], document["Token"], "container"
        )
        expires = datetime.fromisoformat(document["Expiration"])
    except (ValueError, KeyError, TypeError):
        # The body holds secrets: say nothing about it but that it was not understood.
        raise CredentialsUnavailable("credentials endpoint: unexpected answer") from None
    return credentials, expires if expires.tzinfo else expires.replace(tzinfo=UTC)


def _check_endpoint(scheme: str, host: str) -> None:
    """Refuse to send the authorization token in clear text anywhere but this machine.

    :raises ValueError: for any other endpoint.
    """
    if scheme == "https":
        return
    if scheme == "http" and (host in CONTAINER_HOSTS or _is_loopback(host)):
        return
    raise ValueError(f"{FULL_URI} must be HTTPS, or HTTP to a local address, not {host!r}")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
