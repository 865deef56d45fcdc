"""The GitHub workflows: actionlint passes on each, and every credential an entity
references is mapped from a repository secret of the same name where acorn needs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from reconciler.desired.loader import load_desired
from tests import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml")) + sorted((REPO / "examples").glob("**/*.yml"))


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is not installed")
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_passes(workflow: Path) -> None:
    proc = subprocess.run(["actionlint", "-no-color", str(workflow)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["plan.yml", "apply.yml", "drift.yml"])
def test_each_entity_credential_is_mapped_from_its_secret(name: str) -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())
    (job,) = workflow["jobs"].values()
    entities = load_desired(REPO / "desired").entities
    wanted = {r.name for e in entities for r in e.credentials.refs()} | {"LWA_CLIENT_ID", "LWA_CLIENT_SECRET"}
    assert {k: v for k, v in job["env"].items() if k in wanted} == {
        k: f"${{{{ secrets.{k} }}}}" for k in wanted}


def test_apply_runs_in_the_protected_environment_one_at_a_time() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "apply.yml").read_text())
    assert workflow["jobs"]["apply"]["environment"] == "production"
    assert workflow["concurrency"] == {"group": "acorn-apply", "cancel-in-progress": False}
