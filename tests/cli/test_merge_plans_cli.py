"""`acorn merge-plans`: the saved plans of a sharded run become the plan of the whole tree
(one comment, one artifact apply accepts); plans that are not disjoint shards of one tree
are refused by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests import REPO


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    monkeypatch.setenv("ACORN_TODAY", "2026-06-01")
    return tmp_path


def _without_time(plan: dict) -> dict:
    return {k: v for k, v in plan.items() if k != "generatedAt"}


def test_merged_shards_are_the_whole_plan_and_apply_accepts_them(run_acorn, demo: Path) -> None:
    for k in (1, 2, 3):  # acme-sz's unauthorized FE region is a warning, not an error
        assert run_acorn("plan", "--shard", f"{k}/3", "--out", f"p{k}.json", cwd=demo).code == 0
    whole = json.loads(run_acorn("plan", "--format", "json", cwd=demo).out)
    merged = run_acorn("merge-plans", "p1.json", "p2.json", "p3.json", "--format", "markdown",
                       "--out", "merged.json", "--detailed-exitcode", cwd=demo)
    assert merged.code == 2  # there are creates (acme-sz's unauthorized FE is a warning)
    assert "warning: acme-sz FE: not read" in merged.err
    creates = whole["summary"]["create"]
    assert merged.out.startswith(f"**Plan: {creates} to create, ")
    saved = json.loads((demo / "merged.json").read_text())
    by_name = sorted(whole["entities"], key=lambda e: e["name"])
    assert _without_time(saved) == _without_time({**whole, "entities": by_name})
    applied = run_acorn("apply", "merged.json", cwd=demo)
    # acme-sz has nothing to create (its bad VAT number blocks every create), so it is not re-read
    assert applied.code == 0 and "acme-sz" not in applied.out + applied.err
    assert f"Apply: {creates} accepted" in applied.out


def test_overlapping_or_foreign_plans_are_refused(run_acorn, demo: Path) -> None:
    run_acorn("plan", "--shard", "1/2", "--out", "a.json", cwd=demo)
    refused = run_acorn("merge-plans", "a.json", "a.json", cwd=demo)
    assert refused.code == 1
    assert "is in both a.json and a.json: the plans are not disjoint shards" in refused.err
    other = json.loads((demo / "a.json").read_text())
    other["desiredDigest"] = "0" * 64
    (demo / "b.json").write_text(json.dumps(other))
    run_acorn("plan", "--shard", "2/2", "--out", "c.json", cwd=demo)
    refused = run_acorn("merge-plans", "c.json", "b.json", cwd=demo)
    assert refused.code == 1 and "b.json was made from another desired tree than c.json" in refused.err
