"""Scale-out: `acorn plan --shard K/N`, run through the CLI for every K over a generated
tree of 50 entities (their sellers seeded in the embedded sandbox), covers every entity
exactly once, and each shard plans its entities exactly as the whole run does."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.embedded import EMBEDDED_BASE_URL, demo_refresh_token, embedded_transport

COUNT = 50

ENTITY = """\
apiVersion: acorn/v1
kind: Entity
metadata:
  name: {name}
  labels: {{brand: b{brand}}}
spec:
  sellerId: {seller}
  legalEntityName: Shard Test {index} Ltd
  credentials:
    refreshToken: {{env: ACORN_SHARD_{index}_REFRESH_TOKEN}}
  businessRegistration:
    country: CN
    number: "9144030000{index:04d}"
    document: {{uri: docs/license-{index}.pdf, sha256: {sha}}}
  legalRepresentative:
    name: Li Wei
    idDocument: {{type: passport, expiresOn: 2036-01-01}}
  marketplaces: [{marketplaces}]
"""


def seller_id(i: int) -> str:
    return f"A7SHARD{i:05d}"


async def _seed(state: Path) -> None:
    """Each generated seller in the embedded sandbox, holding its demo refresh token."""
    async with httpx.AsyncClient(transport=embedded_transport(state), base_url=EMBEDDED_BASE_URL) as http:
        for i in range(COUNT):
            sid = seller_id(i)
            response = await http.post("/_sandbox/sellers", json={
                "sellerId": sid, "legalEntityName": f"Shard Test {i} Ltd", "refreshToken": demo_refresh_token(sid),
                "participations": ["MX"] if i % 3 == 0 else [], "relatedAccount": False})
            assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shards")
    entities = root / "desired" / "entities"
    entities.mkdir(parents=True)
    for i in range(COUNT):
        name = f"seller-{i:02d}"
        (entities / f"{name}.yaml").write_text(ENTITY.format(
            name=name, brand=i % 5, seller=seller_id(i), index=i, sha="ab" * 32,
            marketplaces="MX, BR" if i % 2 else "MX, AU"))
    asyncio.run(_seed(root / ".acorn" / "sandbox.sqlite"))
    return root


def plan(run_acorn, tree: Path, *args: str) -> dict:
    result = run_acorn("plan", "--format", "json", "--desired", str(tree / "desired"), *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize("n", [1, 4, 7])
def test_shards_cover_every_entity_exactly_once(run_acorn, tree: Path, n: int) -> None:
    whole = {e["name"]: e for e in plan(run_acorn, tree)["entities"]}
    assert len(whole) == COUNT
    shards = [[e for e in plan(run_acorn, tree, "--shard", f"{k}/{n}")["entities"]] for k in range(1, n + 1)]
    names = [e["name"] for shard in shards for e in shard]
    assert sorted(names) == sorted(whole)  # the union is every entity, and none twice
    for i, a in enumerate(shards):
        for b in shards[i + 1:]:
            assert not {e["name"] for e in a} & {e["name"] for e in b}
    for shard in shards:
        for e in shard:
            assert e["pairs"] == whole[e["name"]]["pairs"]  # a shard plans its entities as the whole run does
    if n > 1:
        assert all(shards), "a shard of 50 entities came out empty: the hash does not spread"


def test_a_shard_combines_with_a_selector(run_acorn, tree: Path) -> None:
    chosen = plan(run_acorn, tree, "--selector", "brand=b0")["entities"]
    parts = [plan(run_acorn, tree, "--selector", "brand=b0", "--shard", f"{k}/2")["entities"] for k in (1, 2)]
    assert sorted(e["name"] for p in parts for e in p) == sorted(e["name"] for e in chosen)
    assert len(chosen) == COUNT // 5


@pytest.mark.parametrize("bad", ["0/4", "5/4", "4", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(run_acorn, tree: Path, bad: str) -> None:
    result = run_acorn("plan", "--desired", str(tree / "desired"), "--shard", bad)
    assert result.code == 1 and "shard must be K/N" in result.err
