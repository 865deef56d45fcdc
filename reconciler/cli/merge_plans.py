"""`acorn merge-plans`: one plan from the saved plans of a sharded run (`--shard K/N --out`).

For a large fleet planned as a matrix of shards: the final job merges the shards' plan.json
files into one plan, printed in any format (one pull-request comment) and saved with --out
(one artifact that `acorn apply` accepts). Exit codes as `acorn plan`'s.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..engine.merge import merge_plans
from ..engine.plan import has_creates
from ..render import render
from .apply import read_saved_plan
from .planning import emit, report_errors


@click.command("merge-plans")
@click.argument("plans", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Also save the merged plan as JSON here.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there is something to create (0 none, 1 error).")
def command(plans, fmt, out, detailed_exitcode) -> int:
    """Merge the saved plans of disjoint shards of one tree into one plan."""
    merged = merge_plans([(name, read_saved_plan(Path(name))) for name in plans])
    shown = render(merged, fmt)
    emit(shown)
    if out:
        emit(shown if fmt == "json" else render(merged, "json"), out)
    if report_errors(merged):
        return 1
    return 2 if detailed_exitcode and has_creates(merged) else 0
