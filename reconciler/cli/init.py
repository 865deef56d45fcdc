"""`acorn init [DIR]`: scaffold a repository that acorn plans at once.

Writes acorn.yaml, an example entity (valid as written; it plans against the embedded
sandbox), the JSON Schemas its `$schema` lines point at, `.gitignore` for `.acorn/`, the
plan/apply/drift workflows (acorn's action pinned by commit) and a pre-commit config. A file
that exists is never overwritten without --force (one already the same is left as it is);
`.gitignore` gets its line appended instead.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ConfigError
from ..render.scaffold import DEFAULT_PIN, ActionPin, scaffold

NEXT_STEPS = """\
Next:
  1. acorn validate && acorn plan       # the example plans against the embedded sandbox
  2. Replace desired/entities/example.yaml with your legal entities (one file each).
  3. For production, follow "Adopting acorn in your repository" in acorn's README:
     the AWS roles (GitHub OIDC), the secrets in AWS Secrets Manager, the repository
     variables ACORN_PLAN_ROLE_ARN, ACORN_APPLY_ROLE_ARN and AWS_REGION, and a protected
     `production` environment; then set `environment: production` in acorn.yaml.
  4. Commit, push, and open a pull request: the plan is posted as a comment; merging it
     applies exactly that plan."""


def _gitignore(existing: str, wanted: str) -> str | None:
    """The .gitignore with acorn's lines appended, or None when it has them already."""
    lines = {line.strip() for line in existing.splitlines()}
    missing = [line for line in wanted.splitlines() if line.strip() and line.strip() not in lines]
    if not any(not line.startswith("#") for line in missing):
        return None
    return existing + ("" if existing.endswith("\n") or not existing else "\n") + "\n".join(missing) + "\n"


def _pin(action: str | None) -> ActionPin:
    """The action the workflows pin: acorn's own, or `--action`'s (ConfigError unless a full SHA)."""
    if not action:
        return DEFAULT_PIN
    pin = ActionPin.parse(action, DEFAULT_PIN.version if action.split("@")[0] == DEFAULT_PIN.repository
                          else "pinned by acorn init --action")
    if pin is None:
        raise ConfigError(f"--action must be OWNER/REPO@SHA with a full 40-character commit SHA, not {action!r}")
    return pin


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.option("--action", "action", metavar="OWNER/REPO@SHA",
              help=f"Pin the workflows to this acorn action (default "
                   f"{DEFAULT_PIN.repository}@{DEFAULT_PIN.commit[:12]}…, {DEFAULT_PIN.version}).")
def command(directory, force, action) -> int:
    """Scaffold a repository for acorn: settings, an example entity, workflows, hooks."""
    pin = _pin(action)
    root = Path(directory)
    kept: list[str] = []
    for rel, text in scaffold(pin).items():
        path = root / rel
        if path.is_dir():
            raise ConfigError(f"{path} is a folder: nothing written there")
        if path.exists():
            current = path.read_text(encoding="utf-8", errors="replace")
            if rel == ".gitignore":
                text = _gitignore(current, text) or current
            if current == text:
                click.echo(f"  unchanged  {rel}")
                continue
            if not force and rel != ".gitignore":
                kept.append(rel)
                click.echo(f"  kept       {rel} (exists; --force overwrites it)")
                continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            existed = path.exists()
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
        click.echo(f"  {'updated' if existed else 'wrote':<9}  {rel}")
    click.echo(f"acorn's workflows use {pin.uses}.")
    click.echo(NEXT_STEPS)
    if kept:
        one = len(kept) == 1
        raise ConfigError(f"{len(kept)} file{'' if one else 's'} already exist{'s' if one else ''} "
                          f"and differ{'s' if one else ''}, so {'it was' if one else 'they were'} "
                          f"not overwritten: {', '.join(kept)} (pass --force to overwrite)")
    return 0
