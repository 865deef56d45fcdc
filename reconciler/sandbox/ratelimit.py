"""Token buckets per (seller, application, operation) at the contract's rates and bursts.

Pure: the caller passes the time (the sandbox clock), so advancing the clock refills.
`scale` runs every published rate that many times faster (`--rate-scale`), so tests and
benchmarks can play SP-API's 62.5 s refills in well under a second; bursts stay as published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..domain.contract import LIMITS, Limit


@dataclass
class Bucket:
    tokens: float
    updated: float

    def take(self, limit: Limit, now: float) -> float:
        """Take one token; answers 0 when granted, else the seconds until one is due."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(limit.burst), self.tokens + elapsed * limit.rate)
        self.updated = max(self.updated, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / limit.rate


class RateLimiter:
    """Buckets start full; a refused request takes nothing (a 429 changes nothing)."""

    def __init__(self, enabled: bool = True, scale: float = 1.0) -> None:
        self.enabled = enabled
        self.scale = scale
        self._buckets: dict[tuple[str, str, str], Bucket] = {}

    def acquire(self, seller_id: str, application: str, operation: str, now: float,
                rate: float | None = None) -> int:
        """0 when the call may proceed, else the Retry-After in whole seconds (>= 1); `rate`
        replaces the contract's rate times `scale` (the burst stays)."""
        if not self.enabled:
            return 0
        limit = LIMITS[operation]
        limit = Limit(limit.rate * self.scale if rate is None else rate, limit.burst)
        key = (seller_id, application, operation)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(float(limit.burst), now)
        wait = bucket.take(limit, now)
        return 0 if wait == 0.0 else max(1, math.ceil(wait))

    def reset(self) -> None:
        self._buckets.clear()
