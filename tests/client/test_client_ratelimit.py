"""Token buckets per (seller, operation) on a fake clock."""

import asyncio

import pytest

from reconciler.client.ratelimit import RateLimiter, TokenBucket, parse_rate
from reconciler.domain.contract import LIMITS


def test_a_full_bucket_serves_its_burst_then_paces_at_its_rate():
    bucket = TokenBucket(rate=0.5, burst=5, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(5)] == [0.0] * 5
    assert bucket.reserve(0.0) == pytest.approx(2.0)  # one token per 2 s
    assert bucket.reserve(0.0) == pytest.approx(4.0)  # queued behind the previous reservation


def test_tokens_refill_with_time_up_to_the_burst():
    bucket = TokenBucket(rate=2.0, burst=10, now=0.0)
    for _ in range(10):
        bucket.reserve(0.0)
    assert bucket.reserve(1.0) == 0.0  # 2 tokens back after 1 s
    assert bucket.reserve(1.0) == 0.0
    assert bucket.reserve(1.0) == pytest.approx(0.5)
    bucket = TokenBucket(rate=2.0, burst=10, now=0.0)
    bucket.reserve(1000.0)
    assert bucket.tokens == pytest.approx(9.0)  # never more than the burst


def test_a_new_rate_applies_from_now_on():
    bucket = TokenBucket(rate=1.0, burst=1, now=0.0)
    bucket.reserve(0.0)
    bucket.set_rate(4.0, now=0.0)
    assert bucket.reserve(0.0) == pytest.approx(0.25)


@pytest.mark.parametrize("header, rate", [("0.5", 0.5), ("2", 2.0), ("0.0167", 0.0167), (None, None),
                                          ("", None), ("0", None), ("-1", None), ("fast", None), ("inf", None)])
def test_rate_header_parsing(header, rate):
    assert parse_rate(header) == rate


def test_limiter_keeps_one_bucket_per_seller_and_operation_and_sleeps_off_the_debt():
    now = [0.0]
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    limiter = RateLimiter(lambda: now[0], sleep)

    async def run() -> None:
        for _ in range(LIMITS["createRegistration"].burst):
            await limiter.acquire("S1", "createRegistration")
        assert slept == []
        await limiter.acquire("S2", "createRegistration")  # another seller: its own bucket
        await limiter.acquire("S1", "listRegistrations")  # another operation: its own bucket
        assert slept == []
        await limiter.acquire("S1", "createRegistration")
        assert slept == [pytest.approx(2.0)]
        limiter.observe("S1", "listRegistrations", "5")
        assert limiter.bucket("S1", "listRegistrations").rate == 5.0
        assert await limiter.acquire("S1", "lwaToken") == 0.0  # no contract rate: not limited

    asyncio.run(run())
