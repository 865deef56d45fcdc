"""Fault injection: what `PUT /_sandbox/faults` turns on, decided by a seeded generator or a script.

Faults live in memory (a restart turns them off). The same seed and the same sequence of
calls give the same faults, so a test that injects them is deterministic. Besides the
rates, a `script` names exactly which calls misbehave (the next N calls of an operation:
answer this status, wait this long before acting or before answering, or act and then drop
the connection), `rates` makes the
service announce and enforce a rate other than the contract's default (SP-API's usage plans
may differ per application), and `echoCredentials` makes error answers quote the
credentials their request carried, as a careless server or proxy might: a client's
redaction can be tested against it. `expiredClientSecret` plays an application whose LWA
client secret is past its rotation: LWA still issues access tokens, and every API call is
answered as SP-API answers it then (403, "The LWA secret token you provided has expired.").
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from ..domain.contract import ACCESS_TOKEN_HEADER, ERROR_CODES, LIMITS
from .http import ApiFailure

MAX_LATENCY_MS = 60_000
ECHO_FIELDS = ("code", "message", "details")

# API key -> Faults field, in the order the API answers them.
_KEYS = {"latencyMs": "latency_ms", "errorRate": "error_rate",
         "dropAfterCommitRate": "drop_after_commit_rate",
         "throttleEveryNth": "throttle_every_nth", "retryAfterOn429": "retry_after_on_429", "seed": "seed",
         "script": "script", "rates": "rates", "echoCredentials": "echo_credentials",
         "expiredClientSecret": "expired_client_secret"}
_STEP_KEYS = ("operation", "times", "status", "retryAfter", "latencyMs", "holdMs", "drop", "code", "message")
MAX_STEP_TEXT = 4096


@dataclass(frozen=True)
class Step:
    """The next `times` calls of `operation`: wait `latency_ms`, then answer `status` without
    acting, or act and `drop` the connection unanswered (a create commits first), or, with
    neither, answer as usual; `hold_ms` holds the answer back that long after acting (or
    until the client goes away): a call committed whose answer has not come yet. With a status,
    `code` and `message` are the error answer's words as given: a hostile or careless server's
    text (control characters, workflow commands, a tax number echoed back) for output tests."""

    operation: str
    times: int = 1
    status: int | None = None
    retry_after: float | None = None
    latency_ms: int = 0
    drop: bool = False
    hold_ms: int = 0
    code: str | None = None
    message: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {"operation": self.operation, "times": self.times, "status": self.status,
                "retryAfter": self.retry_after, "latencyMs": self.latency_ms, "holdMs": self.hold_ms,
                "drop": self.drop, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    throttle_every_nth: int = 0
    retry_after_on_429: bool = False  # the sandbox's old 429s; SP-API's carry no Retry-After
    seed: int = 1
    script: tuple[Step, ...] = ()
    rates: tuple[tuple[str, float], ...] = ()  # (operation, requests per second)
    echo_credentials: str = ""  # "" or one of ECHO_FIELDS
    expired_client_secret: bool = False  # every API call: SP-API's 403 for an expired LWA client secret

    def to_api(self) -> dict[str, Any]:
        out = {key: getattr(self, attr) for key, attr in _KEYS.items()}
        return {**out, "script": [s.to_api() for s in self.script], "rates": dict(self.rates)}


def _whole(key: str, value: Any, maximum: float | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 0:
        raise ApiFailure.invalid(key, f"{key} must be a whole number >= 0")
    if maximum is not None and value > maximum:
        raise ApiFailure.invalid(key, f"{key} must be at most {maximum}")
    return int(value)


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict):
        raise ApiFailure.invalid(where, "a script step must be an object")
    for key in raw:
        if key not in _STEP_KEYS:
            raise ApiFailure.invalid(f"{where}.{key}", f"unknown key {key!r}")
    operation = raw.get("operation")
    if operation not in LIMITS:
        raise ApiFailure.invalid(f"{where}.operation", f"one of {', '.join(LIMITS)}")
    status = raw.get("status")
    if status is not None and status not in ERROR_CODES:
        raise ApiFailure.invalid(f"{where}.status", f"one of {', '.join(map(str, ERROR_CODES))}")
    retry_after = raw.get("retryAfter")
    if retry_after is not None and (isinstance(retry_after, bool) or not isinstance(retry_after, (int, float))
                                    or retry_after < 0):
        raise ApiFailure.invalid(f"{where}.retryAfter", "retryAfter must be a number of seconds >= 0")
    drop = raw.get("drop", False)
    if not isinstance(drop, bool) or (drop and status is not None):
        raise ApiFailure.invalid(f"{where}.drop", "drop must be true or false, and not given with a status")
    times = _whole(f"{where}.times", raw.get("times", 1))
    latency = _whole(f"{where}.latencyMs", raw.get("latencyMs", 0), MAX_LATENCY_MS)
    hold = _whole(f"{where}.holdMs", raw.get("holdMs", 0), MAX_LATENCY_MS)
    code, message = _step_text(raw, where, "code"), _step_text(raw, where, "message")
    if (code is not None or message is not None) and status is None:
        raise ApiFailure.invalid(f"{where}.code", "code and message are the words of a scripted status: give one")
    return Step(operation, times, status, retry_after, latency, drop, hold, code, message)


def _step_text(raw: dict[str, Any], where: str, key: str) -> str | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not value or len(value) > MAX_STEP_TEXT):
        raise ApiFailure.invalid(f"{where}.{key}", f"{key} must be a non-empty string of at most {MAX_STEP_TEXT}")
    return value


def _rates(raw: Any) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, dict):
        raise ApiFailure.invalid("rates", "rates must be an object of operation -> requests per second")
    for operation, rate in raw.items():
        if operation not in LIMITS:
            raise ApiFailure.invalid(f"rates.{operation}", f"one of {', '.join(LIMITS)}")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 1000:
            raise ApiFailure.invalid(f"rates.{operation}", "a rate is requests per second, above 0 and at most 1000")
    return tuple((operation, float(rate)) for operation, rate in raw.items())


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ApiFailure.invalid(key, f"{key} must be true or false")
    return value


def _script(key: str, value: Any) -> tuple[Step, ...]:
    if not isinstance(value, list):
        raise ApiFailure.invalid(key, "script must be a list of steps")
    return tuple(_step(step, f"script[{i}]") for i, step in enumerate(value))


def _echo(key: str, value: Any) -> str:
    if value not in ("", *ECHO_FIELDS):
        raise ApiFailure.invalid(key, f"echoCredentials must be one of {', '.join(ECHO_FIELDS)} or empty")
    return str(value)


def _number(key: str, value: Any) -> float | int:
    """The numeric keys: a rate in [0, 1], the seed (whole), or a whole count of milliseconds or calls."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiFailure.invalid(key, f"{key} must be a number")
    if key.endswith("Rate"):
        if not 0.0 <= value <= 1.0:
            raise ApiFailure.invalid(key, f"{key} must be between 0 and 1")
        return float(value)
    if key == "seed":
        if value != int(value):
            raise ApiFailure.invalid(key, "seed must be a whole number")
        return int(value)
    return _whole(key, value, MAX_LATENCY_MS if key == "latencyMs" else None)


