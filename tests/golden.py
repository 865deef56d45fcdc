"""Golden files: the expected output, byte for byte, kept beside the tests that compare to it.

With ACORN_UPDATE_GOLDEN=1 a file that differs is rewritten and its test still FAILS, naming it:
a regenerating run never passes, so a changed output is always a diff someone reviewed, and a
second run without the variable is what proves the files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# read at import: the autouse guard fixture clears ACORN_* variables before each test
UPDATE = os.environ.get("ACORN_UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str, how: str = "see the module docstring") -> None:
    """`actual` equals the golden file at `path` (rewritten, and failing, when updating)."""
    expected = path.read_text(encoding="utf-8") if path.is_file() else None
    if actual == expected:
        return
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        pytest.fail(f"{path.name} was rewritten: review the diff, then run again without ACORN_UPDATE_GOLDEN")
    assert actual == expected, f"{path.name} differs; {how}"
