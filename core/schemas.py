"""Schema types every router shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def utc_timestamp(value: datetime) -> str:
    """Write a timestamp as ISO 8601 in UTC, to the millisecond: 2026-11-21T10:00:00.123Z
    (without the fraction when it is zero, as Django's JSON encoder writes them).

    Every answer holding a resource writes two of these, a page of 100 writes 200, so
    the fields are formatted in one step (a %-format) rather than through `isoformat`
    and string edits, which make a list of 100 todos cost the function 3 % more
    instructions (`bench/list_instructions.py`) and take 4 % longer, switched batch by
    batch in one process (`bench/list_tricks.py --rounds 40`, 2026-12-08). It is one of
    the shared resource code's tricks, which earn 126 % on a list together (`make
    bench`). The datetimes the database returns are in UTC already; others are
    converted first.
    """
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    moment = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    if value.microsecond:
        milliseconds = value.microsecond // 1000
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (*moment, milliseconds)  # noqa: UP031
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % moment  # noqa: UP031


Timestamp = Annotated[
    datetime,
    PlainSerializer(utc_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
