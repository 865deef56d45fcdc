"""Fault injection: what `PUT /_sandbox/faults` turns on, decided by a seeded generator.

Faults live in memory (a restart turns them off). The same seed and the same sequence of
calls give the same faults, so a test that injects them is deterministic.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from .http import ApiFailure

MAX_LATENCY_MS = 60_000

# API key -> Faults field, in the order the API answers them.
_KEYS = {"latencyMs": "latency_ms", "errorRate": "error_rate",
         "dropAfterCommitRate": "drop_after_commit_rate",
         "throttleEveryNth": "throttle_every_nth", "retryAfterOn429": "retry_after_on_429", "seed": "seed"}


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    throttle_every_nth: int = 0
    retry_after_on_429: bool = False  # the sandbox's old 429s; SP-API's carry no Retry-After
    seed: int = 1

    def to_api(self) -> dict[str, Any]:
        return {key: getattr(self, attr) for key, attr in _KEYS.items()}


def faults_from_api(body: Any) -> Faults:
    """The body of `PUT /_sandbox/faults`; a key left out takes its default (off)."""
    if not isinstance(body, dict):
        raise ApiFailure.invalid("body", "the body must be a JSON object")
    values = asdict(Faults())
    for key, value in body.items():
        if key not in _KEYS:
            raise ApiFailure.invalid(key, f"unknown key {key!r}")
        if key == "retryAfterOn429":
            if not isinstance(value, bool):
                raise ApiFailure.invalid(key, f"{key} must be true or false")
            values[_KEYS[key]] = value
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ApiFailure.invalid(key, f"{key} must be a number")
        if key.endswith("Rate"):
            if not 0.0 <= value <= 1.0:
                raise ApiFailure.invalid(key, f"{key} must be between 0 and 1")
            value = float(value)
        else:
            if value != int(value) or (value < 0 and key != "seed"):
                raise ApiFailure.invalid(key, f"{key} must be a whole number >= 0")
            if key == "latencyMs" and value > MAX_LATENCY_MS:
                raise ApiFailure.invalid(key, f"latencyMs must be at most {MAX_LATENCY_MS}")
            value = int(value)
        values[_KEYS[key]] = value
    return Faults(**values)


class FaultInjector:
    def __init__(self, faults: Faults | None = None) -> None:
        self.set(faults or Faults())

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)
        self._calls = 0

    def server_error(self) -> int | None:
        """500 or 503 for this API call when errorRate says so, else None."""
        rate = self.faults.error_rate
        if rate and self._random.random() < rate:
            return self._random.choice((500, 503))
        return None

    def throttled(self) -> bool:
        """Every Nth API call is answered 429 (counting from this PUT)."""
        self._calls += 1
        nth = self.faults.throttle_every_nth
        return bool(nth) and self._calls % nth == 0

    def drop_after_commit(self) -> bool:
        rate = self.faults.drop_after_commit_rate
        return bool(rate) and self._random.random() < rate
