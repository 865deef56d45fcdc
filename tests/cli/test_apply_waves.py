"""`acorn apply --waves` rehearsed on the embedded and the served sandbox: 60 creates from one
template whose legal-name pattern is wrong. The first wave (one entity per marketplace) is
rejected in review, the gate stops the run and nothing else is submitted; once the template
is fixed, the next apply goes on from there and completes, each entity submitted once more
at most (a rejected submission only because it changed)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.embedded import EMBEDDED_BASE_URL, embedded_transport
from tests import served_sandbox, tax_examples

ROWS = 60
MARKETPLACES = ("UK", "DE", "FR", "IT", "ES")
TEMPLATE = "desired/templates/brand.yaml.j2"
APP_ENV = {"LWA_CLIENT_ID": "acorn-waves-test", "LWA_CLIENT_SECRET": "waves-test-client-secret"}


def vat(marketplace: str) -> str:
    if marketplace == "UK":
        return f"{{scheme: UK_VAT, number: {tax_examples.UK_VAT}}}"
    return f"{{scheme: EU_VAT, country: {marketplace}, number: {tax_examples.EU_VAT[marketplace]}}}"


def template(suffix: str) -> str:
    """60 rows, each in one marketplace; the body writes legalEntityName as `<Name> <suffix>`."""
    rows = ["rows:"]
    for i in range(ROWS):
        m = MARKETPLACES[i % len(MARKETPLACES)]
        rows += [f"  - name: brand-{i:02d}", f"    sellerId: A{i:02d}WAVEBRAND", f"    vat: [{vat(m)}]",
                 f"    marketplaces: [{m}]"]
    body = f"""---
apiVersion: acorn/v1
kind: Entity
metadata:
  name: {{{{ name }}}}
spec:
  sellerId: {{{{ sellerId }}}}
  legalEntityName: {{{{ ((name | replace("-", " ") | title) ~ " {suffix}") | tojson }}}}
  credentials:
    refreshToken: {{env: ACORN_{{{{ name | upper | replace("-", "_") }}}}_REFRESH_TOKEN}}
  businessRegistration:
    country: GB
    number: "01234567"
    document: {{uri: docs/{{{{ name }}}}.pdf, sha256: 3f0a9b5c2d7e8f1a4b6c9d0e2f3a5b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a}}
  legalRepresentative:
    name: Ada Test
    idDocument: {{type: passport, expiresOn: 2040-01-31}}
  taxRegistrations: {{{{ vat | tojson }}}}
  marketplaces: {{{{ marketplaces | tojson }}}}
