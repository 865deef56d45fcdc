"""The GitHub workflows and the action, as shipped and as `acorn init` writes them: zizmor
(offline, default persona) and actionlint find nothing, every action is pinned by commit,
and the safety properties a reviewer relies on hold in the files themselves."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reconciler.render.scaffold import DEFAULT_PIN, WORKFLOWS, scaffold, workflow
from tests import REPO

OWN = sorted((REPO / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((REPO / "examples").glob("**/*.yml"))
# The test extra's tools live beside this Python (a venv's bin/), even when it is not on PATH;
# actionlint runs shellcheck only if it finds it on PATH.
PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
ZIZMOR = shutil.which("zizmor", path=PATH)
ACTIONLINT = shutil.which("actionlint", path=PATH)
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("init")
    for rel, text in scaffold().items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _init_workflows(root: Path) -> list[Path]:
    return [root / rel for rel in WORKFLOWS]


def _uses_lines(path: Path) -> list[str]:
    return [m[1] for m in re.finditer(r"^\s*(?:-\s+)?uses:\s*(.+?)\s*$", path.read_text(), re.M)]


@pytest.mark.skipif(ZIZMOR is None, reason="zizmor is not installed (test extra)")
def test_zizmor_finds_nothing(initialised: Path) -> None:
    """Files passed one by one: given a folder, zizmor collects only .github/workflows."""
    files = [REPO / "action.yml", *OWN, *EXAMPLES, *_init_workflows(initialised)]
    proc = subprocess.run([ZIZMOR, "--offline", "--no-progress", "--format", "plain", *map(str, files)],
                          capture_output=True, text=True, env={**os.environ, "PATH": PATH})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


@pytest.mark.skipif(ACTIONLINT is None, reason="actionlint is not installed (test extra, x86-64 Linux)")
@pytest.mark.parametrize("name", [p.name for p in OWN + EXAMPLES] + list(WORKFLOWS.values()))
def test_actionlint_passes(name: str, initialised: Path) -> None:
    inits = {Path(rel).name.removeprefix("acorn-"): initialised / rel for rel in WORKFLOWS}
    path = next((p for p in OWN + EXAMPLES if p.name == name), None)
    for candidate in [path] if path else [inits[name]]:
        proc = subprocess.run([ACTIONLINT, "-no-color", str(candidate)], capture_output=True, text=True,
                              env={**os.environ, "PATH": PATH})
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_this_repositorys_workflows_are_the_ones_init_writes() -> None:
    """One source: plan, apply and drift here are init's, pinned to the same release."""
    for name in ("plan.yml", "apply.yml", "drift.yml"):
        assert (REPO / ".github" / "workflows" / name).read_text() == workflow(name, DEFAULT_PIN.uses, "plan.yml")


@pytest.mark.parametrize("path", [REPO / "action.yml", *OWN, *EXAMPLES], ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    uses = _uses_lines(path)
    assert uses and all(PINNED.match(u) for u in uses), [u for u in uses if not PINNED.match(u)]
    acorn = [u for u in uses if u.startswith(DEFAULT_PIN.repository + "@")]
    assert all(u == DEFAULT_PIN.uses for u in acorn)


@pytest.mark.parametrize("path", [*OWN, *EXAMPLES], ids=lambda p: p.name)
def test_least_privilege_timeouts_concurrency_and_no_persisted_credentials(path: Path) -> None:
    flow = yaml.safe_load(path.read_text())
    assert flow["permissions"] == {}, "workflow level grants nothing; each job asks for its own"
    for name, job in flow["jobs"].items():
        assert "timeout-minutes" in job, name
        assert "concurrency" in flow or "concurrency" in job, name
        assert "permissions" in job, name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
    writes = {name: job["permissions"] for name, job in flow["jobs"].items()
              if any(v == "write" for k, v in job["permissions"].items() if k != "id-token")}
    for name in writes:
        job = flow["jobs"][name]
        ran = [s for s in job["steps"]
               if "run" in s or s.get("uses", "").startswith(("actions/checkout@", DEFAULT_PIN.repository))]
        assert not ran or job.get("environment") == "production", f"{name} writes and runs repository code"


def test_a_pull_request_decides_only_desired() -> None:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "plan.yml").read_text())
    steps = flow["jobs"]["plan"]["steps"]
    checkouts = [s["with"] for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts[0]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert checkouts[1] == {"ref": "${{ github.event.pull_request.head.sha }}", "path": ".acorn-head",
                            "sparse-checkout": "desired", "persist-credentials": False}
    overlay = next(s["run"] for s in steps if "cp -a" in s.get("run", ""))
    assert overlay.split() == ["rm", "-rf", "desired", "cp", "-a", ".acorn-head/desired", "desired",
                               "rm", "-rf", ".acorn-head"]
    aws = next(s for s in steps if s.get("uses", "").startswith("aws-actions/"))
    assert aws["if"].startswith("env.TRUSTED == 'true'")
    assert "head.repo.full_name == github.repository" in flow["jobs"]["plan"]["env"]["TRUSTED"]
    offline = next(s for s in steps if s.get("id") == "offline")
    assert offline["if"] == "env.TRUSTED != 'true'" and offline["with"]["args"] == "--offline"
    comment = flow["jobs"]["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert not any("checkout" in s.get("uses", "") for s in comment["steps"])


def test_apply_applies_the_reviewed_plan_in_production_one_at_a_time() -> None:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "apply.yml").read_text())
    job = flow["jobs"]["apply"]
    assert job["environment"] == "production"
    assert flow["concurrency"] == {"group": "acorn-apply", "cancel-in-progress": False}
    text = (REPO / ".github" / "workflows" / "apply.yml").read_text()
    assert "--yes" not in text
    apply = next(s for s in job["steps"] if s.get("id") == "apply")
    assert apply["with"] == {"command": "apply", "args": "${{ runner.temp }}/reviewed/plan.json",
                             "fail-on-error": "false"}
    download = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["run-id"] == "${{ steps.find.outputs.run-id }}"


def test_init_pins_the_pre_commit_hook_like_the_action(initialised: Path) -> None:
    hooks = yaml.safe_load((initialised / ".pre-commit-config.yaml").read_text())
    (repo,) = hooks["repos"]
    assert repo == {"repo": f"https://github.com/{DEFAULT_PIN.repository}", "rev": DEFAULT_PIN.commit,
                    "hooks": [{"id": "acorn-validate"}]}
    hook_ids = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    assert "acorn-validate" in hook_ids
