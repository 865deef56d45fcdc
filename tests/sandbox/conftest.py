"""Fixtures of the sandbox tests (helpers in sandbox_support.py): one served sandbox per
session, reset before each test, and the OpenAPI check of every response a test collects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.sandbox_support import SPEC, Api, Contract, Recorded, Served, recording_client, serve_in_thread


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_in_thread(tmp_path_factory.mktemp("sandbox") / "state.sqlite") as s:
        yield s


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract(SPEC)


@pytest.fixture
def api(served: Served, contract: Contract) -> Iterator[Api]:
    """The served sandbox, reset; after the test, every response it answered must match the
    OpenAPI document (a mismatch fails the test at teardown)."""
    recorded: list[Recorded] = []
    with recording_client(served.url, recorded) as http:
        helper = Api(http, recorded)
        assert http.post("/_sandbox/reset").status_code == 200
        yield helper
        http.post("/_sandbox/reset")  # faults off for whoever comes next
    problems = [p for r in recorded for p in contract.problems(r.method, r.path, r.status, r.headers, r.body)]
    assert not problems, "responses that break schemas/acorn-i.openapi.yaml:\n" + "\n".join(problems)
