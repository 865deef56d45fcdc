"""`acorn check --base BASE.json HEAD.json`: the pull-request check. Fails (exit 1) exactly
on the blocked pairs and verdict errors the head plan introduces (engine/pr_check.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ..engine.plan import Plan
from ..engine.pr_check import check
from ..errors import PlanFileError
from ..render.pr_check import render_check
from .apply import read_saved_plan
from .planning import emit


def _read(path: str, which: str) -> Plan:
    """A saved plan; an unreadable one is a PlanFileError naming the file and its role."""
    try:
        return read_saved_plan(Path(path))
    except PlanFileError as exc:
        text = str(exc)
        raise PlanFileError(text if path in text else f"{which} plan {path}: {text}") from None


@click.command("check")
@click.argument("head", type=click.Path(dir_okay=False))
@click.option("--base", required=True, type=click.Path(dir_okay=False),
              help="The plan JSON of the base branch's desired state (acorn plan --out), made the same way.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the report here (e.g. for a PR comment).")
def command(head: str, base: str, fmt: str, out: str | None) -> int:
    """Compare HEAD's plan with the base plan; exit 1 if HEAD introduces a blocked pair or an error."""
    result = check(_read(base, "base"), _read(head, "head"))
    text = render_check(result, fmt)
    emit(text)
    if out:
        emit(text, out, "the check's report")
    return 0 if result.passed else 1
