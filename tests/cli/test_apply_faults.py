"""Exactly once, whatever fails: apply against the served sandbox with injected 5xx, commits
whose answer is dropped and throttling; killed with SIGKILL mid-way; two applies at once.
Each ends with exactly one registration per desired pair in the sandbox's own state."""

from __future__ import annotations

import json
import signal

from reconciler.domain.contract import CREATE_REGISTRATION, GET_PARTICIPATIONS, LIST_REGISTRATIONS
from tests.actions.apply_support import Seller

SELLERS = (
    Seller("alpha", "A1ALPHA0000001", ("DE", "FR")),
    Seller("bravo", "A2BRAVO0000002", ("IT",)),
    Seller("charlie", "A3CHARLIE00003", ("UK", "DE", "ES")),
    Seller("delta", "A4DELTA0000004", ("US", "DE")),  # two regions: two calls
    Seller("echo", "A5ECHO00000005", ("NL", "FR", "IT"), participations=("FR",)),
    Seller("foxtrot", "A6FOXTROT0006", ("CA", "UK")),
)


def create_faults(*faults: dict) -> list[dict]:
    """Script steps for the next createRegistration calls, one call each; Retry-After 0 keeps
    the client from waiting on a scripted status."""
    return [{"operation": CREATE_REGISTRATION, "retryAfter": 0, **f} if "status" in f
            else {"operation": CREATE_REGISTRATION, **f} for f in faults]


def test_apply_converges_exactly_once_under_errors_drops_and_throttling(world, run_acorn) -> None:
    """Deterministic: one seller at a time, so the creates reach the sandbox in one order and
    meet the scripted faults in one order, whatever the machine's speed."""
    w = world(*SELLERS)
    w.settings(concurrency=1)
    ok = {}  # answered as usual
    w.admin.faults(script=[
        {"operation": GET_PARTICIPATIONS, "status": 503, "retryAfter": 0},
        {"operation": LIST_REGISTRATIONS, "status": 429, "retryAfter": 0},
        # one createRegistration call each, in the order the sellers' calls come:
        *create_faults({"drop": True}, ok,  # alpha's commits and its answer is lost; the retry replays it
                       {"status": 429}, {"status": 500}, ok,  # bravo's is throttled, fails, then goes through
                       {"drop": True}, {"status": 503}, ok,  # charlie's commits, is lost, its replay fails once
                       # delta's fails five times in a row: the breaker stops the run
                       {"status": 503}, {"status": 500}, {"status": 503}, {"status": 500}, {"status": 503}),
    ])
    first = run_acorn(*w.args("apply", "--yes"))
    assert first.code == 1 and "5 calls in a row failed" in first.out and "Traceback" not in first.err
    assert "Apply: 6 accepted, 0 already existed, 6 failed." in first.out, first.out
    done = w.admin.pairs()
    assert set(done) < set(w.wanted()) and max(done.values()) == 1  # part of it, nothing twice
    assert set(done) == {(s.seller_id, m) for s in SELLERS[:3] for m in s.marketplaces}  # alpha, bravo, charlie
    w.admin.faults(script=create_faults({"drop": True}, {"status": 429}))  # the second run meets faults too
    second = run_acorn(*w.args("apply", "--yes"))
    assert second.code == 0, second.out + second.err
    assert w.admin.pairs() == w.wanted()  # every pair once: none missing, none twice
    third = run_acorn(*w.args("apply", "--yes"))  # a further run finds nothing left to do
    assert third.code == 0 and "Apply: nothing to create." in third.out
    assert w.admin.pairs() == w.wanted()


def audit_lines(w) -> list[dict]:
    path = w.root / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_kill_9_while_a_create_is_in_flight_then_apply_again_creates_nothing_twice(world, run_acorn) -> None:
    """The first create is committed by the sandbox and its answer held back; apply is killed
    right then (the sandbox's state shows the commit: a readiness poll, not a timed sleep)."""
    w = world(*SELLERS)
    w.settings(concurrency=1)
    assert run_acorn(*w.args("plan", "--out", "plan.json")).code == 0
    plan = json.loads((w.root / "plan.json").read_text())
    token_of = {(e["sellerId"], m): c["clientToken"] for e in plan["entities"] for c in e["creates"]
                for m in c["marketplaceIds"]}
    groups = [c for e in plan["entities"] for c in e["creates"]]
    w.admin.faults(script=[{"operation": CREATE_REGISTRATION, "holdMs": 60_000}])
    proc = w.popen("apply", "plan.json")
    try:
        w.admin.wait_for_registrations(1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    committed = w.admin.registrations()
    in_flight = [c for c in groups if c["clientToken"] in {r["clientToken"] for r in committed}]
    assert len(in_flight) == 1
    assert sorted(r["marketplaceId"] for r in committed) == sorted(in_flight[0]["marketplaceIds"])
    creates_sent = [a for a in audit_lines(w) if a["operation"] == CREATE_REGISTRATION]
    assert creates_sent == []  # the killed run never heard back: no answer reached its audit log

    w.admin.faults()
    result = w.run("apply", "plan.json")
    assert result.returncode == 0, result.stdout + result.stderr
    registrations = w.admin.registrations()
    assert w.admin.pairs() == w.wanted()  # one registration per pair
    assert {r["clientToken"] == token_of[(r["sellerId"], r["marketplaceId"])] for r in registrations} == {True}
    again = [a for a in audit_lines(w) if a["operation"] == CREATE_REGISTRATION]
    assert [a["status"] for a in again] == [202] * (len(groups) - 1)  # only what was missing, each once


def test_two_applies_at_once_create_each_pair_once(world) -> None:
    w = world(*SELLERS)
    w.admin.faults(latencyMs=50)
    first, second = w.popen("apply", "--yes"), w.popen("apply", "--yes")
    outs = [p.communicate(timeout=60) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    assert w.admin.pairs() == w.wanted()
