"""`acorn init`: a new, empty git repository gets from nothing to a plan in one command;
nothing is overwritten without --force (which first shows what it loses); `--upgrade` keeps
every edit; workflows go to the git root with the default branch read from the repository;
the editor's schema association works with no path into acorn's own repository."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from reconciler.desired import yamlsource
from reconciler.release import installed
from reconciler.render import managed

PIN = re.compile(r"uses: ([\w-]+/[\w.-]+)@([0-9a-f]{40}) # (.+)$", re.M)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def test_init_then_validate_then_plan_in_an_empty_repository(run_acorn, repo: Path) -> None:
    init = run_acorn("init", cwd=repo)
    assert init.code == 0, init.err
    assert "Next:" in init.out and "acorn validate && acorn plan" in init.out
    assert installed().docs_url + "adopting/" in init.out
    assert run_acorn("validate", cwd=repo).code == 0
    plan = run_acorn("plan", "--detailed-exitcode", "--out", "plan.json", cwd=repo)
    assert plan.code == 2, plan.err  # the example has marketplaces to create, nothing failed
    assert "example" in plan.out and "create" in plan.out
    status = _git(repo, "status", "--porcelain", "--untracked-files=all")
    assert (repo / "plan.json").is_file() and (repo / ".acorn").is_dir()  # both ignored: not in the status below
    assert {line.split()[-1] for line in status.splitlines()} == {
        ".gitignore", ".pre-commit-config.yaml", "acorn.yaml", "desired/entities/example.yaml",
        ".github/workflows/acorn-plan.yml", ".github/workflows/acorn-apply.yml",
        ".github/workflows/acorn-drift.yml", "schemas/entity.schema.json", "schemas/settings.schema.json",
        "examples/aws/trust-policy-plan.json", "examples/aws/trust-policy-apply.json",
        "examples/aws/read-secrets-policy.json"}
    for rel in ("examples/aws/trust-policy-plan.json", "schemas/entity.schema.json"):
        json.loads((repo / rel).read_text())  # the marker keeps JSON valid


def test_pins_are_the_installed_build_and_say_what_it_is(run_acorn, repo: Path) -> None:
    """A release pins its tag's commit with the tag; a development install pins the commit it
    was built from, says so in the comment, and warns (tests/test_release.py checks a release)."""
    release = installed()
    init = run_acorn("init", cwd=repo)
    pins = [p for p in PIN.findall((repo / ".github" / "workflows" / "acorn-plan.yml").read_text())
            if p[0] == release.repository]
    assert pins and {(r, c) for r, c, _ in pins} == {(release.repository, release.commit)}
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]
    assert hook["repo"] == release.repository_url and hook["rev"] == release.commit
    if release.is_release:
        assert {v for _, _, v in pins} == {release.tag} and "development install" not in init.err
    else:
        assert {v for _, _, v in pins} == {f"{release.version}, a development build"}
        assert f"acorn {release.version} is a development install, not a release" in init.err


def test_into_a_new_folder_outside_git_says_where_github_reads(run_acorn, tmp_path: Path) -> None:
    init = run_acorn("init", "new-repo", cwd=tmp_path)
    assert init.code == 0 and "is not in a git repository" in init.out
    assert (tmp_path / "new-repo" / ".github" / "workflows" / "acorn-plan.yml").is_file()


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


def test_nothing_is_overwritten_without_force_and_force_shows_the_loss(run_acorn, repo: Path) -> None:
    (repo / ".gitignore").write_text("node_modules/\n")
    assert run_acorn("init", cwd=repo).code == 0
    ignore = (repo / ".gitignore").read_text()
    assert ignore.startswith("node_modules/\n") and ".acorn/" in ignore and "plan.json" in ignore
    again = run_acorn("init", cwd=repo)
    assert again.code == 0 and "unchanged  acorn.yaml" in again.out
    (repo / "acorn.yaml").write_text("environment: production\n")
    kept = run_acorn("init", cwd=repo)
    assert kept.code == 1 and "kept       acorn.yaml" in kept.out
    assert "not overwritten: acorn.yaml" in kept.err and "--upgrade" in kept.err
    assert (repo / "acorn.yaml").read_text() == "environment: production\n"
    forced = run_acorn("init", "--force", cwd=repo)
    assert forced.code == 0
    loss = forced.out.index("-environment: production")
    assert "overwrites 1 file" in forced.out and loss < forced.out.index("updated    acorn.yaml")
    assert (repo / "acorn.yaml").read_text().startswith("# yaml-language-server")
    assert (repo / ".gitignore").read_text().count(".acorn/") == 1


def test_upgrade_rewrites_unedited_managed_files_and_keeps_every_edit(run_acorn, repo: Path) -> None:
    assert run_acorn("init", cwd=repo).code == 0
    workflows = repo / ".github" / "workflows"
    # An older acorn wrote these: stamp them as 0.0.1 with different (but unedited) content.
    old_drift = managed.stamp("acorn-drift.yml", "name: acorn drift (old)\n", "0.0.1")
    (workflows / "acorn-drift.yml").write_text(old_drift)
    plan = workflows / "acorn-plan.yml"
    edited = plan.read_text().replace("timeout-minutes: 30", "timeout-minutes: 45")
    plan.write_text(edited)
    (repo / "acorn.yaml").write_text("environment: production\n")
    (repo / "desired" / "entities" / "example.yaml").unlink()
    (repo / "desired" / "entities" / "mine.yaml").write_text("# my entity\n")
    (workflows / "acorn-apply.yml").unlink()

    up = run_acorn("init", "--upgrade", cwd=repo)
    assert up.code == 0, up.err
    assert re.search(r"upgraded   \.github/workflows/acorn-drift\.yml \(0\.0\.1 -> ", up.out)
    assert managed.unedited((workflows / "acorn-drift.yml").read_text())
    assert "name: acorn drift\n" in (workflows / "acorn-drift.yml").read_text()
    # The edited workflow is kept; the diff is shown; the new version waits beside it.
    assert plan.read_text() == edited
    assert "edited     .github/workflows/acorn-plan.yml" in up.out
    assert "-    timeout-minutes: 45" in up.out and "+    timeout-minutes: 30" in up.out
    assert managed.unedited((workflows / "acorn-plan.yml.acorn-new").read_text())
    # acorn.yaml's values and desired/ are never touched; a deleted file is not brought back.
    assert (repo / "acorn.yaml").read_text() == "environment: production\n"
    assert "kept       acorn.yaml (yours" in up.out
    assert not (repo / "desired" / "entities" / "example.yaml").exists()
    assert not (workflows / "acorn-apply.yml").exists() and "absent     .github/workflows/acorn-apply.yml" in up.out
    assert "unchanged  schemas/entity.schema.json" in up.out
    # A file without acorn's marker (an acorn before markers wrote it, or it was replaced) is kept too.
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    again = run_acorn("init", "--upgrade", cwd=repo)
    assert "unmarked   .pre-commit-config.yaml (kept yours" in again.out
    assert (repo / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert (repo / ".pre-commit-config.yaml.acorn-new").is_file()
    # Plain init in a repository with entities of its own does not bring the example back either.
    assert run_acorn("init", cwd=repo).code == 1
    assert not (repo / "desired" / "entities" / "example.yaml").exists()


def test_upgrade_and_force_do_not_go_together(run_acorn, repo: Path) -> None:
    bad = run_acorn("init", "--upgrade", "--force", cwd=repo)
    assert bad.code == 1 and "do not go together" in bad.err


def test_in_a_subfolder_workflows_go_to_the_root_working_in_the_folder(run_acorn, repo: Path) -> None:
    folder = repo / "services" / "catalog"
    folder.mkdir(parents=True)
    init = run_acorn("init", cwd=folder)
    assert init.code == 0, init.err
    assert "acorn's folder is services/catalog/" in init.out
    assert not (folder / ".github").exists() and not (folder / ".pre-commit-config.yaml").exists()
    assert (folder / "acorn.yaml").is_file() and (folder / "desired" / "entities" / "example.yaml").is_file()
    plan = yaml.safe_load((repo / ".github" / "workflows" / "acorn-plan.yml").read_text())
    steps = plan["jobs"]["plan"]["steps"]
    acorn_steps = [s for s in steps if s.get("with", {}).get("command")]
    assert acorn_steps and all(s["with"]["working-directory"] == "services/catalog" for s in acorn_steps
                               if s.get("id") != "base")
    base = next(s for s in acorn_steps if s.get("id") == "base")  # the PR check plans the base's tree
    assert base["with"]["working-directory"] == ".acorn-base/services/catalog"
    base_checkout = next(s for s in steps if s.get("with", {}).get("path") == ".acorn-base")
    assert base_checkout["with"]["sparse-checkout"] == "services/catalog/desired"
    assert plan["jobs"]["changes"]["steps"][0]["env"]["ACORN_DIR"] == "services/catalog/"
    apply = yaml.safe_load((repo / ".github" / "workflows" / "acorn-apply.yml").read_text())
    assert apply[True]["push"]["paths"] == ["services/catalog/desired/**"]  # `on` reads as True in YAML 1.1
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["args"] == ["--desired", "services/catalog/desired"]
    assert re.match(hook["files"], "services/catalog/desired/entities/x.yaml")
    assert not re.match(hook["files"], "desired/entities/x.yaml")
    assert run_acorn("validate", cwd=repo / "services").code == 1  # no acorn tree above services/
    assert run_acorn("validate", *hook["args"], cwd=repo).code == 0  # what the hook runs, from the root


@pytest.mark.parametrize("branch", ["master", "trunk"])
def test_the_default_branch_is_read_from_the_repository(run_acorn, tmp_path: Path, branch: str) -> None:
    _git(tmp_path, "init", "-q", "-b", branch)
    init = run_acorn("init", cwd=tmp_path)
    assert f"the default branch is {branch}" in init.out
    apply = yaml.safe_load((tmp_path / ".github" / "workflows" / "acorn-apply.yml").read_text())
    assert apply[True]["push"]["branches"] == [branch]
    assert f"refs/heads/{branch}" in apply["jobs"]["replan"]["if"]
    assert f"refs/heads/{branch}" in (tmp_path / "examples" / "aws" / "trust-policy-plan.json").read_text()


def test_a_clone_reads_the_remotes_default_branch(run_acorn, tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    _git(tmp_path, "init", "-q", "-b", "develop", str(origin))
    _git(origin, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "first")
    _git(tmp_path, "clone", "-q", str(origin), "clone")
    _git(tmp_path / "clone", "checkout", "-q", "-b", "feature")
    init = run_acorn("init", cwd=tmp_path / "clone")
    assert "the default branch is develop (origin/HEAD" in init.out


def test_action_must_be_a_full_commit(run_acorn, repo: Path) -> None:
    bad = run_acorn("init", "--action", "someone/acorn@v1", cwd=repo)
    assert bad.code == 1 and "full 40-character commit SHA" in bad.err
    sha = "a" * 40
    assert run_acorn("init", "--action", f"someone/acorn@{sha}", cwd=repo).code == 0
    assert f"someone/acorn@{sha} # pinned by acorn init --action" in (
        repo / ".github" / "workflows" / "acorn-apply.yml").read_text()


def test_an_entity_of_ones_own_is_rehearsed_in_the_sandbox_environment(run_acorn, repo: Path) -> None:
    """The sandbox step of the path to production: a real seller id the demo world lacks plans
    its creates (green), it does not fail on the unset credential."""
    run_acorn("init", cwd=repo)
    entity = repo / "desired" / "entities" / "example.yaml"
    entity.write_text(entity.read_text().replace("A4MAPLE000CA", "A1MYOWNSELLER9"))
    plan = run_acorn("plan", "--detailed-exitcode", cwd=repo)
    assert plan.code == 2, plan.err
    assert "+ CA  create" in plan.out and "+ US  create" in plan.out
    assert "rehearses it as a seller with no stores" in plan.err
    assert "error" not in plan.err
