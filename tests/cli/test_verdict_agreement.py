"""One verdict: validate, plan, apply, the PR check, status, the annotations and the sandbox's
review agree. Each test tries a bullet of issue 18's first list as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from reconciler.domain.contract import GET_ACCOUNT
from tests import REPO
from tests.actions.apply_support import Seller

TYPO_DE = "DE123457688"  # DE123456788 with two digits swapped: its check digit catches it
GOOD_DE = "DE123456788"


# --- a German VAT number with a wrong check digit --------------------------------------------

def test_a_bad_german_vat_number_fails_validate_blocks_every_pair_and_is_never_sent(world, run_acorn) -> None:
    w = world(Seller("vat-typo", "A7VATTYPO00007", ("DE", "UK", "FR", "IT")))
    entity = w.desired / "vat-typo.yaml"
    entity.write_text(entity.read_text().replace(GOOD_DE, TYPO_DE))

    validated = run_acorn("validate")
    assert validated.code == 1 and "spec.taxRegistrations[0].number: the check digit does not match" in validated.err

    planned = run_acorn(*w.args("plan", "--format", "json"))
    assert planned.code == 0, planned.err
    (e,) = json.loads(planned.out)["entities"]
    assert {p["marketplace"]: p["state"] for p in e["pairs"]} == dict.fromkeys(("UK", "DE", "FR", "IT"), "blocked")
    for p in e["pairs"]:  # the reason names the item, never the number
        assert p["reasons"][0] == {"code": "TAX_NUMBER_INVALID", "message": "taxRegistrations[0] EU_VAT (DE) number "
                                   "*******7688: the check digit does not match"}
    assert e["creates"] == [] and [r["code"] for r in e["errors"]] == ["TAX_NUMBER_INVALID"]
    assert TYPO_DE not in planned.out

    fresh = run_acorn(*w.args("apply", "--yes"))
    assert fresh.code == 0 and "Apply: nothing to create." in fresh.out
    assert w.admin.pairs() == {}


def test_a_saved_plan_that_proposes_the_pairs_is_checked_again_and_sends_nothing(world, run_acorn) -> None:
    """A plan saved by an acorn that did not block (or edited by hand) still sends nothing: apply
    plans afresh and submits only what both plans propose."""
    w = world(Seller("vat-typo", "A7VATTYPO00007", ("DE", "UK", "FR", "IT")))
    assert run_acorn(*w.args("plan", "--out", "clean.json")).code == 0  # every pair a create
    entity = w.desired / "vat-typo.yaml"
    entity.write_text(entity.read_text().replace(GOOD_DE, TYPO_DE))
    assert run_acorn(*w.args("plan", "--out", "typo.json")).code == 0
    saved = json.loads((w.root / "clean.json").read_text())
    assert saved["summary"]["create"] == 4
    saved["desiredDigest"] = json.loads((w.root / "typo.json").read_text())["desiredDigest"]
    (w.root / "old.json").write_text(json.dumps(saved))
    applied = run_acorn(*w.args("apply", "old.json"))
    assert applied.code == 0, applied.err
    assert "Apply: nothing to create." in applied.out and w.admin.pairs() == {}


# --- an ID document expiring in 39 days -------------------------------------------------------

def _demo(tmp_path: Path, name: str = "repo") -> Path:
    root = tmp_path / name
    shutil.copytree(REPO / "desired", root / "desired")
    acme = root / "desired" / "entities" / "acme-sz.yaml"
    acme.write_text(acme.read_text().replace(TYPO_DE, GOOD_DE))
    return root


def _expiring(root: Path, days: int) -> tuple[int, int]:
    """nordlicht-de's ID document expiring in `days` days; its (line, column)."""
    path = root / "desired" / "entities" / "nordlicht-de.yaml"
    lines = path.read_text().splitlines()
    i = next(i for i, t in enumerate(lines) if "expiresOn:" in t)
    old = lines[i].split("expiresOn:")[1].strip().rstrip("}").strip()
    lines[i] = lines[i].replace(old, (date(2026, 12, 1) + timedelta(days=days)).isoformat())
    path.write_text("\n".join(lines) + "\n")
    return i + 1, lines[i].index("expiresOn:") + len("expiresOn: ") + 1


