"""`acorn drift` end to end on the embedded sandbox: triage by reason with actions, create ages
from git or from the first plan (on the sandbox clock), and reports split per label."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import REPO


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo tree, atlas-ie's legal name written as its seller account has it (the shipped demo
    shows the EU account check blocking it), so that its IE and NL are plain creates to age."""
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    template = tmp_path / "desired" / "templates" / "atlas.yaml.j2"
    template.write_text(template.read_text().replace("legalEntityName: Atlas Home Ireland Ltd",
                                                     'legalEntityName: "Atlas Home (Ireland) Limited"'))
    return tmp_path


def test_drift_prints_only_what_needs_a_human_by_reason_with_the_action(run_acorn, demo: Path) -> None:
    result = run_acorn("drift", cwd=demo)
    assert result.code == 2, result.err
    lines = result.out.splitlines()
    i = lines.index("x MISSING_TAX_REGISTRATION (blocked): 1")
    assert lines[i + 1] == "    what to do: add the taxRegistrations item the marketplace's scheme needs"
    i = lines.index("x TAX_NUMBER_INVALID (blocked): 2")  # the demo's typo blocks each of acme-sz's creates
    typo = next(n for n, text in enumerate((demo / "desired/entities/acme-sz.yaml").read_text().splitlines(), 1)
                if "DE123457688" in text)  # each finding names the line to change
    assert lines[i + 2] == ("    acme-sz  DE   taxRegistrations[2] EU_VAT (DE) number *******7688: the check digit "
                            f"does not match  -> desired/entities/acme-sz.yaml:{typo}")
    assert lines[i + 3].startswith("    acme-sz  FR   taxRegistrations[2] EU_VAT (DE)")
    assert lines[i + 3].endswith(f"  -> desired/entities/acme-sz.yaml:{typo}")
    assert "live" not in result.out and "= US" not in result.out  # no healthy rows
    # acme-sz's JP (FE: not authorized) needs a human too
    assert "# REGION_NOT_AUTHORIZED (unauthorized): 1" in lines
    assert "TAX_REGISTRATION_MAY_BE_REQUIRED" not in result.out  # a warning is not drift
    # the creates: nordlicht-de's UK, sakura-jp's AU, atlas-ie's IE and NL (acme-sz's FR is blocked by the typo)
    assert lines[-1] == ("Drift: 13 findings need a human, 11 reasons, 5 entities; "
                         "4 creates younger than 2 days not counted.")


def test_a_create_waiting_longer_than_the_setting_is_drift_on_the_sandbox_clock(run_acorn, demo: Path) -> None:
    assert run_acorn("drift", "--entity", "atlas-ie", cwd=demo).code == 0  # first seen now: young
    seen = json.loads((demo / ".acorn" / "first-seen.json").read_text())
    assert set(seen) >= {"atlas-ie/IE", "atlas-ie/NL"}
    assert run_acorn("sandbox", "clock", "advance", "1d", cwd=demo).code == 0
    assert run_acorn("drift", "--entity", "atlas-ie", cwd=demo).code == 0  # 1 day: still young
    run_acorn("sandbox", "clock", "advance", "2d", cwd=demo)
    result = run_acorn("drift", "--entity", "atlas-ie", cwd=demo)
    assert result.code == 2
    assert "+ UNAPPLIED_CREATE (create): 2" in result.out
    assert "(3 days), not applied; more than unappliedCreateDays (2)" in result.out


def test_unapplied_create_days_is_a_setting(run_acorn, demo: Path) -> None:
    (demo / "acorn.yaml").write_text("unappliedCreateDays: 5\n")
    run_acorn("drift", "--entity", "atlas-ie", cwd=demo)
    run_acorn("sandbox", "clock", "advance", "3d", cwd=demo)
    result = run_acorn("drift", "--entity", "atlas-ie", cwd=demo)
    assert result.code == 0 and "younger than 5 days not counted" in result.out


def _git(repo: Path, *args: str, when: str | None = None) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_where_git_is_there_the_age_is_from_the_commit(run_acorn, demo: Path) -> None:
    _git(demo, "init", "-q", "-b", "main")
    _git(demo, "add", "desired")
    _git(demo, "commit", "-qm", "desired", when="2020-01-01T00:00:00Z")
    result = run_acorn("drift", "--entity", "atlas-ie", cwd=demo)
    assert result.code == 2 and "desired since 2020-01-01T00:00:00Z" in result.out
    # an uncommitted change is not what git dated: the first plan that shows it counts
    path = demo / "desired" / "templates" / "atlas.yaml.j2"
    path.write_text(path.read_text() + "\n")
    assert run_acorn("drift", "--entity", "atlas-ie", cwd=demo).code == 0


def test_group_by_label_splits_the_report_and_writes_one_file_per_team(run_acorn, demo: Path) -> None:
    result = run_acorn("drift", "--group-by", "label:team", "--out-dir", "issues", cwd=demo)
    assert result.code == 2
    assert "== team=emea: " in result.out and "== team=apac: " in result.out
    written = sorted(p.name for p in (demo / "issues").iterdir())
    assert written == ["team=amer.md", "team=apac.md", "team=emea.md"]
    emea = (demo / "issues" / "team=emea.md").read_text()
    assert "nordlicht-de" in emea and "acme-sz" not in emea and "**What to do:**" in emea
    assert "wrote the drift of team=emea to issues/team=emea.md" in result.err


