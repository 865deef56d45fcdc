"""What every sandbox handler shares: the state, the clock, the rate limiter and the faults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `acorn apply` against a served sandbox reads DEFAULT_REVIEW_SECONDS alone:
    # the store, the faults and starlette are not imported for it
    from .clock import SandboxClock
    from .faults import FaultInjector
    from .ratelimit import RateLimiter
    from .store import Store

DEFAULT_REVIEW_SECONDS = 300.0  # the one review delay: serve's default, the embedded sandbox's, the demo's


@dataclass
class Sandbox:
    """Everything a handler needs: the state, the clock and the in-memory controls."""

    store: Store
    clock: SandboxClock
    limiter: RateLimiter
    faults: FaultInjector
    review_seconds: float = DEFAULT_REVIEW_SECONDS

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        self.store.set_meta("clock_offset", repr(self.clock.advance(seconds)))

    def reset(self) -> None:
        from .faults import Faults

        self.store.reset()
        self.clock.offset = 0.0
        self.limiter.reset()
        self.faults.set(Faults())
