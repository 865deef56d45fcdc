"""Exactly once, whatever fails: apply against the served sandbox with injected 5xx, commits
whose answer is dropped and throttling; killed with SIGKILL mid-way; two applies at once.
Each ends with exactly one registration per desired pair in the sandbox's own state."""

from __future__ import annotations

import signal

from tests.actions.apply_support import Seller

SELLERS = (
    Seller("alpha", "A1ALPHA0000001", ("DE", "FR")),
    Seller("bravo", "A2BRAVO0000002", ("IT",)),
    Seller("charlie", "A3CHARLIE00003", ("UK", "DE", "ES")),
    Seller("delta", "A4DELTA0000004", ("US", "DE")),  # two regions: two calls
    Seller("echo", "A5ECHO00000005", ("NL", "FR", "IT"), participations=("FR",)),
    Seller("foxtrot", "A6FOXTROT0006", ("CA", "UK")),
)


def test_apply_converges_exactly_once_under_errors_drops_and_throttling(world, run_acorn) -> None:
    w = world(*SELLERS)
    w.admin.faults(errorRate=0.25, dropAfterCommitRate=0.25, throttleEveryNth=5, seed=7)
    codes = []
    for _ in range(3):
        result = run_acorn(*w.args("apply", "--yes"))
        codes.append(result.code)
        assert "Traceback" not in result.err
        if result.code == 0:
            break
    assert codes[-1] == 0, f"not converged after {len(codes)} runs: {codes}\n{result.out}\n{result.err}"
    assert w.admin.pairs() == w.wanted()  # every pair once: none missing, none twice
    # a further run finds nothing left to do and sends no create
    w.admin.faults()
    again = run_acorn(*w.args("apply", "--yes"))
    assert again.code == 0 and "Apply: nothing to create." in again.out
    assert w.admin.pairs() == w.wanted()


def test_kill_9_mid_apply_then_apply_again_creates_nothing_twice(world) -> None:
    w = world(*SELLERS)
    w.settings(concurrency=2)
    w.admin.faults(latencyMs=250)
    proc = w.popen("apply", "--yes")
    try:
        w.admin.wait_for_registrations(1)  # it is mid-way: some creates done, others in flight or not sent
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < sum(w.admin.pairs().values()) < sum(w.wanted().values())
    w.admin.faults()
    result = w.run("apply", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert w.admin.pairs() == w.wanted()


def test_two_applies_at_once_create_each_pair_once(world) -> None:
    w = world(*SELLERS)
    w.admin.faults(latencyMs=50)
    first, second = w.popen("apply", "--yes"), w.popen("apply", "--yes")
    outs = [p.communicate(timeout=60) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    assert w.admin.pairs() == w.wanted()
