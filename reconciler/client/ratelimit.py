"""Client-side token buckets per (seller, operation), so the service's 429s stay rare.

The rates are the contract's; an `x-amzn-RateLimit-Limit` header, when the service sends
one, replaces the rate of that bucket. A bucket may go into debt: each caller reserves its
token at once and sleeps off its share of the debt, so concurrent callers of one bucket
queue fairly without a lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..domain.contract import LIMITS


class TokenBucket:
    """A bucket of `burst` tokens refilled at `rate` per second, on an explicit clock."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self._last = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._last)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self._last = now

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before using it (0 when one was available)."""
        self._refill(now)
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def set_rate(self, rate: float, now: float) -> None:
        self._refill(now)  # tokens earned so far were earned at the old rate
        self.rate = rate


def parse_rate(value: str | None) -> float | None:
    """The rate of an `x-amzn-RateLimit-Limit` header; None when absent or not a positive number."""
    if not value:
        return None
    try:
        rate = float(value)
    except ValueError:
        return None
    return rate if rate > 0 and rate == rate and rate != float("inf") else None


@dataclass
class RateLimiter:
    """Buckets per (seller, operation); operations without a contract rate are not limited."""

    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep

    def __post_init__(self) -> None:
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def bucket(self, seller_id: str, operation: str) -> TokenBucket | None:
        if operation not in LIMITS:
            return None
        key = (seller_id, operation)
        if key not in self._buckets:
            rate, burst = LIMITS[operation].rate, LIMITS[operation].burst
            self._buckets[key] = TokenBucket(rate, burst, self.clock())
        return self._buckets[key]

    async def acquire(self, seller_id: str, operation: str) -> float:
        """Wait until this call may go out; returns the seconds waited."""
        bucket = self.bucket(seller_id, operation)
        if bucket is None:
            return 0.0
        wait = bucket.reserve(self.clock())
        if wait > 0:
            await self.sleep(wait)
        return wait

    def observe(self, seller_id: str, operation: str, header: str | None) -> None:
        """Adopt the rate the service announced for this bucket, if it announced one."""
        rate = parse_rate(header)
        bucket = self.bucket(seller_id, operation)
        if rate is not None and bucket is not None and rate != bucket.rate:
            bucket.set_rate(rate, self.clock())
