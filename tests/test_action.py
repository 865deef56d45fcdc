"""The composite action's run step (action.yml), executed with bash as the runner would:
it runs the command on the repository it is given, reports the exit code and every file it
wrote, and fails the step on exit 1 only when asked to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text())


def _step(step_id: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


def _outputs(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT's `k=v` lines and `k<<END … END` blocks."""
    out: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            key, end = line.split("<<")
            out[key] = "\n".join(iter(lambda: next(lines), end))
        else:
            key, _, value = line.partition("=")
            out[key] = value
    return out


@pytest.fixture
def runner(tmp_path: Path):
    """Runs the step in `repo` with inputs, acorn already installed where the install step puts it."""
    temp = tmp_path / "runner-temp"
    (temp / "acorn-venv" / "bin").mkdir(parents=True)
    (temp / "acorn-venv" / "bin" / "acorn").symlink_to(Path(sys.executable).parent / "acorn")

    def run(repo: Path, command: str, args: str = "", fail_on_error: str = "true") -> tuple[int, dict[str, str], str]:
        output = tmp_path / f"output-{command}"
        output.write_text("")
        env = {**os.environ, "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(output), "GITHUB_RUN_ATTEMPT": "1",
               "COMMAND": command, "ARGS": args, "FAIL_ON_ERROR": fail_on_error}
        proc = subprocess.run(["bash", "-eo", "pipefail", "-c", _step("run")["run"]], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=120)
        return proc.returncode, _outputs(output), proc.stdout + proc.stderr

    return run


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    subprocess.run([sys.executable, "-m", "reconciler", "init", str(root)], check=True, capture_output=True)
    return root


def test_the_action_installs_acorn_from_its_own_checkout_only() -> None:
    install = next(s for s in ACTION["runs"]["steps"] if s.get("name", "").startswith("Install acorn"))
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    assert '"$ACTION_PATH"' in install["run"] and "pip install ." not in install["run"]
    assert set(ACTION["inputs"]) >= {"command", "args", "python-version"}
    assert set(ACTION["outputs"]) >= {"exit-code", "files"}


def test_plan_reports_its_exit_code_and_every_file_it_wrote(runner, repo: Path) -> None:
    code, out, log = runner(repo, "plan")
    assert code == 0, log
    assert out["exit-code"] == "2"  # the example has creates
    files = out["files"].splitlines()
    assert sorted(Path(f).name for f in files) == ["audit.jsonl", "plan.json", "plan.md"]
    assert out["plan-json"] in files and out["report"] in files and all(Path(f).is_file() for f in files)
    assert "Plan: 2 to create" in Path(out["report"]).read_text() and "Plan: 2 to create" in log


def test_exit_1_fails_the_step_unless_told_not_to(runner, repo: Path) -> None:
    (repo / "desired" / "entities" / "example.yaml").write_text("apiVersion: acorn/v1\n")
    code, out, _ = runner(repo, "validate")
    assert code == 1 and out["exit-code"] == "1"
    code, out, _ = runner(repo, "validate", fail_on_error="false")
    assert code == 0 and out["exit-code"] == "1" and Path(out["report"]).name == "validate.txt"
    code, _, log = runner(repo, "destroy")
    assert code == 1 and "command must be plan, apply, drift, validate, merge-plans, check or github" in log


def test_args_reach_acorn_and_apply_takes_the_saved_plan(runner, repo: Path) -> None:
    code, planned, log = runner(repo, "plan", "--offline --entity example")
    assert code == 0 and planned["exit-code"] == "2", log
    code, applied, log = runner(repo, "apply", planned["plan-json"])
    assert code == 0 and applied["exit-code"] == "0", log
    assert "Apply: 2 accepted" in Path(applied["report"]).read_text()


def test_the_pr_check_fails_on_what_the_head_introduces_and_passes_on_what_was_there(runner, repo: Path,
                                                                                   tmp_path: Path) -> None:
    """The plan workflow's PR check steps: the base's desired/ planned in its own folder, then
    `check` compares; a typo the head brings fails it, the same typo in the base does not."""
    import shutil

    base = tmp_path / "base"
    shutil.copytree(repo, base)
    example = repo / "desired" / "entities" / "example.yaml"
    text = example.read_text()
    number, broken = "987654324RT0001", "987654342RT0001"  # the GST/HST number, two digits swapped
    assert number in text
    example.write_text(text.replace(number, broken))
    _, base_out, _ = runner(base, "plan", fail_on_error="false")
    _, head_out, _ = runner(repo, "plan", fail_on_error="false")
    code, out, log = runner(repo, "check", args=f"--base {base_out['plan-json']} {head_out['plan-json']}",
                            fail_on_error="false")
    assert code == 0 and out["exit-code"] == "1", log
    report = Path(out["report"]).read_text()
    assert report.startswith("### :x: acorn check: Check fails") and "TAX_NUMBER_INVALID" in report
    assert broken not in report
    code, out, log = runner(repo, "check", args=f"--base {head_out['plan-json']} {head_out['plan-json']}")
    assert code == 0 and out["exit-code"] == "0", log
