"""Driving a sandbox as a user does: sellers, clock, reviews and state, on the embedded
sandbox by default and on a served one with --endpoint, with the same commands and answers."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import REPO
from tests.served_sandbox import start, stop

ENTITY = """\
# yaml-language-server: $schema=../../schemas/entity.schema.json
apiVersion: acorn/v1
kind: Entity
metadata:
  name: lumen-fr
spec:
  sellerId: A7LUMEN00FR
  legalEntityName: Lumen SARL
  credentials:
    refreshToken: {env: ACORN_LUMEN_FR_REFRESH_TOKEN}
  businessRegistration:
    country: FR
    number: "912345678"
    document: {uri: "s3://kyc/lumen.pdf", sha256: %s}
  legalRepresentative:
    name: Marie Curie
    idDocument: {type: national_id, expiresOn: 2031-01-01}
  taxRegistrations:
    - {scheme: EU_VAT, country: FR, number: FR11123456782}
    - {scheme: EU_VAT, country: DE, number: DE123456788}
  marketplaces: [FR, DE]
""" % ("a" * 64)


@pytest.fixture(params=["embedded", "served"])
def where(request, tmp_path: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """(repository, extra args): the embedded sandbox of a fresh repository, or a served one."""
    repo = tmp_path / "repo"
    (repo / "desired" / "entities").mkdir(parents=True)
    (repo / "desired" / "entities" / "lumen-fr.yaml").write_text(ENTITY)
    if request.param == "embedded":
        yield repo, ()
        return
    served = start(tmp_path / "served.sqlite", cwd=tmp_path)
    try:
        yield repo, ("--endpoint", served.url)
    finally:
        stop(served.proc)


def test_a_user_adds_a_seller_plans_applies_and_decides_the_review(run_acorn, where, monkeypatch) -> None:
    repo, endpoint = where
    added = run_acorn("sandbox", "seller", "add", "lumen-fr", "--seller-id", "A7LUMEN00FR", "--legal-name",
                      "Lumen SARL", "--participates", "FR", *endpoint, cwd=repo)
    assert added.code == 0, added.err
    token = re.search(r"export ACORN_LUMEN_FR_REFRESH_TOKEN=(\S+)", added.out).group(1)
    assert "credentials: {refreshToken: {env: ACORN_LUMEN_FR_REFRESH_TOKEN}}" in added.out
    listed = run_acorn("sandbox", "seller", "list", *endpoint, cwd=repo)
    assert re.search(r"^A7LUMEN00FR +Lumen SARL  sells in: FR$", listed.out, re.M) and token not in listed.out
    state = run_acorn("sandbox", "state", *endpoint, cwd=repo)
    assert token not in state.out  # the token is shown once, at add, never again

    env = {"ACORN_LUMEN_FR_REFRESH_TOKEN": token, "LWA_CLIENT_ID": "sandbox", "LWA_CLIENT_SECRET": "sandbox"}
    applied = run_acorn("apply", "--yes", *endpoint, env=env, cwd=repo)
    assert applied.code == 0, applied.err
    reg_id = re.search(r"lumen-fr\s+DE\s+accepted (REG-\w+)", applied.out).group(1)

    rejected = run_acorn("sandbox", "review", "decide", reg_id, "--reject", "LEGAL_NAME_MISMATCH", *endpoint,
                         cwd=repo)
    assert rejected.code == 0, rejected.err
    assert f"{reg_id} (A7LUMEN00FR) is REJECTED; LEGAL_NAME_MISMATCH" in rejected.out
    again = run_acorn("sandbox", "review", "decide", reg_id, "--approve", *endpoint, cwd=repo)
    assert again.code == 1 and "is REJECTED already" in again.err

    plan = json.loads(run_acorn("plan", "--format", "json", *endpoint, env=env, cwd=repo).out)
    (de,) = [p for p in plan["entities"][0]["pairs"] if p["marketplace"] == "DE"]
    assert (de["state"], de["status"]) == ("blocked", "REJECTED")


def test_the_clock_moves_on_and_reviews_follow_it(run_acorn, where) -> None:
    repo, endpoint = where
    before = json.loads(run_acorn("sandbox", "state", *endpoint, cwd=repo).out)["now"]
    moved = run_acorn("sandbox", "clock", "advance", "3d", *endpoint, cwd=repo)
    assert moved.code == 0, moved.err
    after = json.loads(run_acorn("sandbox", "state", *endpoint, cwd=repo).out)["now"]
    assert after[:10] > before[:10] and f"is now {after[:10]}" in moved.out
    bad = run_acorn("sandbox", "clock", "advance", "3x", *endpoint, cwd=repo)
    assert bad.code == 1 and "like 3d, 12h, 30m" in bad.err


def test_seller_add_refuses_an_unknown_marketplace_with_a_did_you_mean(run_acorn, tmp_path) -> None:
    result = run_acorn("sandbox", "seller", "add", "x", "--seller-id", "B1EXAMPLE01", "--participates", "GB",
                       cwd=tmp_path)
    assert result.code == 1 and "unknown marketplace 'GB'; did you mean 'UK'?" in result.err


def test_regions_name_where_the_token_acts(run_acorn, tmp_path) -> None:
    result = run_acorn("sandbox", "seller", "add", "x", "--seller-id", "B1EXAMPLE01", "--regions", "EU,NA",
                       cwd=tmp_path)
    assert result.code == 0, result.err
    assert "# regions NA, EU" in result.out


def test_serve_without_demo_says_how_to_add_sellers_and_which_lwa_variables_to_set(tmp_path) -> None:
    served = start(tmp_path / "s.sqlite", cwd=tmp_path)
    try:
        guide = "".join(served.proc.stdout.readline() for _ in range(6))
    finally:
        stop(served.proc)
    assert "acorn sandbox seller add" in guide and "LWA_CLIENT_ID" in guide and "LWA_CLIENT_SECRET" in guide


def test_wait_on_the_embedded_sandbox_says_how_review_advances(run_acorn, tmp_path) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    result = run_acorn("apply", "--yes", "--wait", "--wait-timeout", "0", "--entity", "nordlicht-de", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "The embedded sandbox decides a review 5 minutes after submission" in result.out
    assert "acorn sandbox review decide REG-" in result.out


def test_fail_on_rejected_needs_wait(run_acorn, tmp_path) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    refused = run_acorn("apply", "--yes", "--fail-on-rejected", cwd=tmp_path)
    assert refused.code == 1 and "--fail-on-rejected needs --wait" in refused.err


def test_seller_add_refuses_an_id_that_is_there_unless_replace(run_acorn, tmp_path) -> None:
    add = ("sandbox", "seller", "add", "x", "--seller-id", "B1EXAMPLE01")
    assert run_acorn(*add, cwd=tmp_path).out.startswith("Added seller B1EXAMPLE01 (x) to ")
    again = run_acorn(*add, "--legal-name", "Other Ltd", cwd=tmp_path)
    assert again.code == 1 and "seller B1EXAMPLE01 exists already" in again.err and "--replace" in again.err
    listed = run_acorn("sandbox", "seller", "list", cwd=tmp_path).out
    assert re.search(r"^B1EXAMPLE01 +x  sells in", listed, re.MULTILINE)  # unchanged
    replaced = run_acorn(*add, "--legal-name", "Other Ltd", "--replace", cwd=tmp_path)
    assert replaced.code == 0 and replaced.out.startswith("Replaced seller B1EXAMPLE01 (Other Ltd) in ")
    listed = run_acorn("sandbox", "seller", "list", cwd=tmp_path).out
    assert re.search(r"^B1EXAMPLE01 +Other Ltd  sells in", listed, re.MULTILINE)


def test_seller_add_takes_only_ids_the_desired_state_takes(run_acorn, tmp_path) -> None:
    for bad in ("B1", "b1example01", "B1EXAMPLE-01"):
        result = run_acorn("sandbox", "seller", "add", "x", "--seller-id", bad, cwd=tmp_path)
        assert result.code == 1 and "must be 10 to 20 upper-case letters and digits" in result.err, result.err
    assert not (tmp_path / ".acorn").exists()  # refused before the sandbox is touched
