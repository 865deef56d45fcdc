"""The architecture holds: import-linter's contracts (pyproject.toml) and no dead code."""

import subprocess
import sys

import pytest

from tests import REPO


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_the_layers_and_their_import_rules_hold() -> None:
    pytest.importorskip("importlinter")
    # this interpreter's import-linter (not whichever `lint-imports` is first on PATH)
    result = _run(sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as c; "
                                        "sys.exit(c(['--no-cache']))")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_dead_code() -> None:
    pytest.importorskip("vulture")
    result = _run(sys.executable, "-m", "vulture", "reconciler", ".ci/vulture_allowlist.py")
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr
