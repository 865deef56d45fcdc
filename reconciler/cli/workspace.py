"""Small output helpers shared by commands: GitHub annotations, the clock, the workspace."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import click

from ..desired.settings import Settings, load_settings
from ..domain import safetext
from ..errors import ConfigError, Problem


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    text = safetext.line(text)  # other controls and escapes: shown, never obeyed by the log viewer
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def annotation(level: str, path: str, line: int, col: int, message: str) -> str:
    """One GitHub Actions workflow command: `::error file=…,line=…,col=…::message`."""
    return f"::{level} file={_escape(path, True)},line={line},col={col}::{_escape(message)}"


def problem_annotations(problems: Iterable[Problem], level: str) -> str:
    # `file=` is the file GitHub shows the annotation on; a template row is named in the message.
    return "\n".join(annotation(level, p.path, p.line, p.column,
                                 f"{p.key}: {p.message}" + (f" (row {p.row})" if p.row else ""))
                      for p in problems)


def today(env: Mapping[str, str], now: datetime | None = None) -> date:
    """The UTC date of `now` (the run's clock; real time when not given); ACORN_TODAY=YYYY-MM-DD
    pins it (reproducible CI runs and tests)."""
    pinned = env.get("ACORN_TODAY")
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            raise ConfigError(f"ACORN_TODAY must be a date (YYYY-MM-DD), not {pinned!r}") from None
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date()


@dataclass(frozen=True)
class Workspace:
    """Where a command works: the desired folder, its repository, settings and environment."""

    desired: Path
    settings: Settings
    env: Mapping[str, str]

    @property
    def root(self) -> Path:
        """The repository: the folder holding desired/ (document URIs and .acorn/ live here)."""
        return self.desired.resolve().parent

    @property
    def state_dir(self) -> Path:
        return self.root / ".acorn"


def repo_path(ws: Workspace, path: str) -> str:
    """`path` from the repository root, with forward slashes (GitHub's form: where it places an
    annotation, a SARIF location, a review comment). In GitHub Actions the root is the checkout
    ($GITHUB_WORKSPACE), so a desired/ in a subfolder (the action's working-directory) keeps that
    folder in its paths; elsewhere, the folder holding desired/. As given when outside it."""
    root = ws.root
    workspace_dir = ws.env.get("GITHUB_WORKSPACE")
    if workspace_dir and root.is_relative_to(Path(workspace_dir).resolve()):
        root = Path(workspace_dir).resolve()
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except (ValueError, OSError):  # outside the repository (acorn.yaml given elsewhere)
        return Path(path).as_posix()


def find_desired(start: Path) -> Path:
    """The desired folder when --desired is not given: `desired/` in the nearest folder from
    `start` upward that holds acorn.yaml or desired/ (as git finds .git), shown relative to
    `start`; plain `desired` when there is none (the loader then says it does not exist)."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / "acorn.yaml").is_file() or (folder / "desired").is_dir():
            return Path(os.path.relpath(folder / "desired", here))
    return Path("desired")


def workspace(desired: str | None, config: str | None, environment: str | None = None,
              endpoint: str | None = None, offline: bool = False) -> Workspace:
    env = dict(os.environ)
    desired_path = Path(desired) if desired else find_desired(Path.cwd())
    config_path = Path(config) if config else desired_path.resolve().parent / "acorn.yaml"
    settings = load_settings(config_path, env, environment=environment, endpoint=endpoint,
                             required=config is not None, offline=offline)
    return Workspace(desired_path, settings, env)


def tree_options(f):
    """--desired and --config, taken by every command."""
    f = click.option("--config", type=click.Path(dir_okay=False),
                     help="Settings file (default: acorn.yaml beside the desired folder).")(f)
    return click.option("--desired", type=click.Path(file_okay=False),
                        help="The desired-state folder (default: desired/ in the nearest folder upward "
                             "that holds acorn.yaml or desired/, as git finds its repository).")(f)


def endpoint_options(f):
    """--environment and --endpoint, taken by every command that talks to ACORN-i."""
    f = click.option("--endpoint", help="embedded, regional or a base URL (overrides ACORN_ENDPOINT).")(f)
    return click.option("--environment", type=click.Choice(["sandbox", "production"]),
                        help="Overrides ACORN_ENVIRONMENT and acorn.yaml.")(f)


def config_shown(ws: Workspace) -> str:
    """The settings file actually read (--config), as annotations name it: repository-relative."""
    return repo_path(ws, ws.settings.source)


def repository_paths(ws: Workspace) -> Callable[[str], str]:
    """A file as the tree was read -> its path from the repository root, with / (GitHub's form).
    In GitHub Actions the root is the checkout ($GITHUB_WORKSPACE), so a desired/ in a subfolder
    (the action's working-directory) keeps that folder in its paths; elsewhere, the folder
    holding desired/."""
    return functools.partial(repo_path, ws)
