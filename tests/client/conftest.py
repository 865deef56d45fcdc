"""Fixtures of the client tests: fake time and a client factory over any transport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.client import AcornClient, MemoryAuditLog, RetryPolicy
from reconciler.desired.settings import Settings
from tests.client.client_support import BASE, CLIENT_SECRET
from tests.served_sandbox import Admin, FakeTime, served_sandbox


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(tmp_path: Path, fake_time: FakeTime):
    """AcornClient(settings at BASE) over `transport`, with fake time and a memory audit log."""

    def factory(transport: httpx.AsyncBaseTransport, env: dict[str, str], *, endpoint: str = BASE,
                audit: MemoryAuditLog | None = None, policy: RetryPolicy = RetryPolicy(),  # noqa: B008  frozen
                rng=lambda: 0.5, throttle_budget: float = 600.0, environment: str = "sandbox",
                **kwargs) -> AcornClient:
        env = {"LWA_CLIENT_ID": "acorn-test", "LWA_CLIENT_SECRET": CLIENT_SECRET, **env}
        settings = Settings(endpoint=endpoint, throttle_budget_seconds=throttle_budget, environment=environment)
        return AcornClient(settings, env, base_dir=tmp_path,
                           audit=audit if audit is not None else MemoryAuditLog(), transport=transport,
                           sleep=fake_time.sleep, clock=fake_time.clock, rng=rng, policy=policy, **kwargs)

    return factory


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One served sandbox (rate limits on) for the tests that reset and seed it."""
    with served_sandbox(tmp_path_factory.mktemp("served") / "state.sqlite") as url:
        yield url


@pytest.fixture
def sandbox(sandbox_url: str) -> Admin:
    admin = Admin(sandbox_url)
    admin.reset()
    return admin
