"""Token buckets per (seller, region, operation) on a fake clock; rate headers clamped."""

import asyncio

import pytest

from reconciler.client.ratelimit import RateLimiter, TokenBucket, clamp_rate, parse_rate
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
                                          ("", None), ("0", 0.0), ("-1", -1.0), ("fast", None), ("inf", None),
                                          ("nan", None)])
def test_rate_header_parsing(header, rate):
    assert parse_rate(header) == rate


@pytest.mark.parametrize("header, rate", [
    (0.016, 0.016), (0.008, 0.008),  # plausible (at most the published rate): adopted
    (0.0, 0.016), (-2.0, 0.016),  # zero or negative: the published rate
    (1e-9, 0.0016), (0.001, 0.0016),  # absurdly small: at most 10x slower than published
    (0.02, 0.016), (5000.0, 0.016), (1e5, 0.016),  # above the published rate: the published rate
])
def test_a_rate_header_is_clamped_to_the_published_table(header, rate):
    assert clamp_rate(header, 0.016) == pytest.approx(rate)


def test_a_429_drains_the_bucket_so_the_next_call_waits_for_the_refill():
    now = [0.0]
    limiter = RateLimiter(lambda: now[0])
    limiter.bucket("S1", "NA", "getMarketplaceParticipations")  # full: 15
    limiter.throttled("S1", "NA", "getMarketplaceParticipations")
    assert limiter.estimate("S1", "NA", "getMarketplaceParticipations") == pytest.approx(62.5)
    assert limiter.estimate("S1", "EU", "getMarketplaceParticipations") == 0.0  # another region's quota
    scaled = RateLimiter(lambda: now[0], scale=100)
    scaled.throttled("S1", "NA", "getMarketplaceParticipations")
    assert scaled.estimate("S1", "NA", "getMarketplaceParticipations") == pytest.approx(0.625)


def test_limiter_keeps_one_bucket_per_seller_region_and_operation_and_sleeps_off_the_debt():
    now = [0.0]
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    limiter = RateLimiter(lambda: now[0], sleep)

    async def run() -> None:
        for _ in range(LIMITS["createRegistration"].burst):
            await limiter.acquire("S1", "EU", "createRegistration")
        assert slept == []
        await limiter.acquire("S2", "EU", "createRegistration")  # another seller: its own bucket
        await limiter.acquire("S1", "NA", "createRegistration")  # another region: its own bucket
        await limiter.acquire("S1", "EU", "listRegistrations")  # another operation: its own bucket
        assert slept == []
        await limiter.acquire("S1", "EU", "createRegistration")
        assert slept == [pytest.approx(2.0)]
        limiter.observe("S1", "EU", "listRegistrations", "1.5")
        assert limiter.bucket("S1", "EU", "listRegistrations").rate == 1.5
        limiter.observe("S1", "EU", "listRegistrations", "0.00001")  # clamped: 2.0 / 10
        assert limiter.bucket("S1", "EU", "listRegistrations").rate == pytest.approx(0.2)
        assert await limiter.acquire("S1", "EU", "lwaToken") == 0.0  # no contract rate: not limited

    asyncio.run(run())


def test_a_header_above_the_published_rate_cannot_make_the_client_flood():
    now = [0.0]
    limiter = RateLimiter(lambda: now[0])
    limiter.observe("S1", "NA", "listRegistrations", "100000")
    bucket = limiter.bucket("S1", "NA", "listRegistrations")
    assert bucket is not None and bucket.rate == 2.0  # the published 2/s, not 100,000/s
    waits = [bucket.reserve(now[0]) for _ in range(22)]  # a 22-page read
    assert waits[:10] == [0.0] * 10 and waits[-1] == pytest.approx(6.0)  # burst 10, then 2/s


def test_a_fraction_of_a_token_left_is_no_wait():
    bucket = TokenBucket(rate=1.0, burst=2, now=0.0)
    bucket.reserve(0.0)
    bucket.reserve(0.0)
    assert bucket.reserve(1.5) == 0.0  # 1.5 tokens back, one taken: half a token is left, nothing owed


def test_a_scaled_limiter_publishes_and_clamps_at_the_scaled_rate():
    limiter = RateLimiter(lambda: 0.0, scale=10.0)
    assert limiter.published("listRegistrations") == pytest.approx(LIMITS["listRegistrations"].rate * 10)
    assert limiter.published("no-such-operation") is None
    limiter.observe("S1", "EU", "listRegistrations", "100")  # 5x the scaled 20/s: clamped to it
    assert limiter.bucket("S1", "EU", "listRegistrations").rate == pytest.approx(20.0)
    limiter.observe("S1", "EU", "listRegistrations", "5")  # a quarter of it: within the bound
    assert limiter.bucket("S1", "EU", "listRegistrations").rate == pytest.approx(5.0)


def test_an_operation_without_a_published_rate_is_never_waited_for():
    limiter = RateLimiter(lambda: 0.0)
    assert limiter.bucket("S1", "NA", "no-such-operation") is None
    assert limiter.estimate("S1", "NA", "no-such-operation") == 0.0
    assert asyncio.run(limiter.acquire("S1", "NA", "no-such-operation")) == 0.0


def test_a_forgotten_seller_starts_again_with_full_buckets_and_no_other_seller_is_touched():
    now = [0.0]
    limiter = RateLimiter(lambda: now[0])
    for seller in ("S1", "S2"):
        for region in ("NA", "EU"):
            limiter.throttled(seller, region, "listRegistrations")
    limiter.forget("S1", ["NA", "EU"])
    assert limiter.estimate("S1", "NA", "listRegistrations") == 0.0  # as a new run would start
    assert limiter.estimate("S1", "EU", "listRegistrations") == 0.0
    assert limiter.estimate("S2", "EU", "listRegistrations") == pytest.approx(0.5)  # 2/s: still refilling
    limiter.forget("S3", ["FE"])  # a seller with no bucket: nothing to drop, no error
