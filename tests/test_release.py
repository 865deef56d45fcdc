"""The release as a user gets it: the version is the git tag, the built wheel carries what
adoption needs, `acorn init` from it pins exactly that tag's commit, and the release
workflow's notes come from CHANGELOG.md. (The release workflow also runs the whole suite
against the installed wheel in a clean venv; this builds one from a tagged clone.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from reconciler import __version__
from reconciler.release import installed
from tests import REPO

RELEASE = yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text())
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True, env=env).stdout


def test_one_version_and_one_repository() -> None:
    assert "version" in PYPROJECT["project"]["dynamic"] and "version" not in PYPROJECT["project"]
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert all("==" in r for r in PYPROJECT["build-system"]["requires"])  # a pinned build backend
    release = installed()
    assert release.version == __version__
    assert release.repository_url == PYPROJECT["project"]["urls"]["Repository"]
    mkdocs = (REPO / "mkdocs.yml").read_text()
    assert f"repo_url: {release.repository_url}" in mkdocs and f"site_url: {release.docs_url}" in mkdocs


def test_acorn_version_prints_the_installed_version(run_acorn) -> None:
    result = run_acorn("--version")
    assert result.code == 0 and result.out.strip() == f"acorn, version {__version__}"


@pytest.fixture(scope="module")
def tagged_wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A wheel built (python -m build, isolated, as the release workflow does) from a clone of
    this repository tagged v9.9.9, and the tag's commit."""
    root = tmp_path_factory.mktemp("release")
    clone = root / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, capture_output=True)
    _git(clone, "tag", "-a", "v9.9.9", "-m", "v9.9.9")
    commit = _git(clone, "rev-parse", "HEAD").strip()
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(clone)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (root / "dist").glob("*.whl")
    return wheel, commit


def test_the_wheel_is_the_tags_version_and_ships_what_adoption_needs(tagged_wheel: tuple[Path, str]) -> None:
    wheel, commit = tagged_wheel
    assert wheel.name == "acorn_reconciler-9.9.9-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("reconciler/schemas/entity.schema.json", "reconciler/schemas/settings.schema.json",
                   "reconciler/render/templates/init/plan.yml",
                   "reconciler/render/templates/init/aws/trust-policy-plan.json",
                   "reconciler/render/templates/init/aws/read-secrets-policy.json", "reconciler/_version.py"):
        assert needed in names, needed
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert f"commit = 'g{commit}'" in zipfile.ZipFile(wheel).read("reconciler/_version.py").decode()


def test_init_from_the_built_release_pins_its_tag_commit(tagged_wheel: tuple[Path, str], tmp_path: Path) -> None:
    """Installed from the wheel (not this tree), `acorn init` pins the tag's commit with the
    tag in the comment, and `acorn --version` is the tag's version: the two agree."""
    wheel, commit = tagged_wheel
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(target), PYTHONSAFEPATH="1")
    repo = tmp_path / "repo"
    _git(tmp_path, "init", "-q", "-b", "main", str(repo))

    def acorn(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=120)

    where = subprocess.run([sys.executable, "-c", "import reconciler; print(reconciler.__file__)"], cwd=repo, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target))
    assert acorn("--version").stdout.strip() == "acorn, version 9.9.9"
    init = acorn("init")
    assert init.returncode == 0, init.stderr
    assert "development install" not in init.stderr
    plan = (repo / ".github" / "workflows" / "acorn-plan.yml").read_text()
    pins = set(re.findall(r"uses: (acorn-reconciler/acorn@\S+ # .+)$", plan, re.M))
    assert pins == {f"acorn-reconciler/acorn@{commit} # v9.9.9"}
    hook = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]
    assert hook["rev"] == commit and "# frozen: v9.9.9" in (repo / ".pre-commit-config.yaml").read_text()
    for rel in ("examples/aws/trust-policy-plan.json", "schemas/entity.schema.json", "acorn.yaml"):
        assert (repo / rel).is_file(), rel


def test_release_notes_are_the_tags_section_of_the_changelog(tmp_path: Path) -> None:
    step = next(s for s in RELEASE["jobs"]["notes"]["steps"] if "CHANGELOG.md" in s.get("run", ""))
    def notes(tag: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=REPO, capture_output=True, text=True,
                              env=dict(os.environ, TAG=tag, RUNNER_TEMP=str(tmp_path)))
    ok = notes("v0.1.0")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    text = (tmp_path / "notes" / "notes.md").read_text()
    assert "The first release" in text and "## [" not in text and "Unreleased" not in text
    missing = notes("v7.7.7")
    assert missing.returncode == 1 and "CHANGELOG.md has no section for 7.7.7" in missing.stdout


def test_the_release_publishes_with_oidc_and_tests_the_wheel_first() -> None:
    jobs = RELEASE["jobs"]
    assert RELEASE[True] == {"push": {"tags": ["v*"]}}
    assert jobs["pypi"]["needs"] == "test" and jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert not any("password" in s.get("with", {}) for s in jobs["pypi"]["steps"])  # trusted publishing, no token
    run = next(s["run"] for s in jobs["test"]["steps"] if "pytest" in s.get("run", ""))
    assert "--import-mode=append" in run and "mkdocs build --strict" in run
    assert "updateRef" in jobs["major-tag"]["steps"][0]["with"]["script"]
