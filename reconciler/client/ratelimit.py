"""Client-side token buckets per (seller, region, operation), so the service's 429s stay rare.

The rates are the published table's (contract.LIMITS), times the run's rate scale (1 in
production; tests and benchmarks run the published rates faster than real time). An
`x-amzn-RateLimit-Limit` header, when the service sends one, replaces the rate of that
bucket, clamped into [rate / RATE_HEADER_BOUND, rate] of the table: a zero, negative or absurdly
small header cannot stall a run, and a header above the published rate cannot make acorn flood
the service into 429s (the published rate is what SP-API promises; a higher header is at best
a momentary burst). A 429
drains the bucket, so every caller of that quota waits for the refill at the published rate.

A bucket may go into debt: each caller reserves its token at once and sleeps off its share
of the debt, so concurrent callers of one bucket queue fairly without a lock.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from ..domain.contract import LIMITS, RATE_HEADER_BOUND

BucketKey = tuple[str, str, str]  # (seller id, region, operation)


class TokenBucket:
    """A bucket of `burst` tokens refilled at `rate` per second, on an explicit clock."""

    __slots__ = ("rate", "burst", "tokens", "_last")  # several per seller: 100,000 sellers hold half a million

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self._last = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._last)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self._last = max(self._last, now)

    def reserve(self, now: float) -> float:
        """Take one token; the seconds to wait before using it (0 when one was available)."""
        self._refill(now)
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def estimate(self, now: float) -> float:
        """The seconds the next reserve would wait (nothing is taken)."""
        self._refill(now)
        return max(0.0, (1.0 - self.tokens) / self.rate)

    def drain(self, now: float) -> None:
        """The service said the quota is spent: nothing is left until it refills."""
        self._refill(now)
        self.tokens = min(self.tokens, 0.0)

    def set_rate(self, rate: float, now: float) -> None:
        self._refill(now)  # tokens earned so far were earned at the old rate
        self.rate = rate


def parse_rate(value: str | None) -> float | None:
    """The number of an `x-amzn-RateLimit-Limit` header; None when absent or not a number."""
    if not value:
        return None
    try:
        rate = float(value)
    except ValueError:
        return None
    return rate if math.isfinite(rate) else None


def clamp_rate(header: float, published: float) -> float:
    """A header's rate, at most the published rate and at least RATE_HEADER_BOUND times slower
    (the published rate itself for zero or less)."""
    if header <= 0:
        return published
    return min(max(header, published / RATE_HEADER_BOUND), published)


@dataclass
class RateLimiter:
    """Buckets per (seller, region, operation); operations without a published rate are not limited."""

    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    scale: float = 1.0  # published rates times this (tests and benchmarks; 1 in production)

    def __post_init__(self) -> None:
        self._buckets: dict[BucketKey, TokenBucket] = {}

    def published(self, operation: str) -> float | None:
        """The operation's rate per second from the published table, scaled."""
        limit = LIMITS.get(operation)
        return None if limit is None else limit.rate * self.scale

    def bucket(self, seller_id: str, region: str, operation: str) -> TokenBucket | None:
        if operation not in LIMITS:
            return None
        key = (seller_id, region, operation)
        if key not in self._buckets:
            self._buckets[key] = TokenBucket(LIMITS[operation].rate * self.scale, LIMITS[operation].burst,
                                             self.clock())
        return self._buckets[key]

    async def acquire(self, seller_id: str, region: str, operation: str) -> float:
        """Wait until this call may go out; returns the seconds waited."""
        bucket = self.bucket(seller_id, region, operation)
        if bucket is None:
            return 0.0
        wait = bucket.reserve(self.clock())
        if wait > 0:
            await self.sleep(wait)
        return wait

    def forget(self, seller_id: str, regions: Iterable[str]) -> None:
        """Drop the seller's buckets in `regions`: its calls are over (a plan keeps half a million
        buckets at 100,000 sellers otherwise). Should it call again, it starts with full buckets,
        as a new run would, and a 429 drains them as ever."""
        for region in regions:
            for operation in LIMITS:
                self._buckets.pop((seller_id, region, operation), None)

    def estimate(self, seller_id: str, region: str, operation: str) -> float:
        bucket = self.bucket(seller_id, region, operation)
        return 0.0 if bucket is None else bucket.estimate(self.clock())

    def throttled(self, seller_id: str, region: str, operation: str) -> None:
        """A 429 without a Retry-After: drain the bucket, so the next call waits for the refill."""
        bucket = self.bucket(seller_id, region, operation)
        if bucket is not None:
            bucket.drain(self.clock())

    def observe(self, seller_id: str, region: str, operation: str, header: str | None) -> None:
        """Adopt the rate the service announced for this bucket (clamped), if it announced one."""
        rate = parse_rate(header)
        bucket = self.bucket(seller_id, region, operation)
        if rate is None or bucket is None:
            return
        rate = clamp_rate(rate, LIMITS[operation].rate * self.scale)
        if rate != bucket.rate:
            bucket.set_rate(rate, self.clock())
