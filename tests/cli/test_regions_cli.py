"""Per-region credentials, credential lifecycle and the account preflight, end to end on the
shipped demo against the embedded sandbox (ACORN_TODAY pins "today")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests import REPO

ACME = Path("desired/entities/acme-sz.yaml")
ONE_TOKEN = "refreshToken: {env: ACORN_ACME_SZ_REFRESH_TOKEN}"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    return tmp_path


def credentials(demo: Path, text: str) -> None:
    path = demo / ACME
    path.write_text(path.read_text().replace(ONE_TOKEN, text))


def test_a_region_without_a_token_is_a_validate_error_naming_its_marketplaces(run_acorn, demo: Path) -> None:
    credentials(demo, "refreshToken: {NA: {env: ACME_NA}, EU: {env: ACME_EU}}")
    result = run_acorn("validate", cwd=demo)
    assert result.code == 1
    assert ("spec.credentials.refreshToken: no refresh token for region FE (marketplaces JP): authorize the app "
            "in FE's Seller Central, then add FE: {env: NAME} here") in result.err


def fix_typo(demo: Path) -> None:
    """acme-sz's German VAT number as it should be (the demo swaps two digits on purpose)."""
    path = demo / ACME
    path.write_text(path.read_text().replace("DE123457688", "DE123456788"))


def test_a_lapsed_authorization_is_a_warning_in_validate_and_blocks_the_entitys_creates(run_acorn, demo: Path,
                                                                                       monkeypatch) -> None:
    """Time-dependent: a calendar date never fails validate (every unrelated commit would fail with
    it); plan blocks every create of the entity, and the warning points at authorizedOn."""
    monkeypatch.setenv("ACORN_TODAY", "2026-12-01")
    fix_typo(demo)
    credentials(demo, "refreshToken: {NA: {env: A, authorizedOn: 2025-11-01}, EU: {env: B, authorizedOn: "
                      "2025-12-20}, FE: {env: C}}")
    validated = run_acorn("validate", cwd=demo)
    assert validated.code == 0, validated.err
    text = (demo / ACME).read_text().splitlines()
    line = next(i for i, t in enumerate(text, 1) if "2025-11-01" in t)
    column = text[line - 1].index("2025-11-01") + 1
    assert (f"desired/entities/acme-sz.yaml:{line}:{column}: warning: NA AUTHORIZATION_EXPIRED: the seller's "
            "authorization in NA lapsed 30 days ago") in validated.out
    assert "(plan blocks it)" in validated.out
    assert "warning: EU AUTHORIZATION_EXPIRED: the seller's authorization in EU must be renewed within 19 days" \
        in validated.out
    planned = run_acorn("plan", "--format", "json", "--entity", "acme-sz", cwd=demo)
    assert "error: acme-sz: AUTHORIZATION_EXPIRED" in planned.err
    (acme,) = json.loads(planned.out)["entities"]
    fr = next(p for p in acme["pairs"] if p["marketplace"] == "FR")  # a create, but for the lapse
    assert fr["state"] == "blocked" and "AUTHORIZATION_EXPIRED" in [r["code"] for r in fr["reasons"]]
    assert acme["creates"] == []


def test_a_client_secret_past_its_rotation_warns_at_its_line_and_plan_blocks_every_create(
        run_acorn, demo: Path, monkeypatch) -> None:
    monkeypatch.setenv("ACORN_TODAY", "2026-12-01")
    fix_typo(demo)
    (demo / "acorn.yaml").write_text("lwa:\n  clientSecretRotatedOn: 2026-05-01\n")
    result = run_acorn("validate", cwd=demo)
    assert result.code == 0, result.err
    assert ("acorn.yaml:2:26: warning: lwa CLIENT_SECRET_EXPIRED: the LWA client secret was due for rotation"
            in result.out)
    planned = run_acorn("plan", "--format", "json", "--entity", "atlas-ie", cwd=demo)
    (atlas,) = json.loads(planned.out)["entities"]
    assert atlas["creates"] == [] and {p["state"] for p in atlas["pairs"]} == {"blocked"}
    assert all("CLIENT_SECRET_EXPIRED" in [r["code"] for r in p["reasons"]] for p in atlas["pairs"])


