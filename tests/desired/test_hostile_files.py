"""Files that are not what they seem: a FIFO, a device, a link to /dev/zero, a file past the
size limit. Each is one error naming the file: never a hang, never a MemoryError, and all of
it inside a 2 GB address space."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.client.credentials import resolve
from reconciler.desired.loader import read_tree
from reconciler.desired.safefile import read_regular
from reconciler.desired.settings import load_settings
from reconciler.domain.model import SecretRef
from reconciler.errors import SecretError
from tests import FIXTURES

TWO_GB = 2 * 1024 ** 3


def hostile_tree(root: Path) -> Path:
    entities = root / "desired" / "entities"
    entities.mkdir(parents=True)
    shutil.copy(FIXTURES / "valid.yaml", entities / "valid.yaml")
    os.mkfifo(entities / "fifo.yaml")
    os.symlink("/dev/zero", entities / "zero.yaml")
    os.symlink("/dev/null", entities / "null.yaml")
    with open(entities / "huge.yaml", "wb") as f:  # sparse: 8 GiB claimed, nothing written
        f.truncate(8 * 1024 ** 3)
    return root / "desired"


def test_each_odd_file_is_one_problem_naming_it(tmp_path):
    desired = hostile_tree(tmp_path)
    files, problems = read_tree(desired)
    assert [Path(f.path).name for f in files] == ["valid.yaml"]
    assert sorted((Path(p.path).name, p.message) for p in problems) == [
        ("fifo.yaml", "is a FIFO (named pipe), not a regular file"),
        ("huge.yaml", "is larger than the limit of 4 MiB (8 GiB)"),
        ("null.yaml", "is a character device, not a regular file"),
        ("zero.yaml", "is a character device, not a regular file"),
    ]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (TWO_GB, TWO_GB))


def test_validate_neither_hangs_nor_runs_out_of_memory_in_2_gb(tmp_path):
    desired = hostile_tree(tmp_path)
    (tmp_path / "acorn.yaml").symlink_to("/dev/zero")
    proc = subprocess.run([sys.executable, "-m", "reconciler", "validate", "--desired", str(desired)],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith(f"{tmp_path}/acorn.yaml:1:1: (file): is a character device")
    assert "MemoryError" not in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "acorn.yaml").unlink()
    proc = subprocess.run([sys.executable, "-m", "reconciler", "validate", "--desired", str(desired)],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory, cwd=tmp_path)
    assert proc.returncode == 1 and "4 problems in the desired state" in proc.stderr, proc.stderr
    for name in ("fifo.yaml", "zero.yaml", "null.yaml", "huge.yaml"):
        assert proc.stderr.count(f"/{name}:1:1: (file): ") == 1


def test_the_size_limit_is_a_setting(tmp_path):
    (tmp_path / "acorn.yaml").write_text("limits: {fileBytes: 1100}\n")
    settings = load_settings(tmp_path / "acorn.yaml", {}, offline=True)
    assert settings.max_file_bytes == 1100 and settings.max_secret_file_bytes == 64 * 1024
    entities = tmp_path / "desired" / "entities"
    entities.mkdir(parents=True)
    (entities / "valid.yaml").write_text((FIXTURES / "valid.yaml").read_text() + "#" * 520 + "\n")  # 1536 bytes
    files, problems = read_tree(tmp_path / "desired", settings.max_file_bytes)
    assert files == [] and [str(p) for p in problems] == [
        f"{entities / 'valid.yaml'}:1:1: (file): is larger than the limit of 1.1 KiB (1.5 KiB)"]
    files, problems = read_tree(tmp_path / "desired")
    assert len(files) == 1 and problems == []


@pytest.mark.parametrize("make, why", [
    (lambda p: os.mkfifo(p), "is a FIFO (named pipe), not a regular file"),
    (lambda p: os.symlink("/dev/zero", p), "is a character device, not a regular file"),
    (lambda p: p.write_bytes(b"x" * (64 * 1024 + 1)), "is larger than the limit of 64 KiB (64 KiB)"),
], ids=["fifo", "dev-zero", "too-large"])
def test_a_secret_file_that_is_not_a_small_regular_file_is_refused(tmp_path, make, why):
    make(tmp_path / "token")
    with pytest.raises(SecretError) as caught:
        resolve(SecretRef("file", "token"), {}, tmp_path)
    assert str(caught.value) == f"secret file token {why}"


def test_a_file_that_grows_past_its_stat_is_still_cut_at_the_limit(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"a" * 2000)
    with pytest.raises(OSError, match="larger than the limit of 1000 bytes"):
        read_regular(path, 1000)
    assert read_regular(path, 2000) == b"a" * 2000


def test_apply_refuses_a_plan_file_that_is_a_fifo(tmp_path, run_acorn):
    shutil.copytree(FIXTURES.parents[2] / "desired", tmp_path / "desired")
    os.mkfifo(tmp_path / "plan.json")
    result = run_acorn("apply", str(tmp_path / "plan.json"), cwd=tmp_path)
    assert result.code == 1
    assert result.err.strip() == f"error: the plan file {tmp_path}/plan.json is a FIFO (named pipe), not a regular file"