_READERS = {"retryAfterOn429": _flag, "expiredClientSecret": _flag, "script": _script,
            "rates": lambda key, value: _rates(value), "echoCredentials": _echo}


def faults_from_api(body: Any) -> Faults:
    """The body of `PUT /_sandbox/faults`; a key left out takes its default (off)."""
    if not isinstance(body, dict):
        raise ApiFailure.invalid("body", "the body must be a JSON object")
    values = asdict(Faults())
    values["script"], values["rates"] = (), ()
    for key, value in body.items():
        if key not in _KEYS:
            raise ApiFailure.invalid(key, f"unknown key {key!r}")
        values[_KEYS[key]] = _READERS.get(key, _number)(key, value)
    return Faults(**values)


def echoed(value: str) -> str:
    """`value` as a careless server would quote it: raw, percent-encoded, and with lower-case escapes."""
    encoded = quote(value, safe="")
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)
    return " / ".join(dict.fromkeys((value, encoded, lower)))


class FaultInjector:
    def __init__(self, faults: Faults | None = None) -> None:
        self.set(faults or Faults())

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)
        self._calls = 0
        self._left = [step.times for step in faults.script]  # calls each step still takes
        self._rates = dict(faults.rates)

    def step(self, operation: str) -> Step | None:
        """The first script step for `operation` with calls left (taking one), else None."""
        for i, step in enumerate(self.faults.script):
            if step.operation == operation and self._left[i]:
                self._left[i] -= 1
                return step
        return None

    def rate(self, operation: str) -> float:
        """The rate the service announces and enforces for `operation`."""
        return self._rates.get(operation, LIMITS[operation].rate)

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

    def echo(self, failure: ApiFailure, access_token: str | None) -> None:
        """Quotes the request's access token in the answer's `echoCredentials` field."""
        where = self.faults.echo_credentials
        if where and access_token:
            quoted = f"{getattr(failure, where)} (sent {ACCESS_TOKEN_HEADER} {echoed(access_token)})"
            setattr(failure, where, quoted.strip())
