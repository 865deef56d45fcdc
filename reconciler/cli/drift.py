"""`acorn drift`: what in the live state needs a human (exit 2), for scheduled runs."""

from __future__ import annotations

import click

from ..engine.plan import has_drift
from ..render import render
from .helptext import legend_epilog
from .planning import (
    Selection,
    audit_option,
    color_option,
    emit,
    plan_now,
    prepare,
    report_errors,
    selection_options,
    use_color,
)
from .workspace import endpoint_options, tree_options


@click.command("drift", epilog=legend_epilog())
@tree_options
@endpoint_options
@selection_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@audit_option
@color_option
def command(desired, config, environment, endpoint, names, selector, marketplaces, shard, fmt, audit_log,
            no_color) -> int:
    """Exit 2 when a pair is unmanaged, drifted, attention, blocked or STALE_PENDING; 0 when none."""
    run = prepare(desired, config, environment, endpoint, Selection(names, selector, marketplaces, shard), audit_log)
    result = plan_now(run)
    emit(render(result, fmt, use_color(run.ws, no_color, fmt)))
    if report_errors(result):
        return 1
    return 2 if has_drift(result) else 0
