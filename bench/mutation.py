"""Mutation score per package: mutmut mutates one package at a time (each in its own copy of the
repository, so packages can run side by side and nothing lands in the work tree), runs only the
tests that reach each mutated function (mutmut's coverage-based selection), and this prints the
share of mutants the tests kill.

    python bench/mutation.py                       # every package below, one after the other
    python bench/mutation.py engine desired -j 2   # some of them, two mutants at a time each
    python bench/mutation.py desired -j 1 --only 'reconciler.desired.settings*'
                                                   # only the mutants whose names match (mutmut's
                                                   # names: module path, then the function)
    python bench/mutation.py --report              # the scores of the last runs, without running
                                                   # (`mutmut export-cicd-stats` in an interrupted
                                                   # package's folder first: it scores what it reached)

Targets (issue 22): at least 90% killed in engine/ and desired/, 80% in the rest. The mutants
that survive and why each is equivalent are in docs/testing.md. mutmut: pip install -e '.[test,mutation]'.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    name: str
    mutate: tuple[str, ...]  # globs, relative to the repository
    tests: tuple[str, ...]  # the tests that may kill its mutants (mutmut picks, per mutant, those that reach it)
    goal: float


# Each package's tests: its own layer's, plus the commands that drive it end to end. mutmut
# records which of them reach each function and runs only those against its mutants.
TARGETS = (
    Target("domain", ("reconciler/domain/*",), ("tests/domain", "tests/engine", "tests/desired", "tests/render"), 80.0),
    Target("engine", ("reconciler/engine/*",), ("tests/engine", "tests/render", "tests/cli/test_plan_cli.py",
                                                 "tests/cli/test_drift_cli.py", "tests/cli/test_merge_plans_cli.py"),
           90.0),
    Target("desired", ("reconciler/desired/*",), ("tests/desired", "tests/engine", "tests/cli/test_validate_cli.py"),
           90.0),
    Target("actions", ("reconciler/actions/*",), ("tests/actions", "tests/cli/test_apply_cli.py",
                                                  "tests/cli/test_import_cli.py"), 80.0),
    Target("client/request.py", ("reconciler/client/request.py",), ("tests/client",), 80.0),
    Target("client/ratelimit.py", ("reconciler/client/ratelimit.py",), ("tests/client",), 80.0),
    Target("sandbox/store.py", ("reconciler/sandbox/store.py",), ("tests/sandbox",), 80.0),
)
# Tests that drive other processes, a browser or AWS (moto): a mutant inside this process cannot
# reach them (or they reach no package measured here), so they would only spend time.
DESELECT = ("tests/cli/test_status_browser.py", "tests/test_workflow_scripts.py", "tests/test_workflows.py",
            "tests/test_architecture.py", "tests/test_action.py", "tests/cli/test_aws_secrets_cli.py",
            "tests/client/test_client_secrets_aws.py", "tests/cli/test_broken_machine.py",
            "tests/sandbox/test_sandbox_schemathesis.py", "tests/sandbox/test_fuzz_requests.py")
DESELECT_TESTS = (
    "tests/desired/test_template_limits.py::test_a_template_that_would_run_for_hours_stops_within_seconds",
)


def workdir(root: Path, target: Target) -> Path:
    return root / target.name.replace("/", "-")


def prepare(where: Path, target: Target) -> None:
    """A copy of the repository's tracked files, with mutmut's settings for this one target."""
    if where.exists():
        shutil.rmtree(where)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        source = REPO / rel
        if source.is_file() and not source.is_symlink():
            (where / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, where / rel)
        elif source.is_symlink() and source.is_dir():  # reconciler/schemas: mutmut's copy drops links
            shutil.copytree(source.resolve(), where / rel)
    ignore = [f"--ignore={path}" for path in DESELECT] + [f"--deselect={test}" for test in DESELECT_TESTS]
    # mutmut runs the tests in mutants/: everything they read beside the package goes there too
    # (reconciler/schemas links to ../schemas).
    tops = {rel.split("/", 1)[0] for rel in filter(None, files.decode().split("\0"))}
    beside = sorted(tops - {"reconciler", "tests"})
    settings = {
        "source_paths": ["reconciler"],
        "also_copy": beside,
        "only_mutate": list(target.mutate),
        "pytest_add_cli_args": ["-p", "no:randomly", "-x", "-q"],
        "pytest_add_cli_args_test_selection": [*target.tests, *ignore],
        "timeout_multiplier": 10.0,
    }
    with (where / "pyproject.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[tool.mutmut]\n")
        for key, value in settings.items():
            toml.write(f"{key} = {json.dumps(value)}\n")


def run(where: Path, jobs: int, only: list[str]) -> float:
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": ""}
    subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *only], cwd=where, env=env,
                   check=False, stdout=(where / "mutmut-run.log").open("w"), stderr=subprocess.STDOUT)
    subprocess.run([sys.executable, "-m", "mutmut", "export-cicd-stats"], cwd=where, env=env, check=True,
                   capture_output=True)
    survivors = subprocess.run([sys.executable, "-m", "mutmut", "results"], cwd=where, env=env,
                               capture_output=True, text=True).stdout
    (where / "survivors.txt").write_text(survivors)
    return time.monotonic() - started


DECIDED = ("killed", "timeout", "survived", "no_tests", "suspicious", "segfault")


def score(where: Path) -> tuple[float, dict[str, int]] | None:
    """The share of the mutants decided so far that the tests killed (a timeout counts as killed),
    with mutmut's counts; an interrupted run scores what it reached."""
    path = where / "mutants" / "mutmut-cicd-stats.json"
    if not path.is_file():
        return None
    stats = json.loads(path.read_text())
    decided = sum(stats.get(key, 0) for key in DECIDED)
    killed = stats.get("killed", 0) + stats.get("timeout", 0)
    return (100.0 * killed / decided if decided else 0.0), {**stats, "decided": decided}


