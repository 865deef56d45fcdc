"""`acorn plan` and `acorn import` with `{aws: ...}` references, end to end: secrets in moto's
server (real HTTP), the sandbox served over HTTP (no embedded stand-in token), acorn.yaml
naming the Secrets Manager endpoint. One unreadable seller does not stop the others."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.desired.loader import load_desired
from reconciler.sandbox.embedded import demo_refresh_token
from tests import REPO
from tests.moto_server import REGION, admin_client, aws_env, moto_secrets
from tests.served_sandbox import served_sandbox


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_secrets() as url:
        yield url


@pytest.fixture
def fleet(tmp_path: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo tree with every credential an aws reference (a JSON secret per seller, the key
    its region), acorn.yaml pointing at moto, and only the AWS keys in the environment."""
    import httpx
    httpx.post(f"{moto_url}/moto-api/reset").raise_for_status()
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    for path in (tmp_path / "desired").rglob("*.yaml*"):
        text = re.sub(r"refreshToken: \{env: ACORN_(.+)_REFRESH_TOKEN\}",
                      r"refreshToken: {aws: {secretId: acorn/sellers/\1, key: token}}", path.read_text())
        path.write_text(text)
    (tmp_path / "acorn.yaml").write_text(
        f"secrets:\n  aws:\n    region: {REGION}\n    endpoint: {moto_url}\n"
        "lwa:\n  clientId: {aws: {secretId: acorn/lwa, key: clientId}}\n"
        "  clientSecret: {aws: {secretId: acorn/lwa, key: clientSecret}}\n")
    admin = admin_client(moto_url)
    admin.create_secret(Name="acorn/lwa",
                        SecretString=json.dumps({"clientId": "acorn-test", "clientSecret": "s3cr3t-app"}))
    for entity in load_desired(tmp_path / "desired").entities:
        assert entity.credentials.default.kind == "aws"
        if entity.name != "nordlicht-de":
            admin.create_secret(Name=entity.credentials.default.name,
                                SecretString=json.dumps({"token": demo_refresh_token(entity.seller_id)}))
    for k, v in aws_env(moto_url).items():
        if k != "AWS_ENDPOINT_URL_SECRETS_MANAGER":  # acorn.yaml says where
            monkeypatch.setenv(k, v)
    return tmp_path


def test_plan_reads_every_seller_from_secrets_manager_and_names_the_missing_secret(run_acorn, fleet: Path) -> None:
    with served_sandbox(fleet / "served.sqlite", "--demo") as url:
        result = run_acorn("plan", "--endpoint", url, "--format", "json", "--out", "plan.json", cwd=fleet)
    assert result.code == 1
    missing = "AWS secret acorn/sellers/NORDLICHT_DE: does not exist"
    assert f"error: nordlicht-de: {missing}" in result.err.splitlines()
    plan = json.loads(result.out)
    planned = {e["name"]: (e.get("error"), len(e["pairs"])) for e in plan["entities"]}
    assert planned.pop("nordlicht-de") == (missing, 0)
    assert all(error is None and pairs > 0 for error, pairs in planned.values()) and len(planned) == 5
    # no value reached the output or any file acorn wrote (plan, audit log, sandbox state aside)
    written = [p for p in fleet.rglob("*") if p.is_file() and p.suffix != ".sqlite"]
    for text in [result.out, result.err, *(p.read_text(errors="replace") for p in written)]:
        assert "sandbox-refresh-" not in text and "s3cr3t-app" not in text


def test_import_writes_an_aws_reference_and_reads_live_through_it(run_acorn, fleet: Path) -> None:
    (fleet / "desired" / "entities" / "acme-sz.yaml").unlink()
    with served_sandbox(fleet / "served.sqlite", "--demo") as url:
        result = run_acorn("import", "--seller-id", "A3EXAMPLEACME01", "--name", "acme-sz",
                           "--refresh-token-aws", "acorn/sellers/ACME_SZ", "--refresh-token-aws-key", "token",
                           "--endpoint", url, cwd=fleet)
    assert result.code == 0, result.err
    text = (fleet / "desired" / "entities" / "acme-sz.yaml").read_text()
    # one entry per region the seller is in (acme: NA only, as the demo has it), each the reference
    assert '    refreshToken:\n      NA: {aws: {secretId: "acorn/sellers/ACME_SZ", key: "token"}}\n' in text
    # live was read with the token from Secrets Manager: what only the demo seller's live state says
    assert result.out.startswith("wrote desired/entities/acme-sz.yaml: 3 marketplaces (US, CA, MX);")
    assert "  legalEntityName: Shenzhen Acme Trading Co., Ltd.  # as APPROVED registration REG-" in text
    assert "    - US  # participates\n    - CA  # APPROVED registration REG-" in text


def test_import_takes_exactly_one_kind_of_reference(run_acorn, fleet: Path) -> None:
    result = run_acorn("import", "--seller-id", "A3EXAMPLEACME01", "--name", "acme-new", cwd=fleet)
    assert result.code == 1
    assert "exactly one of --refresh-token-env and --refresh-token-aws" in result.err
