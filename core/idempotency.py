"""The Idempotency-Key request header and the request fingerprint, read at the HTTP edge
(draft-ietf-httpapi-idempotency-key-header; API.md, "Idempotent creates")."""

from __future__ import annotations

import hashlib
import json
import re

from core.errors import BadRequest

KEY_MAX_LENGTH = 255
# Visible ASCII: what a key may hold, bare or between quotes.
_VISIBLE = re.compile(r"[\x21-\x7e]+")
# An RFC 9651 sf-string: printable ASCII between double quotes, where \" and \\ are the
# only escapes.
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_ESCAPE = re.compile(r'\\(["\\])')


def idempotency_key(value: str) -> str:
    """Return the key a header value carries: bare, or as a Structured Field string
    (`"abc"` and `abc` are the same key).

    :raises BadRequest: for an empty, overlong, non-ASCII or otherwise malformed key.
    """
    value = value.strip(" \t")
    if value.startswith('"'):
        quoted = _SF_STRING.fullmatch(value)
        if quoted is None:
            raise BadRequest("Malformed Idempotency-Key header")
        key = _ESCAPE.sub(r"\1", quoted.group(1))
    elif '"' in value:
        raise BadRequest("Malformed Idempotency-Key header")
    else:
        key = value
    if not 1 <= len(key) <= KEY_MAX_LENGTH or not _VISIBLE.fullmatch(key):
        raise BadRequest(f"Idempotency-Key must be 1 to {KEY_MAX_LENGTH} visible ASCII characters")
    return key


def fingerprint(body: bytes) -> str:
    """Return the fingerprint of a JSON request body: the same for the same JSON
    document, whatever its key order and white space."""
    document = json.loads(body or b"null")
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
