"""`acorn plan`: read the live state, diff it with desired, print what apply would do."""

from __future__ import annotations

import click

from ..engine.plan import has_creates
from ..render import render, render_json
from ..render.findings import plan_findings
from ..render.sarif import sarif_text
from .findings import locator, places
from .helptext import legend_epilog
from .planning import (
    Selection,
    audit_option,
    color_option,
    emit,
    endpoint_label,
    plan_now,
    plan_offline,
    prepare,
    report_errors,
    selection_options,
    use_color,
)
from .workspace import endpoint_options, repository_paths, tree_options


@click.command("plan", epilog=legend_epilog())
@tree_options
@endpoint_options
@selection_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "sarif"]), default="text",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Also save the plan as JSON here, for `acorn apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there is something to create (0 none, 1 error).")
@click.option("--offline", is_flag=True,
              help="Read nothing live and use no credential: plan as if no seller had anything yet "
                   "(what preflight allows), e.g. for pull requests from forks.")
@audit_option
@color_option
def command(desired, config, environment, endpoint, names, selector, marketplaces, shard, fmt, out,
            detailed_exitcode, offline, audit_log, no_color) -> int:
    """Show, for every entity and marketplace, what `acorn apply` would do."""
    run = prepare(desired, config, environment, endpoint, Selection(names, selector, marketplaces, shard), audit_log,
                  offline=offline)
    result = plan_offline(run) if offline else plan_now(run)
    where = "offline (nothing read live)" if offline else endpoint_label(run.ws)
    if fmt == "sarif":  # each finding at its line of desired/ (docs/pull-requests.md)
        found = plan_findings(result, run.entities, locator(run.ws), places(run.ws, run.entities, run.today))
        emit(sarif_text(found, repository_paths(run.ws)))
    else:
        emit(render_json(result) if fmt == "json" else render(result, fmt, use_color(run.ws, no_color, fmt), where))
    if out:  # JSON is streamed, one entity at a time: a 100,000-entity plan is never one string
        emit(render_json(result), out, "the JSON plan (for `acorn apply FILE`)")
    if report_errors(result):
        return 1
    return 2 if detailed_exitcode and has_creates(result) else 0
