"""The documentation site: `mkdocs build --strict` passes (every page in the navigation, every
link resolving), the getting-started page runs command by command as written, the README
stays short with its two first lines, and docs/desired-state.md names every key the schemas
accept."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from tests import REPO

DOCS = REPO / "docs"
BIN = Path(sys.executable).parent


def test_the_site_builds_strict(tmp_path: Path) -> None:
    mkdocs = BIN / "mkdocs"
    command = [str(mkdocs)] if mkdocs.exists() else [sys.executable, "-m", "mkdocs"]
    proc = subprocess.run([*command, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "getting-started" / "index.html").is_file()
    assert (tmp_path / "site" / "search" / "search_index.json").is_file()  # Material's search


def test_every_page_is_in_the_navigation() -> None:
    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text().replace("!!python", "python"))["nav"]

    def pages(items) -> Iterator[str]:
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            yield from (pages(value) if isinstance(value, list) else [value])

    assert sorted(pages(nav)) == sorted(p.name for p in DOCS.glob("*.md"))


def _steps(page: str) -> Iterator[tuple[str, int, list[str]]]:
    """(command, exit code, expected output lines) for each `$ ` line of the console blocks."""
    for block in re.findall(r"```console\n(.*?)```", page, re.S):
        command, code, expected = None, 0, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    yield command, code, expected
                command, expected = line[2:], []
                found = re.search(r"\bexits (\d+)\s*$", command)
                code = int(found[1]) if found else 0
            else:
                expected.append(line)
        if command is not None:
            yield command, code, expected


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Every expected line, in order, matches a line of the output (`…` matches anything)."""
    it = iter(actual)
    for want in (w for w in expected if w.strip() != "…"):
        pattern = re.compile("^" + ".*".join(re.escape(part) for part in want.rstrip().split("…")) + "$")
        if not any(pattern.match(line.rstrip()) for line in it):
            return False
    return True


def _run_page(page: str, cwd: Path, block: str | None = None) -> int:
    """Run the console blocks of `page` (or only the one holding `block`) in `cwd`, command by
    command, as a user would (a `cd` carries over); each must exit as marked and print what is
    shown. Returns how many ran."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", NO_COLOR="1", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    for name in ("GITHUB_ACTIONS", "ACORN_ENVIRONMENT", "ACORN_ENDPOINT", "ACORN_TODAY"):
        env.pop(name, None)
    if block is not None:
        page = next(f"```console\n{b}```" for b in re.findall(r"```console\n(.*?)```", page, re.S) if block in b)
    ran = 0
    for command, code, expected in _steps(page):
        proc = subprocess.run(["bash", "-c", f'{command}\nstatus=$?\necho "@@cwd $PWD"\nexit $status'], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=300)
        out, _, where = proc.stdout.rpartition("@@cwd ")
        cwd = Path(where.strip())
        output = (out + proc.stderr).splitlines()
        assert proc.returncode == code, f"{command}\n{out}{proc.stderr}"
        assert _matches(expected, output), \
            f"{command}: expected\n" + "\n".join(expected) + "\ngot\n" + "\n".join(output)
        ran += 1
    return ran


def test_getting_started_runs_as_written(tmp_path: Path) -> None:
    assert _run_page((DOCS / "getting-started.md").read_text(), tmp_path) >= 10


def test_the_readmes_five_minutes_run_as_written(tmp_path: Path) -> None:
    assert _run_page((REPO / "README.md").read_text(), tmp_path, block="acorn init") >= 5


def test_the_readmes_demo_shows_the_unauthorized_region_without_failing(tmp_path: Path) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    assert _run_page((REPO / "README.md").read_text(), tmp_path, block="--marketplace JP") == 2


def test_readme_keeps_its_first_two_lines_and_stays_short() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    assert lines[0] == "python3 -m pip install -e . && acorn plan"
    assert lines[1] == "python3 -m pip install -e '.[test]' && python3 -m pytest"
    assert len(lines) < 250


def _keys(schema: dict, root: dict, seen: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every property name `schema` accepts, following $refs within `root`."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        yield from _keys(target, root, seen | {ref})
    for name, sub in schema.get("properties", {}).items():
        yield name
        yield from _keys(sub, root, seen)
    for kind in ("items", "additionalProperties", "then", "else"):
        if isinstance(schema.get(kind), dict):
            yield from _keys(schema[kind], root, seen)
    for kind in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(kind, []):
            yield from _keys(sub, root, seen)


def test_desired_state_names_every_key_the_schemas_accept() -> None:
    page = (DOCS / "desired-state.md").read_text()
    for name in ("entity.schema.json", "settings.schema.json"):
        schema = json.loads((REPO / "schemas" / name).read_text())
        keys = set(_keys(schema, schema))
        for sub in schema.get("$defs", {}).values():
            keys |= set(_keys(sub, schema))
        missing = sorted(k for k in keys
                         if f"`{k}`" not in page and not re.search(rf"`[^`]*\b{re.escape(k)}\b[^`]*`", page))
        assert not missing, f"{name}: docs/desired-state.md does not name {missing}"
