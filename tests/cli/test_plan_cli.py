"""`acorn plan` and `acorn drift` end to end against the embedded sandbox, as a new user
runs them: the README's first command, formats, exit codes, filters, errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import REPO


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A fresh copy of the shipped repository layout: desired/ and nothing else."""
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    return tmp_path


def test_readme_first_command_plans_the_demo_with_every_state(demo: Path) -> None:
    first_line = (REPO / "README.md").read_text().splitlines()[0]
    assert first_line.endswith("&& acorn plan")
    proc = subprocess.run([sys.executable, "-m", "reconciler", "plan"], cwd=demo, capture_output=True, text=True,
                          timeout=120)
    # acme-sz has not authorized the app in FE: its JP pair is unauthorized, a state of the plan
    # like blocked (drift reports it as needing a human): a warning, so the first command succeeds
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == ("warning: acme-sz FE: not read: the seller has not authorized this application "
                                   "in FE (see its unauthorized pairs)")
    summary = proc.stdout.strip().splitlines()[-1]
    counts = dict((state, int(n)) for n, state in re.findall(r"(\d+) (?:to )?(\w+)", summary))
    assert counts == {"create": 2, "pending": 1, "attention": 1, "blocked": 9, "live": 4, "unmanaged": 1,
                      "drifted": 1, "unreadable": 0, "unauthorized": 1}
    # atlas-ie's seller account (EU, where SP-API offers getAccount) has another legal name: the
    # account check blocks its creates before any call
    assert "LEGAL_NAME_MISMATCH: legalEntityName 'Atlas Home Ireland Ltd' differs from the account's legal name" \
        in proc.stdout
    # sakura-jp's AU create is in FE, where SP-API offers no getAccount: the plan says so in words
    assert "ACCOUNT_NOT_CHECKED: SP-API does not offer getAccount in FE" in proc.stdout
    assert proc.stdout.startswith("Plan for environment sandbox at endpoint embedded (.acorn/sandbox.sqlite), ")
    assert "\x1b[" not in proc.stdout  # not a terminal: no colour
    assert (demo / ".acorn" / "sandbox.sqlite").is_file() and (demo / ".acorn" / "audit.jsonl").is_file()
    # the demo's typo (acme-sz's German VAT number, two digits swapped) is caught, never printed
    caught = ("      TAX_NUMBER_INVALID: taxRegistrations[2] EU_VAT (DE) number *******7688: the check digit "
              "does not match")
    assert caught in proc.stdout.splitlines() and "DE123457688" not in proc.stdout
    assert caught in (REPO / "docs" / "tour.md").read_text().splitlines()  # as the tour shows it


def test_json_plan_has_the_documented_shape(run_acorn, demo: Path) -> None:
    result = run_acorn("plan", "--format", "json", "--entity", "nordlicht-de", cwd=demo)
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert list(plan) == ["formatVersion", "environment", "generatedAt", "desiredDigest", "entities", "summary"]
    (entity,) = plan["entities"]
    states = [(p["marketplace"], p["state"]) for p in entity["pairs"]]
    assert states == [("UK", "create"), ("DE", "live"), ("FR", "pending"), ("FR", "drifted"), ("IT", "attention")]


def test_detailed_exitcode_is_2_only_with_creates(run_acorn, demo: Path) -> None:
    assert run_acorn("plan", "--detailed-exitcode", "--selector", "team=emea", cwd=demo).code == 2
    assert run_acorn("plan", "--detailed-exitcode", "--entity", "maple-ca", cwd=demo).code == 0
    assert run_acorn("plan", "--detailed-exitcode", cwd=demo).code == 2  # acme's unread FE is a warning


def test_drift_exits_2_when_something_needs_a_human(run_acorn, demo: Path) -> None:
    assert run_acorn("drift", cwd=demo).code == 2
    assert run_acorn("drift", "--entity", "atlas-ie", cwd=demo).code == 2  # its account's legal name differs
    template = demo / "desired" / "templates" / "atlas.yaml.j2"
    template.write_text(template.read_text().replace("legalEntityName: Atlas Home Ireland Ltd",
                                                     'legalEntityName: "Atlas Home (Ireland) Limited"'))
    assert run_acorn("drift", "--entity", "atlas-ie", cwd=demo).code == 0  # written as the account has it


def test_out_saves_the_json_plan(run_acorn, demo: Path) -> None:
    result = run_acorn("plan", "--out", "plan.json", "--format", "markdown", cwd=demo)
    assert result.code == 0  # acme-sz's FE is unauthorized: a warning
    assert result.out.lstrip().startswith(("**Plan:", "Plan:", "#", "<!--"))
    saved = json.loads((demo / "plan.json").read_text())
    assert saved["formatVersion"] == 1 and saved["summary"]["create"] == 2 and saved["summary"]["unauthorized"] == 1


def test_no_output_shows_a_full_tax_or_registration_number(run_acorn, demo: Path) -> None:
    for fmt in ("text", "json", "markdown"):
        out = run_acorn("plan", "--format", fmt, cwd=demo).out
        for number in ("DE123457688", "91440300MA5EXAMPLA", "HRB123456", "GB987654004", "T7123456789012"):
            assert number not in out


