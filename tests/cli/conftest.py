"""Fixtures of the apply tests: one served sandbox per session (rate limits on), reset before
each test, and a `world` factory: a desired tree in tmp_path with its sellers seeded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.actions.apply_support import Admin, Seller, World, make_world
from tests.served_sandbox import served_sandbox


@pytest.fixture(scope="session")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_sandbox(tmp_path_factory.mktemp("apply-sandbox") / "state.sqlite") as url:
        yield url


@pytest.fixture
def sandbox(sandbox_url: str) -> Iterator[Admin]:
    admin = Admin(sandbox_url)
    admin.reset()
    yield admin
    admin.reset()  # faults off for whoever comes next
    admin.http.close()


@pytest.fixture
def world(tmp_path: Path, sandbox: Admin, monkeypatch: pytest.MonkeyPatch):
    """world(*sellers) -> World; its env is also set for in-process runs (run_acorn)."""

    def build(*sellers: Seller) -> World:
        w = make_world(tmp_path, sandbox.url, sandbox, sellers)
        for k, v in w.env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.chdir(tmp_path)
        return w

    return build
