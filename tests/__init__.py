"""acorn's tests, laid out like reconciler/: one folder per layer, plus cli/ for commands."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "desired" / "fixtures"  # one file per bad input
