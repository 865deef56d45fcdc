"""Guards for every test: no network beyond loopback, a clean ACORN_*/LWA_*/AWS_* environment, and
a `run_acorn` fixture that runs the real entry point (error boundary included)."""

from __future__ import annotations

import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent

# Hypothesis keeps nothing in the working tree: tests write only to temp folders.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", tempfile.mkdtemp(prefix="acorn-hypothesis-"))
settings.register_profile("acorn", database=None)
settings.load_profile("acorn")

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and not (str(host).startswith("127.") or host in ("::1", "localhost")):
        raise OSError(f"tests may only reach loopback, not {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _guards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    for name in list(os.environ):
        if name.startswith(("ACORN_", "LWA_", "AWS_")) or name in ("GITHUB_ACTIONS", "NO_COLOR"):
            monkeypatch.delenv(name)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run_acorn(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `acorn ARGS...` in-process through its real `main()`; returns code, stdout, stderr."""
    from reconciler.cli.main import main

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        captured = capsys.readouterr()
        return Result(int(exited.value.code or 0), captured.out, captured.err)

    return run


