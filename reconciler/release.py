"""What is installed: acorn's version, the commit it was built from, and where it lives.

One source for each fact. The version and the commit come from the git tag when acorn is
built or installed (setuptools-scm writes reconciler/_version.py); the canonical repository
and the documentation site come from `[project.urls]` in pyproject.toml, read back from the
installed metadata. Every pin, hook and link `acorn init` writes derives from `installed()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

from . import __version__

DISTRIBUTION = "acorn-reconciler"
_RELEASE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?$")  # a tagged version: no .devN, no +local
_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})/?$")


@dataclass(frozen=True)
class Release:
    """The installed acorn. `commit` is the full SHA it was built from (None when it was
    built from a tree without git); `exact` when that commit is the tag's, with no edits."""

    version: str
    commit: str | None
    exact: bool
    repository_url: str
    docs_url: str

    @property
    def repository(self) -> str:
        """OWNER/REPO on GitHub, from the repository URL."""
        match = _GITHUB.match(self.repository_url)
        return match[1] if match else self.repository_url

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def is_release(self) -> bool:
        """Installed from a release tag: the version is the tag's and the commit is the tag's."""
        return self.exact and self.commit is not None and bool(_RELEASE.match(self.version))


def _urls() -> dict[str, str]:
    try:
        entries = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        entries = []
    return {name.strip(): url.strip() for name, _, url in (e.partition(",") for e in entries)}


def installed() -> Release:
    """The release (or development build) this process runs."""
    try:
        from . import _version as built
    except ImportError:  # a source tree never built or installed: nothing is known
        commit, exact = None, False
    else:
        node = getattr(built, "commit", None)
        commit = node[1:] if isinstance(node, str) and re.fullmatch(r"g[0-9a-f]{40}", node) else None
        exact = getattr(built, "distance", None) == 0 and getattr(built, "dirty", True) is False
    urls = _urls()
    repository = urls.get("Repository", "")
    return Release(__version__, commit, exact, repository, urls.get("Documentation", repository))
