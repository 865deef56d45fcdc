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

from reconciler.render.scaffold import WORKFLOWS, ActionPin, Layout, scaffold, workflow
from tests import REPO

# acorn's own workflows run the acorn checked out (the base commit's on pull requests): a
# commit cannot name its own SHA, and GitHub's `$/` form would run the pull request's copy.
OWN_USES = "./ # zizmor: ignore[self-repository] acorn as checked out: the base commit's on pull requests"
RELEASE = ActionPin("acorn-reconciler/acorn", "0123456789abcdef0123456789abcdef01234567", "v1.2.3")
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
    for f in scaffold(RELEASE, Layout(), "1.2.3", "https://github.com/acorn-reconciler/acorn"):
        (root / f.path).parent.mkdir(parents=True, exist_ok=True)
        (root / f.path).write_text(f.text)
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
    """One source: plan, apply and drift here are init's, running the acorn checked out."""
    for name in ("plan.yml", "apply.yml", "drift.yml"):
        assert (REPO / ".github" / "workflows" / name).read_text() == workflow(name, OWN_USES, "plan.yml", Layout())


@pytest.mark.parametrize("path", [REPO / "action.yml", *OWN, *EXAMPLES], ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    uses = [u for u in _uses_lines(path) if u != OWN_USES]
    assert uses and all(PINNED.match(u) for u in uses), [u for u in uses if not PINNED.match(u)]


def test_init_pins_every_acorn_step_to_the_release(initialised: Path) -> None:
    for path in _init_workflows(initialised):
        acorn = [u for u in _uses_lines(path) if u.startswith(RELEASE.repository + "@")]
        assert acorn and all(u == RELEASE.uses for u in acorn)


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
               if "run" in s or s.get("uses", "").startswith(("actions/checkout@", "./"))]
        assert not ran or job.get("environment") == "production", f"{name} writes and runs repository code"


def test_a_pull_request_decides_only_desired() -> None:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "plan.yml").read_text())
    steps = flow["jobs"]["plan"]["steps"]
    checkouts = [s["with"] for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts[0]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert checkouts[1] == {"ref": "${{ github.event.pull_request.head.sha }}", "path": ".acorn-head",
                            "sparse-checkout": "desired", "persist-credentials": False}
    overlay = next(s["run"] for s in steps if "cp -a" in s.get("run", ""))
    assert overlay.split() == ["rm", "-rf", "desired", "cp", "-a", ".acorn-head/desired", "desired"]
    # The head's acorn.yaml is taken only when the PR changes it, and then nothing is live.
    settings = next(s for s in steps if "acorn.yaml" in s.get("run", ""))
    assert settings["if"] == "env.SETTINGS_CHANGED == 'true'"
    aws = next(s for s in steps if s.get("uses", "").startswith("aws-actions/"))
    live = next(s for s in steps if s.get("id") == "live")
    for step in (aws, live):
        assert "env.TRUSTED == 'true' && env.SETTINGS_CHANGED != 'true'" in step["if"]
        assert "validate" not in step["if"]  # validate reports; the PR check decides
    assert "head.repo.full_name == github.repository" in flow["jobs"]["plan"]["env"]["TRUSTED"]
    offline = next(s for s in steps if s.get("id") == "offline")
    assert offline["if"] == "env.TRUSTED != 'true' || env.SETTINGS_CHANGED == 'true'"
    assert offline["with"]["args"] == "--offline"
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
    assert repo == {"repo": f"https://github.com/{RELEASE.repository}", "rev": RELEASE.commit,
                    "hooks": [{"id": "acorn-validate"}]}
    assert f"# frozen: {RELEASE.version}" in (initialised / ".pre-commit-config.yaml").read_text()


def test_the_plan_check_runs_on_every_pull_request_and_can_be_required() -> None:
    """No path filter (a required check that never starts blocks a PR for ever); the changes
    job decides, and a plan job skipped by its `if` counts as a success."""
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "plan.yml").read_text())
    assert flow[True] == {"pull_request": None}
    assert flow["jobs"]["changes"]["permissions"] == {"contents": "read", "pull-requests": "read"}
    assert flow["jobs"]["plan"]["needs"] == "changes"
    assert flow["jobs"]["plan"]["if"] == "needs.changes.outputs.acorn == 'true'"
    assert "needs.plan.result != 'skipped'" in flow["jobs"]["comment"]["if"]


