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


def parse_timestamp(text: str, *, require_zone: bool = False) -> datetime:
    """The one parser of what `utc_timestamp` writes (and any ISO 8601 time with `Z` or an offset),
    as a timezone-aware UTC datetime. A time without a zone is UTC, or a ValueError when
    `require_zone`; anything but such a string is a ValueError."""
    if not isinstance(text, str):
        raise ValueError(f"not a timestamp: {text!r}")
    stripped = text.strip()
    # Python 3.11's fromisoformat reads a trailing `Z` itself, not a lower-case `z`
    parsed = datetime.fromisoformat(stripped[:-1] + "+00:00" if stripped.endswith("z") else stripped)
    if parsed.tzinfo is None:
        if require_zone:
            raise ValueError(f"a timestamp without a time zone: {text!r}")
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
