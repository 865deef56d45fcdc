"""`acorn plan --offline`, what a pull request from a fork gets: no call and no credential,
every seller planned as if it had nothing live yet (preflight decides what is blocked)."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

from tests import REPO


def test_offline_plan_reads_nothing_and_needs_no_credential(run_acorn, tmp_path: Path) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    (tmp_path / "acorn.yaml").write_text("environment: production\nendpoint: http://127.0.0.1:9\n")
    result = run_acorn("plan", "--offline", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    states = {p["state"] for e in plan["entities"] for p in e["pairs"]}
    assert states <= {"create", "blocked"} and "create" in states
    assert all("error" not in e for e in plan["entities"])
    assert not (tmp_path / ".acorn" / "audit.jsonl").exists()  # not one call was made


def test_a_command_run_in_process_leaves_the_collector_as_it_found_it(run_acorn, tmp_path: Path) -> None:
    # The `acorn` process keeps its loaded tree out of the cyclic collector's walks (gc.freeze); a
    # caller that runs acorn in its own process (a test, a notebook) has nothing of its own frozen.
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    before = gc.get_freeze_count()
    assert run_acorn("plan", "--offline", "--desired", str(tmp_path / "desired")).code in (0, 2)
    assert gc.get_freeze_count() == before
