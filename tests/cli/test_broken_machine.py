"""A broken machine: the state file is a folder, the disk is full under the audit log or the
state file, the state folder is read-only. Each is one message naming the path and the
cause, exit 1, never "internal error"; files acorn writes are whole or not there at all."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.client import audit as audit_module
from reconciler.desired.safefile import write_atomic
from tests import REPO
from tests.conftest import Result


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    return tmp_path


def acorn_on_tmpfs(demo: Path, options: str, *args: str) -> Result:
    """Run `acorn ARGS` in demo/ with a small tmpfs mounted over demo/.acorn, in a mount namespace of
    its own (`unshare`: as root or not, no mount outlives the run, nothing on the host is touched)."""
    (demo / ".acorn").mkdir(exist_ok=True)
    mount_then_run = 'mount -t tmpfs -o "$1" tmpfs "$2" && shift 2 && exec "$@"'
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", mount_then_run, "sh",
                           options, str(demo / ".acorn"), sys.executable, "-m", "reconciler", *args],
                          cwd=demo, capture_output=True, text=True, timeout=120)
    assert "mount:" not in proc.stderr and "unshare:" not in proc.stderr, proc.stderr  # the machine, not acorn
    return Result(proc.returncode, proc.stdout, proc.stderr)


def one_error(result) -> str:
    assert result.code == 1, result
    assert "internal error" not in result.err and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def test_a_state_file_that_is_a_folder(run_acorn, demo):
    (demo / ".acorn" / "sandbox.sqlite").mkdir(parents=True)
    assert one_error(run_acorn("plan", cwd=demo)) == (
        f"error: sandbox state {demo}/.acorn/sandbox.sqlite is a folder, not a file; remove it or use another path")


def test_a_full_disk_under_the_state_file(demo):
    line = one_error(acorn_on_tmpfs(demo, "size=64k", "plan"))
    assert line in (f"error: cannot write sandbox state {demo}/.acorn/sandbox.sqlite: database or disk is full",
                    f"error: cannot write the audit log {demo}/.acorn/audit.jsonl: No space left on device")


def test_a_read_only_state_folder(demo):
    line = one_error(acorn_on_tmpfs(demo, "size=1m,ro", "plan"))
    assert line == f"error: cannot write the audit log {demo}/.acorn/audit.jsonl: permission denied" or \
        line.startswith(f"error: cannot open sandbox state {demo}/.acorn/sandbox.sqlite")


class _FullDisk:
    """A file whose writes fail as on a full disk."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_under_the_audit_log_stops_the_run_once(run_acorn, demo, monkeypatch):
    audit = demo / "logs" / "audit.jsonl"
    real_open = audit_module.open_append
    monkeypatch.setattr(audit_module, "open_append", lambda path: _FullDisk() if path == audit else real_open(path))
    line = one_error(run_acorn("plan", "--audit-log", str(audit), cwd=demo))
    assert line == f"error: cannot write the audit log {audit}: No space left on device"


def test_a_plan_file_is_written_whole_or_not_at_all(run_acorn, demo, monkeypatch):
    out = demo / "plan.json"
    out.write_text("the plan reviewed yesterday\n")

    real_fsync = os.fsync

    def full(fd: int) -> None:  # the disk fills as the plan is written (the first-seen record went first)
        if Path(os.readlink(f"/proc/self/fd/{fd}")).name.startswith(".plan.json."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    result = run_acorn("plan", "--out", str(out), cwd=demo)
    assert result.code == 1 and f"error: cannot write {out}: No space left on device" in result.err
    assert out.read_text() == "the plan reviewed yesterday\n"
    assert sorted(p.name for p in demo.iterdir()) == [".acorn", "desired", "plan.json"]  # no temp file left


def test_write_atomic_replaces_whole(tmp_path):
    path = tmp_path / "f.json"
    path.write_text("old")
    write_atomic(path, "new")
    assert path.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["f.json"]


def _fifo_hangs_not(run_acorn, demo: Path, *args: str) -> str:
    # A blocking read or open of a FIFO would never return: the CLI runner has no timeout of its own.
    import signal

    def hung(signum, frame):
        raise AssertionError("acorn hung on a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        return one_error(run_acorn(*args, cwd=demo))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("command", [("plan",), ("status",), ("drift",)])
def test_a_first_seen_record_that_is_a_fifo(run_acorn, demo, command):
    (demo / ".acorn").mkdir()
    os.mkfifo(demo / ".acorn" / "first-seen.json")
    assert _fifo_hangs_not(run_acorn, demo, *command) == (
        f"error: the first-seen record {demo}/.acorn/first-seen.json is a FIFO (named pipe), not a regular file; "
        "remove it")


def test_an_audit_log_that_is_a_fifo(run_acorn, demo):
    (demo / ".acorn").mkdir()
    os.mkfifo(demo / ".acorn" / "audit.jsonl")
    assert _fifo_hangs_not(run_acorn, demo, "plan") == (
        f"error: the audit log {demo}/.acorn/audit.jsonl is a FIFO (named pipe), not a regular file; "
        "remove it or use --audit-log")