def report(root: Path, targets: list[Target]) -> int:
    below = 0
    print(f"{'package':<22}{'killed':>8}{'survived':>10}{'no tests':>10}{'decided':>9}{'total':>7}{'score':>8}"
          f"{'goal':>6}")
    for target in targets:
        result = score(workdir(root, target))
        if result is None:
            print(f"{target.name:<22}{'(not run)':>58}")
            continue
        pct, stats = result
        below += pct < target.goal
        print(f"{target.name:<22}{stats.get('killed', 0) + stats.get('timeout', 0):>8}{stats.get('survived', 0):>10}"
              f"{stats.get('no_tests', 0):>10}{stats['decided']:>9}{stats.get('total', 0):>7}{pct:>7.1f}%"
              f"{target.goal:>5.0f}%")
    print(f"survivors: {root}/<package>/survivors.txt; `mutmut show NAME` in that folder shows one")
    return 1 if below else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", help="package names as listed (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "acorn-mutation")
    parser.add_argument("--report", action="store_true", help="print the last runs' scores only")
    parser.add_argument("--only", nargs="+", default=[], metavar="GLOB",
                        help="run only the mutants whose names match (e.g. 'reconciler.desired.settings*'); "
                             "the score is then over those")
    args = parser.parse_args()
    names = {t.name: t for t in TARGETS}
    unknown = [p for p in args.packages if p not in names]
    if unknown:
        parser.error(f"unknown package(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    targets = [names[p] for p in args.packages] or list(TARGETS)
    if not args.report:
        for target in targets:
            where = workdir(args.work, target)
            prepare(where, target)
            seconds = run(where, args.jobs, args.only)
            print(f"{target.name}: {seconds:.0f} s (log: {where}/mutmut-run.log)", flush=True)
    return report(args.work, targets)


if __name__ == "__main__":
    sys.exit(main())
