"""The file-system side of findings: a Locator that reads the desired files, and repository-
relative paths for SARIF and pull-request comments (the pure parts are render/findings.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from ..desired.locate import Location, Locator
from ..desired.safefile import UnreadableFile, read_text
from ..desired.settings import settings_findings
from ..desired.verdict import tree_verdict
from ..domain.model import Entity
from ..render.findings import Link, LinkKey, PlaceKey, links, verdict_places
from .gitrepo import git
from .planning import Run
from .workspace import Workspace, config_shown, repository_paths


def locator(ws: Workspace) -> Locator:
    """Reads each desired file at most once, with the tree's own size bound."""
    def read(path: str) -> str:
        try:
            return read_text(path, ws.settings.max_file_bytes)
        except UnreadableFile as exc:  # the Locator takes an OSError as "no longer there"
            raise FileNotFoundError(str(exc)) from None

    return Locator(read)


def places(ws: Workspace, entities: Iterable[Entity], day: date) -> dict[PlaceKey, Location]:
    """Where the verdict places each of its findings about `entities` on `day` (the one
    computation validate renders): plan's, the review's and the links' reasons it gives."""
    return verdict_places(tree_verdict(entities, (), day, ws.settings.policy,
                                       settings_findings(ws.settings, day, config_shown(ws))))


_GITHUB_REMOTE = re.compile(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([^/\s]+/[^/\s]+?)(?:\.git)?/?$")


def blob_base(ws: Workspace) -> str | None:
    """`https://github.com/OWNER/REPO/blob/SHA`: where a line of the tree read is linked. In
    GitHub Actions the run's repository and commit (GITHUB_SHA: on main, the commit applied);
    elsewhere the checkout's HEAD and its GitHub `origin`; None when neither is known."""
    env = ws.env
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    if env.get("GITHUB_REPOSITORY") and env.get("GITHUB_SHA"):
        return f"{server.rstrip('/')}/{env['GITHUB_REPOSITORY']}/blob/{env['GITHUB_SHA']}"
    sha, origin = git(ws.root, "rev-parse", "HEAD"), git(ws.root, "remote", "get-url", "origin")
    found = _GITHUB_REMOTE.match(origin or "")
    return f"https://github.com/{found.group(1)}/blob/{sha}" if found and sha else None


def reason_links(run: Run, items: Iterable[tuple[str, str | None, str, str]]) -> dict[LinkKey, Link]:
    """(entity, marketplace, code, message) -> the line of desired/ to change, linked at the commit read."""
    return links(items, {e.name: e for e in run.entities}, locator(run.ws), repository_paths(run.ws),
                 blob_base(run.ws), places(run.ws, run.entities, run.today))
