"""Guards for every test: no network beyond loopback, a clean ACORN_*/LWA_*/AWS_* environment, and
a `run_acorn` fixture that runs the real entry point (error boundary included)."""

from __future__ import annotations

import fnmatch
import functools
import gc
import os
import socket
import tempfile
import time
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




# No silent skips: a test that skips fails the run unless tests/skip_allowlist.txt names it, with a
# reason. The list holds only what a platform cannot run (a tool shipped for one architecture);
# what CI can install, `.ci/run` installs, so its tests run.
SKIP_ALLOWLIST = REPO / "tests" / "skip_allowlist.txt"


def _allowlist() -> list[tuple[str, str]]:
    """(test id pattern, reason) per line of the allow-list; `#` starts a comment."""
    entries = []
    for number, line in enumerate(SKIP_ALLOWLIST.read_text().splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        pattern, _, reason = text.partition(" ")
        if not reason.strip():
            raise pytest.UsageError(f"{SKIP_ALLOWLIST}:{number}: an allowed skip needs a reason: {line!r}")
        entries.append((pattern, reason.strip()))
    return entries


def _skip_allowed(nodeid: str, patterns: list[tuple[str, str]]) -> bool:
    return any(fnmatch.fnmatchcase(nodeid, pattern) for pattern, _ in patterns)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_ALLOWED] = _allowlist()
    if "MUTANT_UNDER_TEST" in os.environ:
        _forget_cached_results()


def _forget_cached_results() -> None:
    """Under mutmut (bench/mutation.py), each mutant's tests run in a process forked after the tests
    were collected: results that acorn's caches (functools) kept then were computed by the
    unmutated code, and would hide the mutant. Empty them first."""
    cached = type(functools.lru_cache(maxsize=None)(len))
    for obj in gc.get_objects():
        if isinstance(obj, cached) and getattr(obj, "__module__", "").startswith("reconciler."):
            obj.cache_clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _SKIP_LOG.append((report.nodeid, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    allowed = session.config.stash.get(_ALLOWED, [])
    unlisted = [(nodeid, why) for nodeid, why in _SKIP_LOG if not _skip_allowed(nodeid, allowed)]
    session.config.stash[_SKIPPED] = unlisted
    if unlisted and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    unlisted = config.stash.get(_SKIPPED, [])
    if unlisted:
        terminalreporter.section("skips not on tests/skip_allowlist.txt (each one fails the run)", red=True)
        for nodeid, why in unlisted:
            terminalreporter.line(f"{nodeid}: {why}")
        terminalreporter.line("Install what the test needs (`.ci/run` shows how), or, for a test this platform "
                              "cannot run, add it to tests/skip_allowlist.txt with the reason.")


_SKIPPED = pytest.StashKey[list[tuple[str, str]]]()
_ALLOWED = pytest.StashKey[list[tuple[str, str]]]()
_SKIP_LOG: list[tuple[str, str]] = []


@pytest.fixture
def machine_in_tokyo():
    """The machine's local time zone nine hours from UTC (Asia/Tokyo) for the test, then back:
    a local date or time taken for UTC would be far off."""
    zone = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if zone is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = zone
    time.tzset()