def test_usage_error_exits_1(run_acorn, demo: Path) -> None:
    result = run_acorn("plan", "--format", "yaml", cwd=demo)
    assert result.code == 1 and "Invalid value for '--format'" in result.err


def test_unknown_entity_is_named(run_acorn, demo: Path) -> None:
    result = run_acorn("plan", "--entity", "nope", cwd=demo)
    assert result.code == 1 and result.err.strip() == "error: no entity is named 'nope'"


def test_colour_never_with_no_color(run_acorn, demo: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    result = run_acorn("plan", "--no-color", cwd=demo)
    assert "\x1b[" not in result.out


def test_a_seller_without_credentials_is_named_and_the_others_still_plan(run_acorn, demo: Path,
                                                                         monkeypatch) -> None:
    """Against a served sandbox (no embedded fallback): nordlicht-de's variable is unset."""
    from reconciler.desired.loader import load_desired
    from reconciler.sandbox.embedded import demo_refresh_token
    from tests.served_sandbox import served_sandbox

    entities = load_desired(demo / "desired").entities
    for e in entities:
        if e.name != "nordlicht-de":
            monkeypatch.setenv(e.credentials.default.name, demo_refresh_token(e.seller_id))
    monkeypatch.setenv("LWA_CLIENT_ID", "acorn-test")
    monkeypatch.setenv("LWA_CLIENT_SECRET", "acorn-test-secret")
    with served_sandbox(demo / "served.sqlite", "--demo") as url:
        result = run_acorn("plan", "--endpoint", url, "--format", "json", cwd=demo)
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "error: nordlicht-de: environment variable ACORN_NORDLICHT_DE_REFRESH_TOKEN is not set",
        "warning: acme-sz FE: not read: the seller has not authorized this application in FE "
        "(see its unauthorized pairs)"]
    plan = json.loads(result.out)
    planned = {e["name"]: (e.get("error"), len(e["pairs"])) for e in plan["entities"]}
    assert planned.pop("nordlicht-de") == ("environment variable ACORN_NORDLICHT_DE_REFRESH_TOKEN is not set", 0)
    assert all(error is None and pairs > 0 for error, pairs in planned.values()) and len(planned) == 5


def test_a_selector_typo_is_an_error_with_a_did_you_mean(run_acorn, demo: Path) -> None:
    result = run_acorn("plan", "--selector", "brand=acmee", cwd=demo)
    assert result.code == 1 and result.out == ""
    assert "no entity matches the selector 'brand=acmee'; did you mean 'acme'?" in result.err
    assert "labels in use: brand=acme" in result.err


def test_repeated_selectors_are_anded_and_negation_works(run_acorn, demo: Path) -> None:
    result = run_acorn("plan", "--format", "json", "--selector", "brand!=acme", "--selector",
                       "brand notin (nordlicht,sakura,maple)", cwd=demo)
    assert result.code == 0, result.err
    assert [e["name"] for e in json.loads(result.out)["entities"]] == ["atlas-ie", "atlas-uk"]


def test_acorn_finds_the_desired_tree_upward_from_a_subfolder(run_acorn, demo: Path) -> None:
    (demo / "acorn.yaml").write_text("environment: sandbox\n")
    result = run_acorn("plan", "--entity", "maple-ca", cwd=demo / "desired" / "entities")
    assert result.code == 0, result.err
    assert "endpoint embedded (../../.acorn/sandbox.sqlite)" in result.out
    assert (demo / ".acorn" / "sandbox.sqlite").is_file()
    assert not (demo / "desired" / "entities" / ".acorn").exists()


def test_out_says_where_it_wrote(run_acorn, demo: Path) -> None:
    result = run_acorn("plan", "--out", "saved/plan.json", "--entity", "maple-ca", cwd=demo)
    assert result.code == 0, result.err
    assert "wrote the JSON plan (for `acorn apply FILE`) to saved/plan.json" in result.err
    assert json.loads((demo / "saved" / "plan.json").read_text())["formatVersion"] == 1


def test_help_lists_whole_lines_and_the_legend(run_acorn) -> None:
    top = run_acorn("--help").out
    assert "Submit the registrations the plan (or the saved PLAN_FILE) says are missing." in " ".join(top.split())
    assert "The local ACORN-i sandbox (the API contract, with admin calls under /_sandbox)." in " ".join(top.split())
    plan_help = run_acorn("plan", "--help").out
    for line in ("x blocked", "! attention", "* drifted", "? unmanaged", "E unreadable"):
        assert line in plan_help


@pytest.mark.parametrize("env, expected", [({}, True), ({"NO_COLOR": ""}, True), ({"NO_COLOR": "1"}, False)])
def test_an_empty_no_color_does_not_disable_colour(env, expected, monkeypatch) -> None:
    from reconciler.cli.planning import use_color
    from reconciler.cli.workspace import Workspace
    from reconciler.desired.settings import Settings

    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert use_color(Workspace(Path("desired"), Settings(), env), no_color=False) is expected