def test_validate_findings_are_posted_and_the_pr_check_fails_only_the_plan_job() -> None:
    """Validate reports without failing; the plan is made anyway; the PR check (last) fails the
    plan job on what the pull request introduces, or when there is no plan to compare."""
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "plan.yml").read_text())
    steps = flow["jobs"]["plan"]["steps"]
    validate = next(s for s in steps if s.get("id") == "validate")
    assert validate["with"]["fail-on-error"] == "false"
    collect = next(s for s in steps if s.get("name", "").startswith("Collect"))
    assert collect["if"] == "${{ !cancelled() }}" and 'cat "$VALIDATE_REPORT"' in collect["run"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "${{ !cancelled() }}"
    names = [s.get("name", "") for s in steps]
    assert names.index("PR check: compare the head's plan with the base's") < \
        names.index("PR check: add its report to the plan")
    assert steps.index(upload) > names.index("PR check: add its report to the plan")
    base = next(s for s in steps if s.get("id") == "base")
    assert base["with"]["working-directory"] == ".acorn-base" and "SETTINGS_CHANGED" in base["with"]["args"]
    assert steps[-1]["name"].startswith("PR check: fail") and steps[-1]["if"] == "${{ !cancelled() }}"
    assert 'if [ -z "$CODE" ]' in steps[-1]["run"]
    download = flow["jobs"]["comment"]["steps"][0]
    assert download["continue-on-error"] is True


def test_apply_can_be_rerun_by_hand_behind_the_production_environment() -> None:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "apply.yml").read_text())
    assert "workflow_dispatch" in flow[True]
    assert flow["jobs"]["apply"]["if"] == "github.event_name == 'push'"
    replan = flow["jobs"]["replan"]
    assert "workflow_dispatch" in replan["if"] and "refs/heads/main" in replan["if"]
    assert "environment" not in replan and replan["permissions"]["id-token"] == "write"
    applied = flow["jobs"]["apply-replanned"]
    assert applied["needs"] == "replan" and applied["environment"] == "production"


def test_drift_fetches_the_history_create_ages_need() -> None:
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "drift.yml").read_text())
    checkout = next(s for s in flow["jobs"]["drift"]["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    hook_ids = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    assert "acorn-validate" in hook_ids


@pytest.mark.parametrize(("planned", "mode", "heading"), [
    (True, "live", "(the plan below blocks what they reach)"),
    (False, "invalid", "nothing was planned"),
])
def test_the_comment_shows_validate_s_findings_above_the_plan_or_alone(tmp_path: Path, planned: bool, mode: str,
                                                                        heading: str) -> None:
    """The Collect step, run by bash: validate's findings head the comment; the plan follows
    when there is one (validate does not gate it), and a tree that did not plan is `invalid`."""
    flow = yaml.safe_load((REPO / ".github" / "workflows" / "plan.yml").read_text())
    collect = next(s for s in flow["jobs"]["plan"]["steps"] if s.get("name", "").startswith("Collect"))
    (tmp_path / "validate.txt").write_text("desired/entities/x.yaml:3:1: spec: bad\n")
    (tmp_path / "plan.md").write_text("THE PLAN\n")
    (tmp_path / "plan.json").write_text("{}\n")
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
           "VALIDATE_CODE": "1", "VALIDATE_REPORT": str(tmp_path / "validate.txt"),
           "REPORT": str(tmp_path / "plan.md"), "PLAN_JSON": str(tmp_path / "plan.json") if planned else "",
           "AUDIT_LOG": "", "HEAD_SHA": "0" * 40, "TRUSTED": "true", "SETTINGS_CHANGED": "false"}
    subprocess.run(["bash", "-e", "-c", collect["run"]], env=env, check=True)
    out = tmp_path / "acorn-plan"
    assert (out / "mode").read_text().strip() == mode
    comment = (out / "plan.md").read_text()
    assert heading in comment and "desired/entities/x.yaml:3:1: spec: bad" in comment
    assert ("THE PLAN" in comment) is planned and (out / "plan.json").exists() is planned
