"""`acorn sandbox serve --port 0` in a subprocess, as a user runs it: for tests that need the
sandbox over real HTTP in another process (apply's kill -9 and concurrent runs, the serve
command itself; the client tests share the same start-up).

Readiness is the URL line the command prints once its socket is bound, never a sleep.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServedProcess:
    url: str
    proc: subprocess.Popen  # stdout carries stderr too


def start(state: Path, *args: str, cwd: Path | None = None) -> ServedProcess:
    """Starts the sandbox over the state file `state` and returns once it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0",
                             "--state", str(state), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed once the socket is bound
    found = re.search(r"listening on (http://\S+)", line)
    if not found:
        stop(proc)
        raise RuntimeError(f"the sandbox did not start: {line}{proc.stdout.read()}")
    return ServedProcess(found.group(1), proc)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def served_sandbox(state: Path, *args: str) -> Iterator[str]:
    """The served sandbox for the block; yields its base URL, stops it after."""
    served = start(state, *args)
    try:
        yield served.url
    finally:
        stop(served.proc)
