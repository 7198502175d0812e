"""Schema types every router shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def utc_timestamp(value: datetime) -> str:
    """Write a timestamp as ISO 8601 in UTC, to the millisecond: 2026-11-21T10:00:00.123Z
    (without the fraction when it is zero, as Django's JSON encoder writes them)."""
    precision = "milliseconds" if value.microsecond else "seconds"
    text = value.astimezone(UTC).isoformat(timespec=precision)
    return text.removesuffix("+00:00") + "Z"


Timestamp = Annotated[
    datetime,
    PlainSerializer(utc_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