def test_the_demo_account_name_blocks_atlas_ies_eu_creates_with_a_field_diff(run_acorn, demo: Path) -> None:
    planned = run_acorn("plan", "--format", "json", "--entity", "atlas-ie", cwd=demo)
    (atlas,) = json.loads(planned.out)["entities"]
    for ie in (p for p in atlas["pairs"] if p["marketplace"] in ("IE", "NL")):
        assert ie["state"] == "blocked" and "LEGAL_NAME_MISMATCH" in [r["code"] for r in ie["reasons"]]
        assert ie["drift"] == [{"field": "legalEntityName", "live": "Atlas Home (Ireland) Limited",
                                "desired": "Atlas Home Ireland Ltd"}]
    assert atlas["creates"] == []
    audit = [json.loads(line) for line in (demo / ".acorn" / "audit.jsonl").read_text().splitlines()]
    checks = [a for a in audit if a["operation"] == "getAccount"]
    assert [a["region"] for a in checks] == ["EU"]  # once, in the EU, before any create
    assert "createRegistration" not in [a["operation"] for a in audit]


def test_get_account_is_never_called_outside_the_eu_and_the_plan_says_why(run_acorn, demo: Path) -> None:
    planned = run_acorn("plan", "--format", "json", "--entity", "sakura-jp", cwd=demo)
    (sakura,) = json.loads(planned.out)["entities"]
    au = next(p for p in sakura["pairs"] if p["marketplace"] == "AU")
    assert au["state"] == "create"
    (why,) = [r["message"] for r in au["reasons"] if r["code"] == "ACCOUNT_NOT_CHECKED"]
    assert why.startswith("SP-API does not offer getAccount in FE (the Sellers API offers it in the EU only)")
    assert "acorn checks the submission itself instead" in why
    assert "authorized" not in why  # not the seller's doing
    audit = [json.loads(line) for line in (demo / ".acorn" / "audit.jsonl").read_text().splitlines()]
    assert "getAccount" not in [a["operation"] for a in audit]
    # each line names its region
    assert all(a["region"] and set(a["region"].split("+")) <= {"NA", "EU", "FE"} for a in audit)


def test_the_demo_shows_unauthorized_other_channels_store_names_and_suspended_listings(run_acorn, demo: Path) -> None:
    planned = run_acorn("plan", "--format", "json", cwd=demo)
    assert planned.code == 0 and "warning: acme-sz FE: not read" in planned.err
    acme, *_ = json.loads(planned.out)["entities"]
    states = {p["marketplace"]: p["state"] for p in acme["pairs"]}
    assert states["JP"] == "unauthorized" and "A2ZV50J4W1RKNI" not in states  # other channels never drift
    assert acme["otherChannels"] == [{"marketplaceId": "A2ZV50J4W1RKNI", "name": "Non-Amazon"}]
    nord = next(e for e in json.loads(planned.out)["entities"] if e["name"] == "nordlicht-de")
    de = next(p for p in nord["pairs"] if p["marketplace"] == "DE")
    assert de["storeName"] == "Nordlicht" and [r["code"] for r in de["reasons"]] == ["SUSPENDED_LISTINGS"]


def test_a_throttle_wait_names_the_seller_its_quota_and_how_long(capsys) -> None:
    from reconciler.cli.planning import throttle_note
    from reconciler.client.request import Call

    throttle_note(Call("getMarketplaceParticipations", "A3EXAMPLEACME01", "GET", "http://x", region="NA"), 62.5)
    assert capsys.readouterr().err == ("waiting 62 s for seller A3EXAMPLEACME01's getMarketplaceParticipations quota "
                                       "in NA (throttled: SP-API refills it at its published rate)\n")


def test_a_rate_scale_is_for_the_sandbox_only(run_acorn, demo: Path, monkeypatch) -> None:
    monkeypatch.setenv("ACORN_RATE_SCALE", "fast")
    assert "ACORN_RATE_SCALE must be a number" in run_acorn("plan", "--entity", "maple-ca", cwd=demo).err
    monkeypatch.setenv("ACORN_RATE_SCALE", "10")
    result = run_acorn("plan", "--entity", "maple-ca", "--environment", "production",
                       "--endpoint", "http://127.0.0.1:9", cwd=demo)
    assert result.code == 1 and "ACORN_RATE_SCALE is for the sandbox only" in result.err