def test_group_by_must_name_a_label(run_acorn, demo: Path) -> None:
    result = run_acorn("drift", "--group-by", "team", cwd=demo)
    assert result.code == 1 and "--group-by must be label:KEY" in result.err


def test_the_plan_ages_on_the_sandbox_clock(run_acorn, demo: Path) -> None:
    assert "STALE_PENDING: IN_REVIEW for 20 days" in run_acorn("plan", cwd=demo).out
    assert run_acorn("sandbox", "clock", "advance", "30d", cwd=demo).code == 0
    assert "STALE_PENDING: IN_REVIEW for 50 days" in run_acorn("plan", cwd=demo).out
    assert "IN_REVIEW for 50 days" in run_acorn("status", cwd=demo).out


def test_acorn_today_still_pins_the_day(run_acorn, demo: Path, monkeypatch) -> None:
    import functools
    from datetime import datetime, timezone

    from reconciler.sandbox import app
    from reconciler.sandbox.clock import SandboxClock

    # The sandbox's real time is injected: a second before midnight, the day the test pins is the
    # sandbox's own day, however long the runs below take.
    made = datetime(2026, 3, 10, 23, 59, 59, tzinfo=timezone.utc)
    monkeypatch.setattr(app, "SandboxClock", functools.partial(SandboxClock, real=made.timestamp))
    run_acorn("sandbox", "clock", "advance", "30d", cwd=demo)
    assert "STALE_PENDING: IN_REVIEW for 50 days" in run_acorn("plan", cwd=demo).out
    pinned = run_acorn("plan", cwd=demo, env={"ACORN_TODAY": made.date().isoformat()})
    # the seeded review began 20 days before the sandbox was made
    assert "STALE_PENDING: IN_REVIEW for 20 days" in pinned.out


def test_a_sandbox_endpoint_that_does_not_answer_is_an_error_not_the_real_clock(demo: Path, monkeypatch) -> None:
    from reconciler.cli.sandbox_control import sandbox_now
    from reconciler.cli.workspace import workspace
    from reconciler.errors import ConfigError

    monkeypatch.chdir(demo)
    ws = workspace(None, None, endpoint="http://127.0.0.1:9")  # the discard port: nothing listens
    with pytest.raises(ConfigError, match="cannot reach the sandbox at http://127.0.0.1:9"):
        sandbox_now(ws)


def test_a_create_that_went_away_and_came_back_waits_from_its_return(run_acorn, demo: Path) -> None:
    """The first-seen record forgets a create that stopped being one (here: blocked by a passport
    about to expire), so when it is a create again its age starts afresh, not from the first sight."""
    maple = demo / "desired" / "entities" / "maple-ca.yaml"
    blocked = maple.read_text()
    valid = blocked.replace("expiresOn: 2027-02-01", "expiresOn: 2031-02-01")
    maple.write_text(valid)
    assert run_acorn("drift", "--entity", "maple-ca", cwd=demo).code == 0  # two creates, first seen now
    assert {"maple-ca/CA", "maple-ca/US"} <= set(json.loads((demo / ".acorn" / "first-seen.json").read_text()))
    maple.write_text(blocked)
    run_acorn("drift", "--entity", "maple-ca", cwd=demo)  # blocked: no longer creates
    assert not any(k.startswith("maple-ca/") for k in json.loads((demo / ".acorn" / "first-seen.json").read_text()))
    run_acorn("sandbox", "clock", "advance", "3d", cwd=demo)
    maple.write_text(valid)
    result = run_acorn("drift", "--entity", "maple-ca", cwd=demo)
    assert result.code == 0 and "UNAPPLIED_CREATE" not in result.out  # back just now: young, not 3 days old
    run_acorn("sandbox", "clock", "advance", "3d", cwd=demo)
    assert "+ UNAPPLIED_CREATE (create): 2" in run_acorn("drift", "--entity", "maple-ca", cwd=demo).out


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_shallow_clone_says_create_ages_are_unknown_never_all_clear(run_acorn, demo: Path, tmp_path: Path) -> None:
    """The full clone dates the create from 2020 (drift, exit 2); a depth-1 clone of the same
    history cannot date it: it says so and exits 1, never "nothing needs a human" with 0."""
    origin = demo
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "add", "desired")
    _git(origin, "commit", "-qm", "desired", when="2020-01-01T00:00:00Z")
    (origin / "README").write_text("a later commit\n")
    _git(origin, "add", "README")
    _git(origin, "commit", "-qm", "later")
    full = run_acorn("drift", "--entity", "atlas-ie", cwd=origin)
    assert full.code == 2 and "desired since 2020-01-01T00:00:00Z" in full.out
    shallow = tmp_path / "shallow"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow))
    result = run_acorn("drift", "--entity", "atlas-ie", cwd=shallow)
    assert result.code == 1
    assert "this is a shallow clone" in result.err and "the age of 2 creates is unknown" in result.err
    assert "fetch-depth: 0" in result.err
    shutil.rmtree(shallow / ".acorn")  # CI's checkout is fresh: no record from an earlier run
    markdown = run_acorn("drift", "--entity", "atlas-ie", "--format", "markdown", cwd=shallow)
    assert markdown.code == 1 and "> [!WARNING]\n> this is a shallow clone" in markdown.out
    _git(shallow, "fetch", "-q", "--unshallow")
    assert run_acorn("drift", "--entity", "atlas-ie", cwd=shallow).code == 2
