"""The file-system side of findings: a Locator that reads the desired files, and repository-
relative paths for SARIF and pull-request comments (the pure parts are render/findings.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..desired.locate import Locator
from ..desired.safefile import read_regular
from .workspace import Workspace


def locator(ws: Workspace) -> Locator:
    """Reads each desired file at most once, with the tree's own size bound."""
    return Locator(lambda path: read_regular(Path(path), ws.settings.max_file_bytes).decode("utf-8"))


def repository_paths(ws: Workspace) -> Callable[[str], str]:
    """A file as the tree was read -> its path from the repository root, with / (GitHub's form)."""
    root = ws.root

    def relative(path: str) -> str:
        try:
            return Path(path).resolve().relative_to(root).as_posix()
        except ValueError:  # outside the repository (acorn.yaml given elsewhere): as given
            return Path(path).as_posix()

    return relative
