"""`acorn init [DIR]`: scaffold a repository that acorn plans at once, and keep it current.

Writes acorn.yaml, an example entity (valid as written; it plans against the embedded sandbox;
skipped when desired/ holds entities already), the JSON Schemas its `$schema` lines point at,
the IAM examples of the adoption steps, `.gitignore` lines, the plan/apply/drift workflows and a
pre-commit config. Workflows and the pre-commit config go at the git repository's root (where
GitHub and pre-commit look); acorn's files go in DIR, which may be a subfolder (a monorepo).

- `acorn init` writes files that are missing and never overwrites one that differs.
- `acorn init --upgrade` rewrites only the files acorn manages that nobody edited (their marker
  says so); an edited one is kept, with the diff shown and the new version written beside it
  (`NAME.acorn-new`). acorn.yaml, desired/ and the IAM examples are never touched.
- `acorn init --force` overwrites deliberately, after printing what each file loses.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from ..desired.safefile import DEFAULT_FILE_BYTES, UnreadableFile, read_text, write_text
from ..errors import ConfigError
from ..release import Release, installed
from ..render import managed
from ..render.scaffold import GITIGNORE, MANAGED, USER, ActionPin, Layout, ScaffoldFile, scaffold
from .gitrepo import default_branch, repository_root

SIDE_SUFFIX = ".acorn-new"


def next_steps(release: Release, folder: str) -> str:
    cd = f"cd {folder} && " if folder else ""
    return f"""\
Next:
  1. {cd}acorn validate && acorn plan     # the example plans against the embedded sandbox
  2. Replace desired/entities/example.yaml with your legal entities (one file each).
  3. For production, follow {release.docs_url}adopting/:
     the AWS roles (GitHub OIDC; examples/aws/ holds the policies), the secrets in AWS Secrets
     Manager, the repository variables ACORN_PLAN_ROLE_ARN, ACORN_APPLY_ROLE_ARN and AWS_REGION,
     and a protected `production` environment; then set `environment: production` in acorn.yaml.
  4. Commit, push, and open a pull request: the plan is posted as a comment; merging it
     applies exactly that plan."""


def choose_pin(release: Release, action: str | None) -> tuple[ActionPin, str | None]:
    """The action and hook pin, and a warning to print (a development install), or a
    ConfigError when nothing can be pinned honestly."""
    if action:
        same = release.is_release and action == f"{release.repository}@{release.commit}"
        pin = ActionPin.parse(action, release.tag if same else "pinned by acorn init --action")
        if pin is None:
            raise ConfigError(f"--action must be OWNER/REPO@SHA with a full 40-character commit SHA, not {action!r}")
        return pin, None
    if not release.repository_url.startswith("https://github.com/"):
        raise ConfigError("this acorn's metadata names no GitHub repository to pin: pass --action OWNER/REPO@SHA")
    if release.is_release and release.commit:
        return ActionPin(release.repository, release.commit, release.tag), None
    if release.commit is None:
        raise ConfigError(f"acorn {release.version} was installed from a tree without git history, so it knows no "
                          f"commit to pin: install a release (pip install acorn-reconciler) or pass --action "
                          f"{release.repository}@SHA (a release's full commit)")
    warning = (f"acorn {release.version} is a development install, not a release: the workflows and the "
               f"pre-commit hook pin the commit it was built from ({release.commit[:12]}), which GitHub has only "
               f"once it is pushed to {release.repository} (and which lacks any uncommitted change). For a "
               f"release, install one (pip install acorn-reconciler) or pass --action {release.repository}@SHA.")
    return ActionPin(release.repository, release.commit, f"{release.version}, a development build"), warning


def locate(directory: Path, branch: str | None) -> tuple[Path, Layout, list[str]]:
    """The git root, acorn's layout in it, and what to tell the user about both."""
    notes: list[str] = []
    root = repository_root(directory)
    target = directory.resolve()  # as far as it exists: a folder yet to be made may sit in a repository
    if root is None:
        root, folder = target, ""
        notes.append(f"{directory} is not in a git repository: the workflows go to {directory}/.github, where "
                     f"GitHub reads them once it is the repository's root (git init)")
    else:
        rel = target.relative_to(root) if target.is_relative_to(root) else None
        if rel is None:
            raise ConfigError(f"{directory} is not inside its git repository {root}")
        folder = rel.as_posix() if rel.parts else ""
        if folder:
            notes.append(f"acorn's folder is {folder}/ in the git repository {root}: the workflows and the "
                         f"pre-commit config go at the root, working in {folder}/")
    if branch is None:
        found = default_branch(root) if root is not None else None
        branch = found[0] if found else "main"
        notes.append(f"the default branch is {branch} ({found[1] if found else 'no git branch yet: assumed'}; "
                     f"--branch sets another)")
    return root, Layout(folder, branch), notes


