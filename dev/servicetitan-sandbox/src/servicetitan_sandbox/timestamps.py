"""ServiceTitan's timestamps: UTC, 7 fractional digits (.NET ticks of 100 ns), trailing ``Z``.

The sandbox keeps every instant as an integer number of ticks since the Unix epoch, so that a
``modifiedOn`` a client sends back as a filter compares exactly with the one it was given.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

TICKS_PER_SECOND = 10_000_000
SECONDS_PER_DAY = 86_400
TICKS_PER_DAY = SECONDS_PER_DAY * TICKS_PER_SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# What the API accepts in date-time query parameters and as an export `from`: a date, or a date and
# time with up to 7 fractional digits and an optional zone (none means UTC, as the API documents).
_QUERY_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:\.(?P<fraction>\d{1,7}))?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?)?$",
    re.IGNORECASE,
)


def ticks_from_datetime(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    delta = aware - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * 10


def datetime_from_ticks(ticks: int) -> datetime:
    """Microsecond precision: the last tick digit is dropped (datetime cannot hold it)."""
    return _EPOCH + timedelta(microseconds=ticks // 10)


def now_ticks() -> int:
    return time.time_ns() // 100


def format_timestamp(ticks: int) -> str:
    """``2026-11-01T12:34:56.1234567Z``."""
    seconds, fraction = divmod(ticks, TICKS_PER_SECOND)
    day, second_of_day = divmod(seconds, SECONDS_PER_DAY)
    hour, second_of_hour = divmod(second_of_day, 3_600)
    minute, second = divmod(second_of_hour, 60)
    return f"{_utc_date(day)}T{hour:02d}:{minute:02d}:{second:02d}.{fraction:07d}Z"


def format_midnight(ticks: int) -> str:
    """The start of the ticks' UTC day, as ServiceTitan writes dates such as ``invoiceDate``."""
    return f"{_utc_date(ticks // TICKS_PER_DAY)}T00:00:00Z"


@lru_cache(maxsize=8_192)
def _utc_date(day: int) -> str:
    """``2026-11-01`` for a day number since the epoch. Cached: a tenant's records span a few hundred days,
    and timestamps are the commonest value on a page (an invoice has a dozen)."""
    t = time.gmtime(day * SECONDS_PER_DAY)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"


def parse_query_datetime(text: str) -> int:
    """Ticks of a date or date-time given in a query; ValueError if it is neither."""
    match = _QUERY_DATETIME.match(text.strip())
    if match is None:
        raise ValueError(f"not a date or date-time: {text!r}")
    clock = match["time"] or "00:00:00"
    if len(clock) == 5:
        clock += ":00"
    zone = (match["zone"] or "Z").upper()
    if zone != "Z" and ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        whole = datetime.fromisoformat(f"{match['date']}T{clock}{'+00:00' if zone == 'Z' else zone}")
    except ValueError:
        raise ValueError(f"not a valid date or date-time: {text!r}") from None
    fraction = int((match["fraction"] or "").ljust(7, "0"))
    return ticks_from_datetime(whole) + fraction