"""
    return "\n".join(rows) + "\n" + body


def sellers() -> list[dict]:
    """The sandbox's sellers: account names `Brand 07 Ltd`; no business data, so only the review
    (not the plan's account check) can see a name that differs."""
    return [{"sellerId": f"A{i:02d}WAVEBRAND", "legalEntityName": f"Brand {i:02d} Ltd",
             "refreshToken": f"Atzr|waves-{i:02d}", "replace": True} for i in range(ROWS)]


def token_env() -> dict[str, str]:
    return {f"ACORN_BRAND_{i:02d}_REFRESH_TOKEN": f"Atzr|waves-{i:02d}" for i in range(ROWS)}


async def _seed_embedded(state: Path) -> None:
    async with httpx.AsyncClient(transport=embedded_transport(state), base_url=EMBEDDED_BASE_URL) as http:
        for body in sellers():
            (await http.post("/_sandbox/sellers", json=body)).raise_for_status()


@pytest.fixture(scope="module")
def served_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("waves-sandbox") / "state.sqlite"
    with served_sandbox.served_sandbox(state, "--review-seconds", "1") as url:
        yield url


@pytest.fixture(params=["embedded", "served"])
def sandbox(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """(extra apply args, a function listing the sandbox's registrations)."""
    for k, v in {**APP_ENV, **token_env()}.items():
        monkeypatch.setenv(k, v)
    (tmp_path / "desired" / "templates").mkdir(parents=True)
    if request.param == "embedded":
        monkeypatch.setenv("ACORN_SANDBOX_REVIEW_SECONDS", "1")
        state = tmp_path / ".acorn" / "sandbox.sqlite"
        asyncio.run(_seed_embedded(state))

        async def listed() -> list[dict]:
            async with httpx.AsyncClient(transport=embedded_transport(state), base_url=EMBEDDED_BASE_URL) as http:
                return mine((await http.get("/_sandbox/state")).json()["registrations"])

        return [], lambda: asyncio.run(listed())
    url = request.getfixturevalue("served_url")
    admin = served_sandbox.Admin(url)
    admin.reset()
    for body in sellers():
        admin.http.post("/_sandbox/sellers", json=body).raise_for_status()
    return ["--endpoint", url], lambda: mine(admin.registrations())


def mine(registrations: list[dict]) -> list[dict]:
    """This test's registrations (the embedded sandbox also holds its demo world)."""
    return [r for r in registrations if r["sellerId"].endswith("WAVEBRAND")]


def test_the_gate_stops_a_repeated_template_mistake_and_the_fixed_run_completes(
        sandbox, tmp_path: Path, run_acorn) -> None:
    endpoint, registrations = sandbox
    (tmp_path / TEMPLATE).write_text(template("Limited"))  # the accounts say "Ltd"
    # 60 creates: more than maxCreates (50), which waves do not need --force for
    args = ["apply", "--yes", "--waves", "1,10%,rest", "--no-color", *endpoint,
            "--audit-log", str(tmp_path / "audit.jsonl")]

    stopped = run_acorn(*args, cwd=tmp_path)
    assert stopped.code == 1, stopped.err
    out = stopped.out
    assert "Wave 1 of 3: 5 entities, 5 registrations (one per template and marketplace first: templates " \
           "brand.yaml.j2; marketplaces DE, ES, FR, IT, UK)" in out
    assert "Gate: stopped after wave 1: LEGAL_NAME_MISMATCH rejected 5 of 5 entities (100%), more than " \
           "--halt-on 25%." in out
    body = (tmp_path / TEMPLATE).read_text().splitlines()
    name_line = next(i for i, line in enumerate(body, 1) if line.startswith("  legalEntityName:"))
    assert f"  look at {TEMPLATE}:{name_line} (row brand-00): spec.legalEntityName" in out
    assert "Nothing else was submitted: 55 entities (55 registrations) of the next waves wait." in out
    assert "Wave 2" not in out
    first = registrations()
    assert len(first) == 5 and {r["status"] for r in first} == {"REJECTED"}  # 0 further submissions

    again = run_acorn(*args, cwd=tmp_path)  # nothing fixed: the rejected five are not sent again
    assert again.code == 1
    assert len({r["sellerId"] for r in registrations()}) == 10  # only a new canary wave of five

    (tmp_path / TEMPLATE).write_text(template("Ltd"))
    fixed = run_acorn(*args, cwd=tmp_path)
    assert fixed.code == 0, fixed.out + fixed.err
    assert re.findall(r"Gate: wave (\d) passed", fixed.out) == ["1", "2", "3"]
    final = registrations()
    by_seller = Counter(r["sellerId"] for r in final)
    assert len(by_seller) == ROWS
    approved = {r["sellerId"] for r in final if r["status"] == "APPROVED"}
    assert len(approved) == ROWS  # every entity ends approved
    assert max(by_seller.values()) == 2  # a rejected entity once more after the fix, never twice


@pytest.mark.parametrize("sandbox", ["embedded"], indirect=True)
def test_above_the_setting_apply_goes_in_waves_and_writes_the_verdict_to_the_job_summary(
        sandbox, tmp_path: Path, run_acorn) -> None:
    (tmp_path / TEMPLATE).write_text(template("Ltd"))
    (tmp_path / "acorn.yaml").write_text("waves:\n  above: 10\n  sizes: 1,25%,rest\n  haltOn: 10%\n")
    summary = tmp_path / "summary.md"
    result = run_acorn("apply", "--yes", "--no-color", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.code == 0, result.out + result.err
    assert "Wave 1 of 3: 5 entities" in result.out and "Wave 3 of 3: 40 entities" in result.out
    # without --wait on the command line (as the apply workflow runs it), each wave's reviews are awaited
    assert result.out.count("Review: 5 approved") == 1 and result.out.count("Review: ") == 3
    assert summary.read_text().splitlines() == [
        "### acorn apply: waves", "",
        "- Gate: wave 1 passed: no reason code rejected more than 10% of its 5 entities.",
        "- Gate: wave 2 passed: no reason code rejected more than 10% of its 15 entities.",
        "- Gate: wave 3 passed: no reason code rejected more than 10% of its 40 entities.",
        "- All 3 waves passed."]
