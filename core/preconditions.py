"""Entity tags and the conditional request headers, read at the HTTP edge (RFC 9110).

A resource's version is its strong ETag: version 3 is `"3"`. If-Match compares
strongly (a weak tag never matches); If-None-Match compares weakly. The services get
plain versions, never headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import BadRequest

# Longer than any list a client needs; a longer header is refused before it is parsed.
MAX_HEADER_LENGTH = 2048
# Versions live in 32-bit integer columns; a tag naming a larger number names no version
# (and would overflow SQLite's integers if it reached a query).
LARGEST_VERSION = 2**31 - 1
# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text
_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')


@dataclass(frozen=True, slots=True)
class EntityTag:
    """One entity tag of a header: its opaque value, and whether it is weak."""

    opaque: str
    weak: bool = False


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed If-Match or If-None-Match: `*`, or a list of entity tags."""

    any: bool
    tags: tuple[EntityTag, ...] = ()


def etag(version: int) -> str:
    """Return the strong ETag of a version."""
    return f'"{version}"'


def parse_condition(value: str, *, header: str) -> Condition:
    """Parse `*` or a comma-separated list of entity tags.

    :raises BadRequest: if the value is too long or not that.
    """
    if len(value) > MAX_HEADER_LENGTH:
        raise BadRequest(f"{header} header is too long")
    if value.strip() == "*":
        return Condition(any=True)
    tags = []
    for element in value.split(","):
        element = element.strip(" \t")
        if not element:
            continue  # a list may hold empty elements (RFC 9110 §5.6.1)
        found = _ENTITY_TAG.fullmatch(element)
        if found is None:
            raise BadRequest(f"Malformed {header} header")
        tags.append(EntityTag(opaque=found.group(2), weak=bool(found.group(1))))
    if not tags:
        raise BadRequest(f"Malformed {header} header")
    return Condition(any=False, tags=tuple(tags))


def expected_versions(if_match: str | None) -> frozenset[int] | None:
    """Return the versions an If-Match admits: None for no header or `*` (any existing
    version); otherwise those its strong tags name, which may be none at all.

    :raises BadRequest: if the header is malformed.
    """
    if if_match is None:
        return None
    condition = parse_condition(if_match, header="If-Match")
    if condition.any:
        return None
    return frozenset(
        version
        for tag in condition.tags
        if not tag.weak and (version := _version(tag.opaque)) is not None
    )


def none_match(if_none_match: str | None, version: int) -> bool:
    """Tell whether an If-None-Match names the version (weakly), or is `*`.

    :raises BadRequest: if the header is malformed.
    """
    if if_none_match is None:
        return False
    condition = parse_condition(if_none_match, header="If-None-Match")
    return condition.any or any(_version(tag.opaque) == version for tag in condition.tags)


def _version(opaque: str) -> int | None:
    """Return the version an ETag's opaque value names, if it is one of ours."""
    if opaque.isascii() and opaque.isdigit() and str(int(opaque)) == opaque:
        version = int(opaque)
        return version if version <= LARGEST_VERSION else None
    return None
