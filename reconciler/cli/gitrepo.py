"""What git says about the repository acorn works in: its root, its default branch, and whether
the clone is shallow. Each answer is one `git` call; no git, or no repository, is an answer
too (None / False), never an error: acorn works without git.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(cwd: Path, *args: str) -> str | None:
    """git's stdout, stripped, or None when git is absent or the command fails."""
    try:
        proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _existing(path: Path) -> Path:
    """`path`, or its nearest ancestor that exists (init may be told a folder yet to be made)."""
    path = path.absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def repository_root(path: Path) -> Path | None:
    """The root of the git work tree holding `path` (which need not exist yet), or None."""
    top = git(_existing(path), "rev-parse", "--show-toplevel")
    return Path(top).resolve() if top else None


def default_branch(root: Path) -> tuple[str, str] | None:
    """(branch, where it was read): the remote's HEAD (origin/HEAD, set by a clone), else the
    branch checked out (in a new repository, the one `git init` made: main or master)."""
    remote = git(root, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if remote and "/" in remote:
        return remote.split("/", 1)[1], "origin/HEAD"
    head = git(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    if head:
        return head, "the branch checked out"
    return None


def is_shallow(path: Path) -> bool:
    """True when `path` is in a shallow clone (actions/checkout's default depth of 1): its
    history stops early, so a commit's date there says nothing about when a file first came."""
    return git(_existing(path), "rev-parse", "--is-shallow-repository") == "true"
