"""A plan makes no call it does not need, counted on the embedded sandbox's audit log: per
seller, one participations read and one list of registrations per region its marketplaces
span (every list of the demo fits one page), and nothing in a region it does not need."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import yaml

from reconciler.domain import catalogue
from tests import REPO


def test_plan_reads_each_needed_region_once_per_seller(run_acorn, tmp_path: Path) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    result = run_acorn("plan", "--format", "json", cwd=tmp_path)
    assert result.code in (0, 1), result.err  # 1: acme-sz has not authorized the app in FE
    entities = json.loads(result.out)["entities"]
    calls: Counter[tuple[str, str]] = Counter()
    for line in (tmp_path / ".acorn" / "audit.jsonl").read_text().splitlines():
        entry = json.loads(line)
        calls[(entry["sellerId"], entry["operation"])] += 1
    assert {op for _, op in calls} <= {"lwaToken", "getMarketplaceParticipations", "listRegistrations", "getAccount"}
    regions = {}
    for path in (tmp_path / "desired" / "entities").glob("*.yaml"):
        spec = yaml.safe_load(path.read_text())["spec"]
        regions[spec["sellerId"]] = {catalogue.by_code(m).region for m in spec["marketplaces"]}
    assert {e["sellerId"] for e in entities} >= set(regions)
    for seller, needed in regions.items():
        assert calls[(seller, "getMarketplaceParticipations")] == len(needed), seller
        assert calls[(seller, "listRegistrations")] == len(needed), seller