def test_an_expiring_id_warns_in_validate_at_expires_on_and_plan_blocks_and_the_pr_check_fails(run_acorn,
                                                                                              tmp_path) -> None:
    base, head = _demo(tmp_path, "base"), _demo(tmp_path, "head")
    line, column = _expiring(head, 39)
    env = {"ACORN_TODAY": "2026-12-01"}
    validated = run_acorn("validate", env=env, cwd=head)
    assert validated.code == 0, validated.err  # a calendar date never fails every unrelated commit
    assert (f"desired/entities/nordlicht-de.yaml:{line}:{column}: warning: nordlicht-de ID_EXPIRES_TOO_SOON: the "
            "legal representative's ID document expires in 39 days") in validated.out
    assert "(plan blocks it)" in validated.out

    planned = run_acorn("plan", "--offline", "--format", "json", "--out", str(tmp_path / "head.json"), cwd=head)
    (nord,) = [e for e in json.loads(planned.out)["entities"] if e["name"] == "nordlicht-de"]
    assert {p["state"] for p in nord["pairs"]} == {"blocked"}
    assert run_acorn("plan", "--offline", "--out", str(tmp_path / "base.json"), cwd=base).code == 0

    check = run_acorn("check", "--base", str(tmp_path / "base.json"), str(tmp_path / "head.json"))
    assert check.code == 1
    introduced = check.out.split("Already there")[0]
    assert "x nordlicht-de UK: ID_EXPIRES_TOO_SOON" in introduced and "sakura-jp" not in introduced
    assert check.out.splitlines()[-1].startswith("Check fails: 4 introduced by this change")


def test_a_pull_request_touching_another_entity_passes_while_one_stays_blocked(run_acorn, tmp_path) -> None:
    """sakura-jp's US stays blocked (MISSING_TAX_REGISTRATION) in base and head; the change to
    atlas's template breaks nothing: the check passes, and says what was there before."""
    base, head = _demo(tmp_path, "base"), _demo(tmp_path, "head")
    template = head / "desired" / "templates" / "atlas.yaml.j2"
    template.write_text(template.read_text().replace("Atlas", "Atlas Global", 1))
    for root, name in ((base, "base.json"), (head, "head.json")):
        assert run_acorn("plan", "--offline", "--out", str(tmp_path / name), cwd=root).code == 0
    check = run_acorn("check", "--base", str(tmp_path / "base.json"), str(tmp_path / "head.json"),
                      "--format", "markdown")
    assert check.code == 0, check.out
    assert check.out.startswith("### :white_check_mark: acorn check: Check passes: 0 introduced")
    assert "sakura-jp US: MISSING_TAX_REGISTRATION" in check.out  # still blocked, not this change's doing


# --- acorn.yaml is part of the verdict --------------------------------------------------------

