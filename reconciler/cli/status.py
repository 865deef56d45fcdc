"""`acorn status`: the entity x marketplace matrix of live states, for a terminal or a page.

The same pipeline as `acorn plan` (select, read live, plan), rendered as a matrix:
text, json, markdown, or one self-contained HTML page to open or publish as a CI artifact.
"""

from __future__ import annotations

import click

from ..render.status import STATUS_FORMATS, render_status, status_of
from .findings import reason_links
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


@click.command("status", epilog=legend_epilog())
@tree_options
@endpoint_options
@selection_options
@click.option("--format", "fmt", type=click.Choice(STATUS_FORMATS), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write to this file instead of printing (e.g. status.html).")
@audit_option
@color_option
def command(desired, config, environment, endpoint, names, selector, marketplaces, shard, fmt, out, audit_log,
            no_color) -> int:
    """Show every entity's state in every marketplace: live, pending, attention, blocked, ...

    Exits 0, or 1 when an entity could not be read (it is still shown, as unreadable).
    """
    run = prepare(desired, config, environment, endpoint, Selection(names, selector, marketplaces, shard), audit_log)
    result = plan_now(run)
    status = status_of(result, {e.name: e.labels for e in run.entities})
    lines = reason_links(run, [(e.name, p.marketplace, r.code, r.message)
                               for e in result.entities for p in e.pairs for r in p.reasons])
    emit(render_status(status, fmt, out is None and use_color(run.ws, no_color, fmt), lines), out,
         f"the {fmt} status")
    return 1 if report_errors(result) else 0
