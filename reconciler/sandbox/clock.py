"""The sandbox clock: real UTC time plus a persisted offset that admin calls move forward.

Every time-dependent rule of the sandbox (review progress, token expiry, nextToken expiry,
rate-limit refill) reads this clock, so tests advance it instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from functools import lru_cache

from ..domain.timestamps import utc_timestamp_of


class SandboxClock:
    """`now()` is seconds since the epoch on the sandbox clock: real time + `offset`."""

    def __init__(self, offset: float = 0.0, real: Callable[[], float] = time.time) -> None:
        self.offset = offset
        self._real = real

    def now(self) -> float:
        return self._real() + self.offset

    def advance(self, seconds: float) -> float:
        """Move the clock on by `seconds` (never back); answers the new offset to persist."""
        self.offset += seconds
        return self.offset


def iso(ts: float) -> str:
    """`2026-11-26T10:00:00Z`: the contract's timestamp form (whole seconds, UTC)."""
    return _iso(int(ts))


@lru_cache(maxsize=8192)  # listings format the same few timestamps over and over
def _iso(seconds: int) -> str:
    return utc_timestamp_of(seconds)


def utc_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, timezone.utc).date()
