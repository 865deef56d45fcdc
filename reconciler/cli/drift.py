"""`acorn drift`: triage. Only what needs a human, grouped by reason, each with the action to
take, then a one-line summary; exit 2 when there is any, for scheduled runs.

A desired create counts once it waits longer than `unappliedCreateDays` (2): its age is from
git where the tree is committed, else from the first plan that showed it (`.acorn/`), judged
on the sandbox's clock against a sandbox (see create_ages).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import click

from ..engine.plan import CREATE, Plan
from ..engine.triage import triage
from ..errors import ConfigError
from ..render.triage import TRIAGE_FORMATS, render_triage, section_markdown
from .create_ages import first_seen, git_dates, read_first_seen
from .findings import reason_links
from .gitrepo import is_shallow
from .helptext import legend_epilog
from .planning import (
    Selection,
    audit_option,
    color_option,
    emit,
    endpoint_label,
    plan_now,
    prepare,
    report_errors,
    selection_options,
    use_color,
)
from .workspace import endpoint_options, tree_options


def shallow_note(undated: int) -> str:
    return (f"this is a shallow clone, whose history stops early: the age of {undated} create"
            f"{'s' * (undated != 1)} is unknown, so {'they were' if undated != 1 else 'it was'} not judged "
            f"(not \"nothing needs a human\"); fetch the whole history (actions/checkout's fetch-depth: 0, "
            f"or git fetch --unshallow)")


def _undated_creates(result: Plan, ages: Mapping[tuple[str, str], datetime], now: datetime) -> int:
    """Creates whose first appearance nobody knows: git cannot date them, and the record saw
    them first in this very run (a fresh CI checkout has no older record)."""
    return sum(1 for e in result.entities for p in e.pairs
               if p.state == CREATE and ages.get((e.name, p.marketplace), now) >= now)


def parse_group_by(text: str | None) -> str | None:
    """`label:KEY` -> KEY."""
    if text is None:
        return None
    kind, sep, key = text.partition(":")
    if kind != "label" or not sep or not key.strip():
        raise ConfigError(f"--group-by must be label:KEY (e.g. label:team), not {text!r}")
    return key.strip()


@click.command("drift", epilog=legend_epilog())
@tree_options
@endpoint_options
@selection_options
@click.option("--format", "fmt", type=click.Choice(TRIAGE_FORMATS), default="text", show_default=True)
@click.option("--group-by", metavar="label:KEY", help="Split the report by the value of a label (e.g. label:team).")
@click.option("--out-dir", type=click.Path(file_okay=False),
              help="With --group-by: also write one Markdown report per label value that has findings "
                   "(KEY=VALUE.md), for one issue per team.")
@audit_option
@color_option
def command(desired, config, environment, endpoint, names, selector, marketplaces, shard, fmt, group_by, out_dir,
            audit_log, no_color) -> int:
    """Show what needs a human, grouped by reason with the action to take; exit 2 if anything, else 0."""
    key = parse_group_by(group_by)
    if out_dir and key is None:
        raise click.UsageError("--out-dir needs --group-by label:KEY")
    run = prepare(desired, config, environment, endpoint, Selection(names, selector, marketplaces, shard), audit_log)
    result = plan_now(run)
    ages = first_seen(run.entities, result, git_dates(run.ws.desired), read_first_seen(run.ws.state_dir))
    report = triage(result, now=run.now, first_seen=ages, unapplied_create_days=run.ws.settings.unapplied_create_days,
                    labels={e.name: e.label_map for e in run.entities}, group_by=key)
    where = endpoint_label(run.ws)
    lines = reason_links(run, [(f.entity, f.marketplace, g.code, f.message)
                               for s in report.sections for g in s.groups for f in g.findings])
    undated = _undated_creates(result, ages, run.now) if is_shallow(run.ws.desired) else 0
    text = render_triage(report, fmt, use_color(run.ws, no_color, fmt), where, lines)
    if undated and fmt == "markdown":  # the drift issue says it too; a terminal gets the error below
        text += "\n\n> [!WARNING]\n> " + shallow_note(undated)
    emit(text)
    if out_dir:
        folder = Path(out_dir)
        for s in report.sections:
            if s.count:
                name = (s.label or f"no-{key}").replace("/", "_")
                emit(section_markdown(report, s, where, lines), str(folder / f"{name}.md"), f"the drift of {name}")
    report_errors(result)
    if undated:
        click.echo(f"error: {shallow_note(undated)}", err=True)
    if result.summary.errors or undated:
        return 1
    return 2 if report.count else 0
