"""When to try a call again, how long to wait, and when the whole run should stop.

Pure but for the random source, which is passed in: exponential backoff with full jitter
(AWS architecture blog, "Exponential Backoff And Jitter"), `Retry-After` honoured, a bound
on attempts and on total waiting per call, and a breaker that stops the run when calls
fail several times in a row across all sellers (the service is down, not flaky).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from ..errors import BreakerOpen

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
FAILURE_STATUSES = frozenset({500, 502, 503, 504})  # 429 is the service alive and throttling


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base: float = 0.5  # seconds; the first retry waits up to this
    cap: float = 20.0  # no single backoff is longer
    max_total_wait: float = 60.0  # per call, summed over its retries
    max_consecutive_failures: int = 5  # across the run: then the run stops

    def backoff(self, attempt: int, rng: Callable[[], float]) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))) after failed `attempt` (1-based)."""
        return rng() * min(self.cap, self.base * 2 ** (attempt - 1))

    def delay(self, attempt: int, rng: Callable[[], float], retry_after: float | None) -> float:
        """The wait before the next attempt; a server's Retry-After wins over our own guess."""
        return retry_after if retry_after is not None else self.backoff(attempt, rng)

    def should_retry(self, attempt: int, waited: float, delay: float) -> bool:
        return attempt < self.max_attempts and waited + delay <= self.max_total_wait


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP-date); None if absent or invalid."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


class Breaker:
    """Counts failed attempts in a row across the run; at the threshold every call stops.

    A success resets the count; a 429 neither counts nor resets (the service answered, and
    throttling says nothing about its health).
    """

    def __init__(self, threshold: int, service: str = "ACORN-i") -> None:
        self.threshold = threshold
        self.service = service  # what the message says is not answering
        self.consecutive = 0
        self._message: str | None = None

    def check(self) -> None:
        if self._message is not None:
            raise BreakerOpen(self._message)

    def success(self) -> None:
        if self._message is None:
            self.consecutive = 0

    def failure(self, what: str, request_id: str | None = None) -> None:
        """Count a failed attempt (`what` says which and how); raises when the run must stop."""
        self.consecutive += 1
        if self._message is None and self.consecutive >= self.threshold:
            self._message = (f"{self.service} is not answering: {self.consecutive} calls in a row failed "
                             f"(last: {what}); stopping the run, try again later")
            stop = BreakerOpen(self._message)  # `what` names the request id already: said once
            stop.request_id = request_id  # and kept for the views that show it in a column
            raise stop