def test_production_with_the_embedded_sandbox_fails_validate_and_plan_at_its_line(run_acorn, tmp_path) -> None:
    root = _demo(tmp_path)
    (root / "config").mkdir()
    (root / "config" / "prod.yaml").write_text("environment: production\nendpoint: embedded\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(root)}
    validated = run_acorn("validate", "--config", "config/prod.yaml", env=env, cwd=root)
    assert validated.code == 1
    assert ("config/prod.yaml:2:11: endpoint: SETTINGS_INVALID: environment production cannot use the embedded "
            "sandbox") in validated.err
    # annotated once, at the file actually read, repository-relative
    assert validated.out.count("::error file=config/prod.yaml,line=2,col=11::endpoint: SETTINGS_INVALID") == 1
    assert "acorn.yaml" not in validated.out and str(root) not in validated.out
    planned = run_acorn("plan", "--config", "config/prod.yaml", cwd=root)
    assert planned.code == 1 and "config/prod.yaml:2:11: endpoint: SETTINGS_INVALID" in planned.err
    # the environment's own override is a run's, not the file's: it still plans
    overridden = run_acorn("plan", "--offline", "--config", "config/prod.yaml", env={"ACORN_ENDPOINT": "regional"},
                           cwd=root)
    assert overridden.code == 0, overridden.err


def test_annotations_never_say_none_and_name_lifecycle_findings(run_acorn, tmp_path) -> None:
    root = _demo(tmp_path)
    (root / "settings.yaml").write_text("lwa:\n  clientSecretRotatedOn: 2026-05-01\n")
    acme = root / "desired" / "entities" / "acme-sz.yaml"
    acme.write_text(acme.read_text().replace("refreshToken: {env: ACORN_ACME_SZ_REFRESH_TOKEN}",
                                             "refreshToken: {NA: {env: A, authorizedOn: 2025-11-01}, EU: {env: B}, "
                                             "FE: {env: C}}"))
    result = run_acorn("validate", "--config", "settings.yaml",
                       env={"GITHUB_ACTIONS": "true", "ACORN_TODAY": "2026-12-01", "GITHUB_WORKSPACE": str(root)},
                       cwd=root)
    assert result.code == 0, result.err
    assert "None:" not in result.out
    assert "::warning file=settings.yaml,line=2,col=26::lwa CLIENT_SECRET_EXPIRED: " in result.out
    assert "::warning file=desired/entities/acme-sz.yaml,line=" in result.out
    assert "NA AUTHORIZATION_EXPIRED: the seller's authorization in NA lapsed" in result.out


# --- the sandbox decides as the verdict does --------------------------------------------------

ENTITY = """apiVersion: acorn/v1
kind: Entity
metadata:
  name: birch-uk
spec:
  sellerId: A8BIRCH0000UK8
  legalEntityName: Birch Goods Ltd
  credentials:
    refreshToken: {env: ACORN_BIRCH_UK_REFRESH_TOKEN}
  businessRegistration:
    country: GB
    number: "01234567"
    document: {uri: https://example.com/birch.pdf, sha256: %s}
  legalRepresentative:
    name: Ada Birch
    idDocument: {type: passport, expiresOn: 2040-01-31}
  taxRegistrations:
    - {scheme: UK_VAT, number: GB123456782}
  marketplaces: [UK]
""" % ("ab" * 32)


def _token(out: str) -> str:
    return next(line.split("=", 1)[1].split()[0] for line in out.splitlines() if "export ACORN_BIRCH_UK" in line)


def test_seller_add_sets_the_account_so_a_misspelt_legal_name_is_blocked_before_it_is_sent(run_acorn,
                                                                                           tmp_path) -> None:
    (tmp_path / "desired" / "entities").mkdir(parents=True)
    (tmp_path / "desired" / "entities" / "birch-uk.yaml").write_text(ENTITY)
    added = run_acorn("sandbox", "seller", "add", "birch-uk", "--seller-id", "A8BIRCH0000UK8",
                      "--legal-name", "Birch Good Ltd", cwd=tmp_path)
    assert added.code == 0, added.err
    assert "Its account: registered in GB, company number ****4567" in added.out
    token = _token(added.out).strip("'")
    planned = run_acorn("plan", "--format", "json", env={"ACORN_BIRCH_UK_REFRESH_TOKEN": token}, cwd=tmp_path)
    (uk,) = json.loads(planned.out)["entities"][0]["pairs"]
    assert uk["state"] == "blocked" and [r["code"] for r in uk["reasons"]] == ["LEGAL_NAME_MISMATCH"]
    applied = run_acorn("apply", "--yes", cwd=tmp_path)
    assert applied.code == 0 and "Apply: nothing to create." in applied.out

    # added as the entity says (the default): it plans as a clean create
    again = run_acorn("sandbox", "seller", "add", "birch-uk", "--seller-id", "A8BIRCH0000UK8", "--replace",
                      cwd=tmp_path)
    token = _token(again.out).strip("'")
    planned = run_acorn("plan", "--format", "json", env={"ACORN_BIRCH_UK_REFRESH_TOKEN": token}, cwd=tmp_path)
    (uk,) = json.loads(planned.out)["entities"][0]["pairs"]
    assert uk["state"] == "create", uk


def test_review_decide_refuses_a_decided_registration_either_way(run_acorn, tmp_path) -> None:
    (tmp_path / "desired" / "entities").mkdir(parents=True)
    (tmp_path / "desired" / "entities" / "birch-uk.yaml").write_text(ENTITY)
    added = run_acorn("sandbox", "seller", "add", "birch-uk", "--seller-id", "A8BIRCH0000UK8", cwd=tmp_path)
    applied = run_acorn("apply", "--yes", env={"ACORN_BIRCH_UK_REFRESH_TOKEN": _token(added.out).strip("'")},
                        cwd=tmp_path)
    assert applied.code == 0, applied.err
    reg = next(w for w in applied.out.split() if w.startswith("REG-"))
    assert run_acorn("sandbox", "review", "decide", reg, "--approve", cwd=tmp_path).code == 0
    for decision in (["--approve"], ["--reject", "RELATED_ACCOUNT"]):
        refused = run_acorn("sandbox", "review", "decide", reg, *decision, cwd=tmp_path)
        assert refused.code == 1 and f"registration {reg} is APPROVED already" in refused.err


# --- one clock per run --------------------------------------------------------------------------

def test_with_the_sandbox_clock_moved_on_the_notes_and_the_plan_agree(run_acorn, tmp_path) -> None:
    root = _demo(tmp_path)
    authorized = (date.today() - timedelta(days=360)).isoformat()  # due in 5 days on the real clock
    acme = root / "desired" / "entities" / "acme-sz.yaml"
    acme.write_text(acme.read_text().replace("refreshToken: {env: ACORN_ACME_SZ_REFRESH_TOKEN}",
                                             f"refreshToken: {{NA: {{env: ACORN_ACME_SZ_REFRESH_TOKEN, "
                                             f"authorizedOn: {authorized}}}, EU: {{env: ACORN_ACME_SZ_REFRESH_TOKEN}}, "
                                             "FE: {env: ACORN_ACME_SZ_REFRESH_TOKEN}}"))
    assert run_acorn("sandbox", "clock", "advance", "30d", cwd=root).code == 0
    planned = run_acorn("plan", "--entity", "acme-sz", "--format", "json", cwd=root)
    (e,) = json.loads(planned.out)["entities"]
    blocked = [p for p in e["pairs"] if "AUTHORIZATION_EXPIRED" in [r["code"] for r in p["reasons"]]]
    assert blocked, e["pairs"]  # lapsed on the sandbox's clock ...
    # ... and so say the notes
    assert "error: acme-sz: AUTHORIZATION_EXPIRED: the seller's authorization in NA lapsed" in planned.err


def test_nothing_in_the_run_path_reads_the_clock_but_the_run() -> None:
    """The pure core and the planning edge never call now(): the run's clock is passed down."""
    allowed = {"cli/planning.py": 1, "cli/sandbox_control.py": 1, "cli/workspace.py": 1}
    pkg = REPO / "reconciler"
    for folder in ("domain", "desired", "engine", "actions", "render"):
        for path in (pkg / folder).rglob("*.py"):
            text = path.read_text()
            assert "datetime.now(" not in text and "time.time(" not in text and "date.today(" not in text, path
    for rel, most in allowed.items():
        assert (pkg / rel).read_text().count("datetime.now(") <= most, rel


# --- limits.secretFileBytes, and acorn init's one read -----------------------------------------

def test_a_secret_file_larger_than_secret_file_bytes_is_refused(world, run_acorn) -> None:
    w = world(Seller("big-secret", "A9BIGSECRET009", ("UK",)))
    entity = w.desired / "big-secret.yaml"
    entity.write_text(entity.read_text().replace(f"{{env: {w.sellers[0].env_name}}}", "{file: token.txt}"))
    (w.root / "token.txt").write_text("Atzr|" + "x" * 4096)
    w.settings(limits="{secretFileBytes: 2048}")
    planned = run_acorn(*w.args("plan"))
    assert planned.code == 1
    assert "secret file token.txt is larger than the limit of 2 KiB" in planned.out + planned.err


def test_acorn_init_does_not_hang_on_a_fifo_gitignore(tmp_path) -> None:
    os.mkfifo(tmp_path / ".gitignore")
    proc = subprocess.run([sys.executable, "-m", "reconciler", "init", str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{tmp_path}/.gitignore is a FIFO (named pipe), not a regular file" in proc.stderr


# --- account reads: ACCOUNT_NOT_CHECKED, and the breaker stops the run -------------------------

def test_an_account_that_cannot_be_read_is_account_not_checked_on_the_create(world, run_acorn) -> None:
    w = world(Seller("no-role", "A1NOROLE000001", ("UK",)))
    w.admin.faults(script=[{"operation": GET_ACCOUNT, "status": 403, "times": 3}])  # also after a token refresh
    planned = run_acorn(*w.args("plan", "--format", "json"))
    assert planned.code == 0, planned.err
    (uk,) = json.loads(planned.out)["entities"][0]["pairs"]
    assert uk["state"] == "create" and [r["code"] for r in uk["reasons"]] == ["ACCOUNT_NOT_CHECKED"]


def test_a_breaker_tripped_by_account_reads_stops_the_run(world, run_acorn) -> None:
    w = world(Seller("flaky", "A2FLAKY0000002", ("UK",)))
    w.admin.faults(script=[{"operation": GET_ACCOUNT, "status": 503, "retryAfter": 0}] * 12)
    planned = run_acorn(*w.args("plan", "--format", "json"))
    assert planned.code == 1 and "ACCOUNT_NOT_CHECKED" not in planned.out
    assert "in a row failed" in planned.err and planned.err.startswith("error: ")


@pytest.mark.parametrize("days", [39])
def test_validate_and_plan_agree_on_a_tree_with_one_of_each_kind_of_problem(run_acorn, tmp_path, days) -> None:
    """A check digit, a missing required scheme, an expiring ID, a bad settings combination and
    an acknowledged warning: validate, plan (text and JSON), status and the annotations agree."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "desired", root / "desired")  # the demo keeps its typo (acme-sz's DE VAT)
    _expiring(root, days)  # nordlicht-de
    sakura = root / "desired" / "entities" / "sakura-jp.yaml"  # US without US_W8BENE: a missing scheme
    sakura.write_text(sakura.read_text() + "  acknowledgements:\n    - {code: TAX_REGISTRATION_MAY_BE_REQUIRED, "
                                           "marketplace: AU, reason: we hold no stock in Australia}\n")
    (root / "acorn.yaml").write_text("environment: production\nendpoint: embedded\n")
    env = {"ACORN_TODAY": "2026-12-01", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(root)}

    validated = run_acorn("validate", "--format", "json", env=env, cwd=root)
    report = json.loads(validated.out)
    assert validated.code == 1 and report["valid"] is False
    assert {p["key"] for p in report["problems"]} == {"spec.taxRegistrations[2].number", "endpoint"}
    found = {(w["entity"], w["marketplace"], w["code"]): w for w in report["warnings"]}
    assert ("nordlicht-de", None, "ID_EXPIRES_TOO_SOON") in found
    assert ("sakura-jp", "US", "MISSING_TAX_REGISTRATION") in found
    assert found[("sakura-jp", "AU", "TAX_REGISTRATION_MAY_BE_REQUIRED")]["acknowledged"] == \
        "we hold no stock in Australia"
    assert all(w["key"] != "metadata.name" for w in report["warnings"])
    assert "::error file=acorn.yaml,line=2,col=11::endpoint: SETTINGS_INVALID" in validated.err
    assert "::error file=desired/entities/acme-sz.yaml," in validated.err
    assert "AU TAX_REGISTRATION_MAY_BE_REQUIRED" not in validated.err  # acknowledged: not repeated

    refused = run_acorn("plan", env=env, cwd=root)
    assert refused.code == 1 and "acorn.yaml:2:11: endpoint: SETTINGS_INVALID" in refused.err

    (root / "acorn.yaml").write_text("environment: sandbox\n")
    planned = run_acorn("plan", "--format", "json", env=env, cwd=root)
    plan = {e["name"]: e for e in json.loads(planned.out)["entities"]}
    blocked = {(name, p["marketplace"], r["code"]) for name, e in plan.items() for p in e["pairs"]
               if p["state"] == "blocked" for r in p["reasons"]}
    for name, code in (("acme-sz", "TAX_NUMBER_INVALID"), ("nordlicht-de", "ID_EXPIRES_TOO_SOON")):
        assert {m for n, m, c in blocked if (n, c) == (name, code)} == {
            p["marketplace"] for p in plan[name]["pairs"] if p["state"] == "blocked"}  # every pair it reaches
    assert ("sakura-jp", "US", "MISSING_TAX_REGISTRATION") in blocked
    au = next(p for p in plan["sakura-jp"]["pairs"] if p["marketplace"] == "AU")
    assert au["acknowledged"] == [{"code": "TAX_REGISTRATION_MAY_BE_REQUIRED",
                                   "reason": "we hold no stock in Australia"}]
    assert "TAX_REGISTRATION_MAY_BE_REQUIRED" not in [r["code"] for r in au["reasons"]]
    text = run_acorn("plan", env=env, cwd=root).out
    assert "x US  blocked" in text and "MISSING_TAX_REGISTRATION" in text
    assert "TAX_REGISTRATION_MAY_BE_REQUIRED: AU" not in text  # not repeated in plan either

    status = run_acorn("status", "--format", "json", env=env, cwd=root)
    cells = next(e for e in json.loads(status.out)["entities"] if e["name"] == "sakura-jp")["cells"]
    assert cells["AU"][0]["acknowledged"] == au["acknowledged"]
    page = run_acorn("status", "--format", "text", env=env, cwd=root).out
    assert "TAX_REGISTRATION_MAY_BE_REQUIRED: acknowledged: we hold no stock in Australia" in page


def test_a_stale_acknowledgement_is_reported(run_acorn, tmp_path) -> None:
    root = _demo(tmp_path)
    maple = root / "desired" / "entities" / "maple-ca.yaml"
    maple.write_text(maple.read_text() + "  acknowledgements:\n    - {code: TAX_REGISTRATION_MAY_BE_REQUIRED, "
                                         "marketplace: CA, reason: we sell below the threshold}\n")
    validated = run_acorn("validate", env={"ACORN_TODAY": "2026-12-01"}, cwd=root)
    assert "warning: CA ACKNOWLEDGEMENT_STALE: the acknowledgement of TAX_REGISTRATION_MAY_BE_REQUIRED in CA is " \
           "stale" in validated.out
    planned = run_acorn("plan", "--offline", "--format", "json", "--entity", "maple-ca", cwd=root)
    (e,) = json.loads(planned.out)["entities"]
    assert [r["code"] for r in e["staleAcknowledgements"]] == ["ACKNOWLEDGEMENT_STALE"]
    text = run_acorn("plan", "--offline", "--entity", "maple-ca", cwd=root).out
    assert "  stale acknowledgement: the acknowledgement of TAX_REGISTRATION_MAY_BE_REQUIRED in CA is stale" in text
    missing = maple.read_text().replace(", reason: we sell below the threshold", "")
    maple.write_text(missing)
    refused = run_acorn("validate", cwd=root)
    assert refused.code == 1 and "spec.acknowledgements[0].reason: required key is missing" in refused.err


def test_check_names_the_plan_it_cannot_read(run_acorn, tmp_path) -> None:
    (tmp_path / "base.json").write_text("{}")
    (tmp_path / "head.json").write_text("{}")
    result = run_acorn("check", "--base", str(tmp_path / "base.json"), str(tmp_path / "head.json"))
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith(f"error: base plan {tmp_path}/base.json: the plan file is not a valid acorn plan")
    assert run_acorn("check", str(tmp_path / "head.json")).code == 1  # --base is required


def test_an_impossible_rotation_date_in_acorn_yaml_is_named_at_its_line(run_acorn, tmp_path) -> None:
    root = _demo(tmp_path)
    (root / "acorn.yaml").write_text("lwa:\n  clientSecretRotatedOn: 2026-02-30\n")
    result = run_acorn("validate", cwd=root)
    assert result.code == 1 and "acorn.yaml:2:26: lwa.clientSecretRotatedOn: is not a real date" in result.err
