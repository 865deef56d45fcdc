"""`acorn init`: a new, empty git repository gets from nothing to a plan in one command;
nothing is overwritten without --force; the editor's schema association works with no path
into acorn's own repository."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from reconciler.desired import yamlsource
from reconciler.render.scaffold import DEFAULT_PIN


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def test_init_then_validate_then_plan_in_an_empty_repository(run_acorn, repo: Path) -> None:
    init = run_acorn("init", cwd=repo)
    assert init.code == 0, init.err
    assert "Next:" in init.out and "acorn validate && acorn plan" in init.out
    assert run_acorn("validate", cwd=repo).code == 0
    plan = run_acorn("plan", "--detailed-exitcode", cwd=repo)
    assert plan.code == 2, plan.err  # the example has marketplaces to create, nothing failed
    assert "example" in plan.out and "create" in plan.out
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo,
                            capture_output=True, text=True, check=True).stdout
    assert ".acorn/" not in status  # the sandbox state and audit log are ignored
    assert {line.split()[-1] for line in status.splitlines()} == {
        ".gitignore", ".pre-commit-config.yaml", "acorn.yaml", "desired/entities/example.yaml",
        ".github/workflows/acorn-plan.yml", ".github/workflows/acorn-apply.yml",
        ".github/workflows/acorn-drift.yml", "schemas/entity.schema.json", "schemas/settings.schema.json"}


def test_init_into_a_folder_pins_acorns_action_by_commit(run_acorn, tmp_path: Path) -> None:
    assert run_acorn("init", "new-repo", cwd=tmp_path).code == 0
    plan = (tmp_path / "new-repo" / ".github" / "workflows" / "acorn-plan.yml").read_text()
    assert re.search(r"uses: [\w-]+/[\w-]+@[0-9a-f]{40} # v\d", plan)
    assert f"uses: {DEFAULT_PIN.uses}" in plan and "pip install ." not in plan


def test_the_schema_association_works_outside_acorns_repository(run_acorn, repo: Path) -> None:
    run_acorn("init", cwd=repo)
    for rel in ("desired/entities/example.yaml", "acorn.yaml"):
        path = repo / rel
        first = path.read_text().splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, first
        schema_path = (path.parent / match[1]).resolve()
        assert schema_path.is_relative_to(repo.resolve()) and schema_path.is_file()
        doc, problems = yamlsource.parse(path.read_text(), rel, empty_ok=True)  # dates stay text, as editors read them
        assert not problems
        jsonschema.validate(doc.data or {}, json.loads(schema_path.read_text()))


def test_nothing_is_overwritten_without_force(run_acorn, repo: Path) -> None:
    (repo / ".gitignore").write_text("node_modules/\n")
    assert run_acorn("init", cwd=repo).code == 0
    ignored = (repo / ".gitignore").read_text()
    assert ignored.startswith("node_modules/\n") and ".acorn/" in ignored
    again = run_acorn("init", cwd=repo)
    assert again.code == 0 and "unchanged  acorn.yaml" in again.out
    (repo / "acorn.yaml").write_text("environment: sandbox\n")
    kept = run_acorn("init", cwd=repo)
    assert kept.code == 1
    assert "kept       acorn.yaml" in kept.out
    assert "acorn.yaml (pass --force to overwrite)" in kept.err
    assert (repo / "acorn.yaml").read_text() == "environment: sandbox\n"
    assert run_acorn("init", "--force", cwd=repo).code == 0
    assert (repo / "acorn.yaml").read_text().startswith("# yaml-language-server")
    assert (repo / ".gitignore").read_text().count(".acorn/") == 1


def test_action_must_be_a_full_commit(run_acorn, repo: Path) -> None:
    bad = run_acorn("init", "--action", "someone/acorn@v1", cwd=repo)
    assert bad.code == 1 and "full 40-character commit SHA" in bad.err
    sha = "a" * 40
    assert run_acorn("init", "--action", f"someone/acorn@{sha}", cwd=repo).code == 0
    assert f"someone/acorn@{sha}" in (repo / ".github" / "workflows" / "acorn-apply.yml").read_text()