def _diff(old: str, new: str, path: str, new_label: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"{path} (yours)", tofile=f"{path} ({new_label})"))


def _gitignore(existing: str, wanted: str) -> str:
    """The .gitignore with acorn's lines appended (their comments with them) when missing."""
    lines = {line.strip() for line in existing.splitlines()}
    missing, comment = [], []
    for line in wanted.splitlines():
        if line.startswith("#"):
            comment.append(line)
        elif line.strip() and line.strip() not in lines:
            missing += [*comment, line]
            comment = []
        else:
            comment = []
    if not missing:
        return existing
    return existing + ("" if existing.endswith("\n") or not existing else "\n") + "\n".join(missing) + "\n"


def _write(path: Path, text: str) -> None:
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: nothing written there")
    write_text(path, text)  # atomic; a full disk or a read-only folder is a MachineError naming it


def _read(path: Path) -> str | None:
    """An existing file (None: absent), through the one safe reader: a FIFO or a device named
    .gitignore is a ConfigError naming it, never a read that hangs."""
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: nothing written there")
    try:
        return read_text(path, DEFAULT_FILE_BYTES)
    except UnreadableFile as exc:
        if exc.kind == "missing":
            return None
        raise ConfigError(f"{path} {exc.why}: nothing written there") from None


def _say(action: str, rel: str, why: str = "") -> None:
    click.echo(f"  {action:<9}  {rel}{f' ({why})' if why else ''}")


def _has_entities(root: Path, layout: Layout) -> bool:
    desired = root / layout.prefix / "desired"
    return desired.is_dir() and any(p.suffix in (".yaml", ".yml") for p in desired.rglob("*") if p.is_file())


def _init(root: Path, layout: Layout, files: list[ScaffoldFile], force: bool) -> list[str]:
    """Write what is missing (and, with force, what differs); the paths kept because they differ."""
    kept: list[str] = []
    plans: list[tuple[ScaffoldFile, str | None, str]] = []
    entities = _has_entities(root, layout)
    for f in files:
        current = _read(root / f.path)
        text = _gitignore(current or "", f.text) if f.kind == GITIGNORE else f.text
        if current is None and f.kind == USER and f.path.endswith("desired/entities/example.yaml") and entities:
            _say("skipped", f.path, "desired/ holds entities already")
            continue
        plans.append((f, current, text))
    losses = [(f, current, text) for f, current, text in plans
              if force and current is not None and current != text and f.kind != GITIGNORE]
    if losses:
        click.echo(f"acorn init --force overwrites {len(losses)} file{'s' if len(losses) != 1 else ''} "
                   f"that differ; this is what each loses:")
        for f, current, text in losses:
            click.echo(_diff(current or "", text, f.path, "acorn init's"), nl=False)
    for f, current, text in plans:
        if current == text:
            _say("unchanged", f.path)
        elif current is not None and not force and f.kind != GITIGNORE:
            kept.append(f.path)
            hint = "acorn init --upgrade updates it while unedited" if f.kind == MANAGED else "yours"
            _say("kept", f.path, f"exists; {hint}; --force overwrites it")
        else:
            _write(root / f.path, text)
            _say("updated" if current is not None else "wrote", f.path)
    return kept


