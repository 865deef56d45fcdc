"""Backoff, Retry-After and the run's breaker: the pure retry policy."""

from datetime import datetime, timezone

import pytest

from reconciler.client.retry import Breaker, RetryPolicy, parse_retry_after
from reconciler.errors import BreakerOpen


@pytest.mark.parametrize("attempt, ceiling", [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 20.0), (30, 20.0)])
def test_backoff_is_full_jitter_under_an_exponential_capped_ceiling(attempt, ceiling):
    policy = RetryPolicy(base=0.5, cap=20.0)
    assert policy.backoff(attempt, lambda: 0.0) == 0.0
    assert policy.backoff(attempt, lambda: 0.999999) == pytest.approx(ceiling, rel=1e-5)
    assert policy.backoff(attempt, lambda: 0.5) == pytest.approx(ceiling / 2)


def test_retry_after_wins_over_the_jittered_guess():
    policy = RetryPolicy()
    assert policy.delay(1, lambda: 0.9, retry_after=7.0) == 7.0
    assert policy.delay(1, lambda: 0.9, retry_after=None) == pytest.approx(0.45)


def test_attempts_and_total_wait_are_bounded():
    policy = RetryPolicy(max_attempts=6, max_total_wait=60.0)
    assert policy.should_retry(5, 0.0, 1.0)
    assert not policy.should_retry(6, 0.0, 1.0)
    assert policy.should_retry(2, 50.0, 10.0)
    assert not policy.should_retry(2, 50.0, 10.5)


@pytest.mark.parametrize("value, expected", [
    ("3", 3.0), ("0.25", 0.25), (" 12 ", 12.0), ("-4", 0.0),
    ("Fri, 27 Nov 2026 10:00:30 GMT", 30.0), ("Fri, 27 Nov 2026 09:00:00 GMT", 0.0),
    (None, None), ("", None), ("soon", None), ("nan", None),
])
def test_retry_after_parses_seconds_and_http_dates(value, expected):
    now = datetime(2026, 11, 27, 10, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(value, now) == expected


def test_breaker_trips_on_the_fifth_failure_in_a_row_and_stays_tripped():
    breaker = Breaker(5)
    for _ in range(4):
        breaker.failure("503 on x")
    breaker.success()  # a success in between starts the count again
    for _ in range(4):
        breaker.failure("503 on x")
    breaker.check()
    with pytest.raises(BreakerOpen, match="5 calls in a row failed .last: ReadTimeout on y"):
        breaker.failure("ReadTimeout on y")
    with pytest.raises(BreakerOpen, match="stopping the run"):
        breaker.check()
    breaker.success()  # a late success of an in-flight call does not un-stop the run
    with pytest.raises(BreakerOpen, match="stopping the run"):
        breaker.check()
