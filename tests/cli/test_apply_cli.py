"""`acorn apply` end to end against the served sandbox: saved plans (stale, reviewed pairs
only), maxCreates and --force, confirmation, --wait, and what CI and a terminal print."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import threading

import pytest

from reconciler.desired.loader import load_desired
from tests import REPO
from tests.actions.apply_support import Admin, Seller

ALPHA = Seller("alpha", "A1ALPHA0000001", ("DE", "FR"))
BRAVO = Seller("bravo", "A2BRAVO0000002", ("IT",))


def test_ci_prints_a_line_per_result_and_the_summary(world, run_acorn) -> None:
    w = world(ALPHA, BRAVO)
    result = run_acorn(*w.args("apply", "--yes"))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert ("Plan: 3 to create, 0 pending, 0 attention, 0 blocked, 0 live, 0 unmanaged, 0 drifted, "
            "0 unreadable.") in lines
    accepted = [line for line in lines if line.startswith("+ ")]
    assert sorted(re.sub(r"REG-\w+", "REG", line) for line in accepted) == [
        "+ alpha  DE  accepted REG", "+ alpha  FR  accepted REG", "+ bravo  IT  accepted REG"]
    assert lines[-1] == "Apply: 3 accepted, 0 already existed, 0 failed."
    created = {r["registrationId"] for r in w.admin.registrations()}
    assert created == set(re.findall(r"REG-\w+", "\n".join(accepted)))
    # every call is in the audit log, the creates with the seller they acted for
    audit = [json.loads(line) for line in (w.root / "audit.jsonl").read_text().splitlines()]
    assert sorted(a["sellerId"] for a in audit if a["operation"] == "createRegistration") == [
        ALPHA.seller_id, BRAVO.seller_id]


def test_a_terminal_gets_a_progress_bar_then_the_results(world, run_acorn, monkeypatch) -> None:
    w = world(ALPHA)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    result = run_acorn(*w.args("apply", "--yes"))
    assert result.code == 0, result.err
    assert "Submitting" in result.err and "100%" in result.err
    assert len([line for line in result.out.splitlines() if line.startswith("+ alpha")]) == 2


def test_a_stale_saved_plan_is_refused(world, run_acorn) -> None:
    w = world(ALPHA, BRAVO)
    assert run_acorn(*w.args("plan", "--out", "plan.json")).code == 0
    saved = json.loads((w.root / "plan.json").read_text())["desiredDigest"]
    entity = w.desired / "alpha.yaml"
    entity.write_text(entity.read_text().replace("Alpha Trading Ltd", "Alpha Trading Limited"))
    result = run_acorn(*w.args("apply", "plan.json"))
    assert result.code == 1
    now = load_desired(w.root / "desired").digest
    assert "the saved plan is stale" in result.err and "acorn plan --out" in result.err
    assert saved[:12] in result.err and now[:12] in result.err
    assert w.admin.registrations() == []


def test_a_saved_plan_creates_only_what_it_showed_and_is_still_missing(world, run_acorn) -> None:
    charlie = Seller("charlie", "A3CHARLIE00003", ("DE", "FR", "IT"), participations=("FR",))
    w = world(charlie, BRAVO)
    assert run_acorn(*w.args("plan", "--out", "plan.json")).code == 0  # charlie: DE, IT; bravo: IT
    # since the review: charlie's FR store closed (FR would now be a create nobody reviewed),
    # and charlie's IT was created by another run
    w.admin.seller(charlie.seller_id, charlie.refresh_token, charlie.legal_name, ())
    assert run_acorn(*w.args("apply", "--yes", "--entity", "charlie", "--marketplace", "IT")).code == 0
    result = run_acorn(*w.args("apply", "plan.json"))  # a saved plan needs no confirmation
    assert result.code == 0, result.err
    assert "note: charlie FR: not in the saved plan" in result.out
    assert re.search(r"note: charlie IT: no longer missing: now pending \(SUBMITTED REG-\w+\)", result.out)
    assert result.out.splitlines()[-1] == "Apply: 2 accepted, 0 already existed, 0 failed."
    assert w.admin.pairs() == {(charlie.seller_id, "DE"): 1, (charlie.seller_id, "IT"): 1, (BRAVO.seller_id, "IT"): 1}


def test_max_creates_refuses_a_mass_change_unless_forced(world, run_acorn) -> None:
    w = world(ALPHA, BRAVO)
    w.settings(maxCreates=2)
    refused = run_acorn(*w.args("apply", "--yes"))
    assert refused.code == 1
    assert "refusing to create 3 registrations: more than maxCreates (2); pass --force" in refused.err
    assert w.admin.registrations() == []
    forced = run_acorn(*w.args("apply", "--yes", "--force"))
    assert forced.code == 0, forced.err
    assert w.admin.pairs() == w.wanted()


def test_without_a_terminal_apply_needs_yes(world) -> None:
    w = world(ALPHA)
    result = w.run("apply")  # stdin is not a terminal
    assert result.returncode == 1
    assert "refusing to apply without confirmation: stdin is not a terminal; pass --yes" in result.stderr
    assert w.admin.registrations() == [] and not (w.root / "audit.jsonl").exists()  # not a single call


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer, code, created", [("n\n", 1, 0), ("y\n", 0, 2)])
def test_on_a_terminal_apply_asks_first(world, run_acorn, monkeypatch, answer: str, code: int, created: int) -> None:
    w = world(ALPHA)
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    result = run_acorn(*w.args("apply"))
    assert result.code == code
    assert "Submit 2 registrations in 1 call to environment sandbox at endpoint http" in result.out
    assert len(w.admin.registrations()) == created


def test_wait_reports_the_decided_review_with_its_reasons(world, run_acorn, sandbox_url) -> None:
    renamed = Seller("golf", "A7GOLF0000007", ("DE",), account_name="Golf Holdings Ltd")  # rejected in review
    w = world(ALPHA, renamed)

    def decide() -> None:  # once the three registrations exist, move the sandbox clock past the review
        admin = Admin(sandbox_url)
        admin.wait_for_registrations(3)
        admin.advance(400)

    mover = threading.Thread(target=decide)
    mover.start()
    result = run_acorn(*w.args("apply", "--yes", "--wait", "--wait-timeout", "30"))
    mover.join(10)
    assert result.code == 0, result.err  # every create was accepted; the review is reported, not an error
    assert re.search(r"alpha +DE +REG-\w+ +APPROVED", result.out)
    assert re.search(r"golf +DE +REG-\w+ +REJECTED", result.out)
    assert "LEGAL_NAME_MISMATCH" in result.out
    assert result.out.splitlines()[-1] == "Review: 2 approved, 1 rejected, 0 action required, 0 still under review."


def test_fail_on_rejected_makes_wait_exit_1_when_a_review_rejects(world, run_acorn, sandbox_url) -> None:
    renamed = Seller("golf", "A7GOLF0000007", ("DE",), account_name="Golf Holdings Ltd")  # rejected in review
    w = world(renamed)

    def decide() -> None:
        admin = Admin(sandbox_url)
        admin.wait_for_registrations(1)
        admin.advance(400)

    mover = threading.Thread(target=decide)
    mover.start()
    result = run_acorn(*w.args("apply", "--yes", "--wait", "--wait-timeout", "30", "--fail-on-rejected"))
    mover.join(10)
    assert re.search(r"golf +DE +REG-\w+ +REJECTED", result.out)
    assert result.code == 1


def test_wait_timeout_reports_what_is_still_under_review(world, run_acorn) -> None:
    w = world(BRAVO)
    result = run_acorn(*w.args("apply", "--yes", "--wait", "--wait-timeout", "0"))
    assert result.code == 0, result.err
    assert re.search(r"bravo +IT +REG-\w+ +SUBMITTED", result.out)
    assert result.out.splitlines()[-1].endswith("1 still under review.")


def test_wait_timeout_needs_wait(world, run_acorn) -> None:
    w = world(BRAVO)
    result = run_acorn(*w.args("apply", "--yes", "--wait-timeout", "5"))
    assert result.code == 1 and "--wait-timeout needs --wait" in result.err


def test_a_seller_without_credentials_is_reported_and_the_others_still_applied(world, run_acorn, monkeypatch) -> None:
    w = world(ALPHA, BRAVO)
    monkeypatch.delenv(ALPHA.env_name)
    result = run_acorn(*w.args("apply", "--yes"))
    assert result.code == 1
    assert "error: alpha: " in result.err and ALPHA.env_name in result.err
    assert result.out.splitlines()[-1] == "Apply: 1 accepted, 0 already existed, 0 failed."
    assert sorted(w.admin.pairs()) == [(BRAVO.seller_id, "IT")]


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ("[" * 100_000, "is not a plan: its JSON is nested too deeply"),
    ('{"a": ' * 100_000, "is not a plan: its JSON is nested too deeply"),
], ids=["not json", "deep arrays", "deep objects"])
def test_a_plan_file_that_is_not_a_plan_is_refused_naming_it(run_acorn, tmp_path, content: str, message: str) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    (tmp_path / "plan.json").write_text(content)
    result = run_acorn("apply", "plan.json", cwd=tmp_path)
    assert result.code == 1
    assert result.err == f"error: the plan file plan.json {message}\n"
    assert not (tmp_path / ".acorn" / "sandbox.sqlite").exists()  # refused before reading anything


def test_wait_says_it_is_still_waiting_at_least_every_ten_seconds() -> None:
    """The heartbeat ticks every second; a line comes once 10 s passed since the last one, on
    the clock it is given (here a fake one: no timing in tests)."""
    import asyncio

    from reconciler.cli.apply import PROGRESS_EVERY, WaitProgress

    now = [100.0]
    lines: list[str] = []
    progress = WaitProgress(lambda: now[0], deadline=160.0, waiting=3, echo=lines.append)

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] >= 125.0:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(progress.heartbeat(fake_sleep))
    assert PROGRESS_EVERY <= 10.0
    assert lines == ["Still waiting... [10s elapsed] 3 still under review; up to 50 s more",
                     "Still waiting... [20s elapsed] 3 still under review; up to 40 s more"]
    progress.round(1, 35.0)  # a round at 125 s: 5 s after the last line, nothing yet
    now[0] = 131.0
    progress.round(1, 29.0)
    assert lines[-1] == "Still waiting... [31s elapsed] 1 still under review; up to 29 s more"
