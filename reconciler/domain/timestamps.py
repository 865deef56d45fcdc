"""The one UTC timestamp form: `2026-11-26T10:00:00Z` (ISO 8601, whole seconds unless asked)."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_timestamp(when: datetime, *, milliseconds: bool = False) -> str:
    """`when` in UTC as `2026-11-26T10:00:00Z` (`...:00.123Z` with milliseconds); a naive time is UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds" if milliseconds else "seconds") \
        .replace("+00:00", "Z")


def utc_timestamp_of(seconds: float) -> str:
    """A POSIX time (seconds since the epoch) as `2026-11-26T10:00:00Z`."""
    return utc_timestamp(datetime.fromtimestamp(int(seconds), timezone.utc))
