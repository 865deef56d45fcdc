"""The architecture holds: import-linter's contracts (pyproject.toml) and no dead code. Both tools
come with the test extra and are imported plainly: without them this file fails, it never skips."""

import subprocess
import sys

import pytest
import vulture
from importlinter.cli import lint_imports

from tests import REPO


def test_the_layers_and_their_import_rules_hold(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # import-linter reads the contracts from ./pyproject.toml
    status = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert status == 0, report
    assert "0 broken" in report


def test_no_dead_code() -> None:
    result = subprocess.run([sys.executable, "-m", vulture.__name__, "reconciler", ".ci/vulture_allowlist.py"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr
