"""Browser origins as CORS_ALLOWED_ORIGINS lists them: each exactly a scheme, a host and
a port, so that an Origin header is compared with them character for character."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_DEFAULT_PORTS = {"http": 80, "https": 443}


def allowed_origins(values: list[str]) -> list[str]:
    """Return the origins as a browser serialises them (`https://app.example.com`,
    `http://localhost:3000`): white space and a trailing slash dropped, scheme and host
    in lower case, a default port left out.

    :raises ImproperlyConfigured: for an entry that is not an origin (a path, a query,
        credentials, another scheme), which would otherwise never match.
    """
    return [_origin(value.strip()) for value in values if value.strip()]


def _origin(value: str) -> str:
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise ImproperlyConfigured(f"CORS_ALLOWED_ORIGINS: {value!r} is not an origin") from error
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if (
        scheme not in _DEFAULT_PORTS
        or not host
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"CORS_ALLOWED_ORIGINS: {value!r} is not an origin (scheme://host[:port])"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"
