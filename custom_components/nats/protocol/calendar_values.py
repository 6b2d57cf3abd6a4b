"""The date, time and date-time forms of the date, time and datetime platforms (docs/protocol.md).

One strict form each, the one Home Assistant prints: `YYYY-MM-DD`,
`HH:MM:SS` and RFC 3339 with an offset (`YYYY-MM-DDTHH:MM:SS` then `Z` or
`±HH:MM`), so that a device needs no general date parser.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
import re
from typing import Any, Final

import probatio as vol

DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_RE: Final = re.compile(r"(\d{2}):(\d{2}):(\d{2})")
DATETIME_RE: Final = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:Z|[+-](\d{2}):(\d{2}))")


def no_device_class(value: Any) -> None:
    """Refuse a device_class: Home Assistant has none for these platforms."""
    if value is not None:
        raise vol.Invalid("this platform has no device_class")


def _matching(pattern: re.Pattern[str], value: Any, form: str) -> re.Match[str]:
    match = pattern.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        msg = f"expected {form}"
        raise vol.Invalid(msg)
    return match


def date_value(value: Any) -> str:
    """Accept a real calendar date as YYYY-MM-DD (year 0001 to 9999)."""
    text = _matching(DATE_RE, value, "a date as YYYY-MM-DD")[0]
    try:
        date.fromisoformat(text)
    except ValueError:
        msg = f"{text} is not a calendar date"
        raise vol.Invalid(msg) from None
    return text


def time_value(value: Any) -> str:
    """Accept a time of day as HH:MM:SS, 00:00:00 to 23:59:59 (no leap second, no 24:00:00)."""
    match = _matching(TIME_RE, value, "a time as HH:MM:SS")
    if int(match[1]) > 23 or int(match[2]) > 59 or int(match[3]) > 59:
        msg = f"{match[0]} is not a time of day"
        raise vol.Invalid(msg)
    return match[0]


def datetime_value(value: Any) -> str:
    """Accept an RFC 3339 date-time with an offset, to the second."""
    form = "an RFC 3339 date-time with offset, as YYYY-MM-DDTHH:MM:SSZ or ±HH:MM"
    match = _matching(DATETIME_RE, value, form)
    date_value(match[1])
    time_value(match[2])
    if match[3] is not None and (int(match[3]) > 23 or int(match[4]) > 59):
        msg = f"{match[0]} has an offset beyond ±23:59"
        raise vol.Invalid(msg)
    return match[0]


def parse_date(text: str) -> date:
    """Return the date of a validated YYYY-MM-DD."""
    return date.fromisoformat(text)


def parse_time(text: str) -> time:
    """Return the time of a validated HH:MM:SS."""
    return time.fromisoformat(text)


def parse_datetime(text: str) -> datetime:
    """Return the aware date-time of a validated RFC 3339 string."""
    return datetime.fromisoformat(text)


def format_datetime(value: datetime) -> str:
    """Write an aware date-time as RFC 3339 in UTC, to the second (`…Z`)."""
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y does not pad years before 1000
