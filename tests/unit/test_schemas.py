"""`utc_timestamp` writes the API's timestamps: ISO 8601 in UTC, to the millisecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.schemas import utc_timestamp

PARIS_WINTER = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=UTC), "2026-12-08T01:02:03.456Z"),
        (datetime(2026, 12, 8, 1, 2, 3, tzinfo=UTC), "2026-12-08T01:02:03Z"),
        (datetime(2026, 12, 8, 1, 2, 3, 999, tzinfo=UTC), "2026-12-08T01:02:03.000Z"),
        (datetime(2026, 12, 8, 1, 2, 3, 1000, tzinfo=UTC), "2026-12-08T01:02:03.001Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59.999Z"),
        (datetime(2026, 1, 1, 0, 30, 0, 120000, tzinfo=PARIS_WINTER), "2025-12-31T23:30:00.120Z"),
    ],
    ids=[
        "fraction",
        "no fraction",
        "under a millisecond",
        "one millisecond",
        "year one",
        "the last instant",
        "another offset",
    ],
)
def test_a_timestamp_is_written_in_utc_to_the_millisecond(moment: datetime, written: str) -> None:
    assert utc_timestamp(moment) == written


def test_it_writes_what_isoformat_writes_for_every_millisecond_of_a_second() -> None:
    base = datetime(2026, 12, 8, 23, 59, 59, tzinfo=PARIS_WINTER)
    for millisecond in range(1000):
        # Microseconds beyond the millisecond on odd ones: they are cut, not rounded.
        moment = base + timedelta(microseconds=millisecond * 1000 + millisecond % 2 * 999)
        in_utc = moment.astimezone(UTC).replace(tzinfo=None)
        timespec = "milliseconds" if in_utc.microsecond else "seconds"
        assert utc_timestamp(moment) == in_utc.isoformat(timespec=timespec) + "Z"
