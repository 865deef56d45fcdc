"""`acorn plan` over an embedded sandbox state file that is not a database: one clear error,
exit 1, not a traceback and not one error per seller."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests import REPO


def test_a_state_file_that_is_not_a_database_is_one_error_naming_it(run_acorn, tmp_path: Path) -> None:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    state = tmp_path / ".acorn" / "sandbox.sqlite"
    state.parent.mkdir()
    state.write_text("garbage\n")
    result = run_acorn("plan", cwd=tmp_path)
    assert result.code == 1
    assert result.err == (f"error: sandbox state {state} is not a sandbox database "
                          "(sqlite: file is not a database); delete it to start over\n")
    assert result.out == ""
