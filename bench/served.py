"""What the benchmarks share: acorn as pip installs it, and `acorn sandbox serve --port 0`
started as a user runs it.

Readiness is the URL line the command prints once its socket is bound, never a sleep.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_PYTHON = [sys.executable]  # the Python acorn runs in: as_installed() sets it


def as_installed() -> str:
    """The Python of a virtual environment where acorn is installed as a user installs it: a
    wheel built from this checkout (`pip install .`), with acorn's dependencies and nothing
    else. Measured from the development environment, a command would also pay for what the
    test extras bring (httpx imports rich, httpcore trio, when they are there: 80 ms), an
    editable install's path finder and unbuilt byte code (0.1 s at each start).

    The environment is kept (under ~/.cache/acorn-bench) and acorn reinstalled only when its
    sources or pyproject.toml changed; the first run needs the package index (about a minute).
    ACORN_BENCH_PYTHON names another Python to measure acorn in (one where it is installed)."""
    if os.environ.get("ACORN_BENCH_PYTHON"):
        _PYTHON[0] = os.environ["ACORN_BENCH_PYTHON"]
        return _PYTHON[0]
    home = Path(os.environ.get("ACORN_BENCH_VENV", Path.home() / ".cache" / "acorn-bench"))
    python = home / "bin" / "python"
    pyproject = (REPO / "pyproject.toml").read_bytes()
    sources = hashlib.sha256(pyproject)
    for path in sorted((REPO / "reconciler").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            sources.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    stamps = {home / "pyproject.sha256": hashlib.sha256(pyproject).hexdigest(),
              home / "sources.sha256": sources.hexdigest()}
    if all(p.is_file() and p.read_text() == v for p, v in stamps.items()):
        _PYTHON[0] = str(python)
        return str(python)
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    deps, code = stamps
    if not deps.is_file() or deps.read_text() != stamps[deps]:
        subprocess.run([*pip, str(REPO)], check=True)  # acorn's dependencies, as pyproject.toml names them
    subprocess.run([*pip, "--no-deps", "--force-reinstall", str(REPO)], check=True)  # this checkout's code
    for path, value in stamps.items():
        path.write_text(value)
    _PYTHON[0] = str(python)
    return str(python)


def refresh_token(i: int) -> str:
    """Seller `i`'s refresh token, shaped as every refresh token Login with Amazon issues
    (`Atzr|IwEBI...`): acorn's secret index files that shape apart, as it would a real fleet's."""
    return f"Atzr|IwEBIbench-refresh-{i}"


def acorn(*args: str) -> list[str]:
    """The command line of `acorn ARGS` (in the environment as_installed() made, once called)."""
    return [_PYTHON[0], "-m", "reconciler", *args]


def start_sandbox(state: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """The served sandbox over `state` (extra `args` for `serve`), and its base URL."""
    proc = subprocess.Popen(acorn("sandbox", "serve", "--port", "0", "--state", str(state), *args),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"the sandbox did not start: {line!r}")
    return proc, found.group(1)
