"""What the benchmarks share: acorn as pip installs it, and `acorn sandbox serve --port 0`
started as a user runs it.

Readiness is the URL line the command prints once its socket is bound, never a sleep.
"""

from __future__ import annotations

import compileall
import os
import re
import subprocess
import sys
from pathlib import Path


def as_installed() -> None:
    """Byte-compile the reconciler package, as `pip install` does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE=1 (as on the CI machines) compiles every module again at each start,
    about 0.1 s that no installed acorn pays."""
    import reconciler

    compileall.compile_dir(Path(reconciler.__file__).parent, quiet=1)


def start_sandbox(state: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """The served sandbox over `state` (extra `args` for `serve`), and its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0",
                             "--state", str(state), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"the sandbox did not start: {line!r}")
    return proc, found.group(1)