def _upgrade(root: Path, files: list[ScaffoldFile]) -> int:
    """Rewrite unedited managed files; keep edited ones with the new version beside them."""
    sides = 0
    for f in files:
        path = root / f.path
        current = _read(path)
        if f.kind == USER:
            _say("kept", f.path, "yours: --upgrade never changes it" if current is not None
                 else "absent; --upgrade writes only files acorn manages")
        elif f.kind == GITIGNORE:
            text = _gitignore(current or "", f.text)
            if text != current:
                _write(path, text)
            _say("unchanged" if text == current else "updated", f.path)
        elif current is None:
            _say("absent", f.path, "deleted? --upgrade does not bring it back; acorn init writes it")
        elif managed.read(current)[1] == managed.read(f.text)[1]:
            if current != f.text:
                _write(path, f.text)
            _say("unchanged", f.path)
        elif managed.unedited(current):
            marker, _ = managed.read(current)
            _write(path, f.text)
            _say("upgraded", f.path, f"{marker.version if marker else '?'} -> {managed.read(f.text)[0].version}"  # type: ignore[union-attr]
                 if marker else "")
        else:
            sides += 1
            _write(path.with_name(path.name + SIDE_SUFFIX), f.text)
            click.echo(_diff(current, f.text, f.path, "this acorn's"), nl=False)
            how = "edited" if managed.read(current)[0] else "unmarked"  # unmarked: older acorn, or replaced
            _say(how, f.path, f"kept yours; the new version is {f.path}{SIDE_SUFFIX} (diff above): "
                              f"merge it, then delete that file")
    if sides:
        click.echo(f"{sides} edited file{'s' if sides != 1 else ''} kept; each new version is beside it as "
                   f"*{SIDE_SUFFIX}.")
    return 0


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--upgrade", is_flag=True,
              help="Bring the files acorn manages (workflows, pre-commit config, schemas) up to this release: "
                   "unedited ones are rewritten, edited ones kept with the new version beside them (NAME.acorn-new). "
                   "acorn.yaml and desired/ are never touched.")
@click.option("--force", is_flag=True, help="Overwrite every file that differs, after showing what each loses.")
@click.option("--action", "action", metavar="OWNER/REPO@SHA",
              help="Pin the workflows and the hook to this acorn commit (default: the installed release's tag commit).")
@click.option("--branch", metavar="NAME", help="The branch that applies (default: the repository's default branch).")
def command(directory, upgrade, force, action, branch) -> int:
    """Scaffold a repository for acorn (settings, an example entity, workflows, hooks), or --upgrade it."""
    if upgrade and force:
        raise click.UsageError("--upgrade and --force do not go together: --upgrade keeps your edits, --force does not")
    release = installed()
    pin, warning = choose_pin(release, action)
    root, layout, notes = locate(Path(directory), branch)
    for note in notes:
        click.echo(f"note: {note}")
    if warning:
        click.echo(f"warning: {warning}", err=True)
    files = scaffold(pin, layout, release.version, release.repository_url, release.docs_url)
    if upgrade:
        code = _upgrade(root, files)
        click.echo(f"acorn's workflows use {pin.uses}.")
        return code
    kept = _init(root, layout, files, force)
    click.echo(f"acorn's workflows use {pin.uses}.")
    click.echo(next_steps(release, layout.folder))
    if kept:
        one = len(kept) == 1
        raise ConfigError(f"{len(kept)} file{'' if one else 's'} already exist{'s' if one else ''} "
                          f"and differ{'s' if one else ''}, so {'it was' if one else 'they were'} "
                          f"not overwritten: {', '.join(kept)} (acorn init --upgrade updates the files acorn manages; "
                          f"--force overwrites)")
    return 0
