"""`acorn validate`: check the desired tree and acorn.yaml offline, and render the verdict.

The verdict (reconciler/desired/verdict.py) decides; this command only renders it (text, JSON,
or SARIF through render/findings.verdict_findings): errors (the tree's problems, invalid
numbers, a settings combination the docs call an error) at their place, exit 1; blocks and
warnings as warnings (plan blocks the former); acknowledged warnings counted, not repeated;
stale acknowledgements reported.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace

import click

from ..desired.loadcache import LoadCache
from ..desired.loader import judge_desired_partial
from ..desired.settings import settings_findings
from ..desired.verdict import BLOCK, ERROR, WARNING, Finding, Verdict, blocking, judge, judged_verdict
from ..domain import safetext
from ..errors import DesiredStateError, Problem
from .workspace import (
    Workspace,
    annotation,
    config_shown,
    problem_annotations,
    repo_path,
    repository_paths,
    today,
    tree_options,
    workspace,
)


@click.command("validate")
@tree_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
def command(desired: str, config: str | None, fmt: str) -> int:
    """Check every file of the desired tree; exit 0 valid, 1 invalid."""
    ws = workspace(desired, config, offline=True)  # validate never calls ACORN-i
    day = today(ws.env)
    settings = tuple(settings_findings(ws.settings, day, config_shown(ws)))
    # Each entity is judged where it is loaded, on every core, by the verdict's own entity_verdict;
    # a file judged before with the same text, settings and day is not read again (.acorn/).
    run = functools.partial(judge, today=day, policy=ws.settings.policy, run=blocking(settings))
    cache = LoadCache(ws.state_dir, [repr(ws.settings), day.isoformat(), repr(settings)])
    # the sound entities are judged all the same
    judged, found = judge_desired_partial(ws.desired, run, ws.settings.max_file_bytes, cache)
    verdict = Verdict(tuple(found), settings, tuple(judged_verdict(j.name, j.judged) for j in judged))
    entities = len(judged)
    if fmt == "sarif":  # each finding at the verdict's place, as text and annotations name it (docs/pull-requests.md)
        from ..render.findings import verdict_findings  # imported here: text and JSON need no templates
        from ..render.sarif import sarif_text

        click.echo(sarif_text(verdict_findings(verdict), repository_paths(ws)))
        return 1 if verdict.errors else 0
    shown = [f for f in verdict.findings if f.severity is not ERROR and f.acknowledged is None]
    if fmt == "json":
        click.echo(json.dumps(report(verdict, entities), indent=2))
    else:
        for f in shown:
            # the finding's words may quote a file: one line, never a control character
            where = f.location
            click.echo(safetext.line(f"{where.label}:{where.line}:{where.column}: warning: {_label(f)}"))
        if verdict.valid:
            noun = "entity" if entities == 1 else "entities"
            acked = sum(1 for f in verdict.findings if f.acknowledged is not None)
            extra = f", {len(shown)} preflight warning(s)" if shown else ""
            extra += f", {acked} acknowledged" if acked else ""
            click.echo(f"ok: {entities} {noun} valid{extra}")
    if ws.env.get("GITHUB_ACTIONS") == "true":
        click.echo(github_annotations(verdict, ws), err=fmt == "json")
    if verdict.errors and fmt == "text":  # as the CLI boundary prints them: path:line:col lines, then a count
        click.echo(safetext.block(DesiredStateError(list(verdict.errors))), err=True)
    return 1 if verdict.errors else 0


def _label(f: Finding) -> str:
    """`FR TAX_REGISTRATION_MAY_BE_REQUIRED: message`, `lwa CLIENT_SECRET_EXPIRED: …`; a block says plan blocks."""
    where = f.marketplace or f.region or ("lwa" if f.entity is None else f.entity)
    then = " (plan blocks it)" if f.severity is BLOCK else ""
    return f"{where} {f.code}: {f.message}{then}"


def report(verdict: Verdict, entities: int) -> dict[str, object]:
    """validate's JSON: problems (errors at their place), warnings and blocks, errors that are findings."""
    return {"valid": verdict.valid, "entities": entities,
            "problems": [{"path": p.label, "line": p.line, "column": p.column, "key": p.key, "message": p.message}
                         for p in verdict.errors],
            "warnings": [finding_json(f) for f in verdict.findings if f.severity in (BLOCK, WARNING)],
            "errors": [finding_json(f) for f in verdict.findings if f.severity not in (BLOCK, WARNING)]}


def finding_json(f: Finding) -> dict[str, object]:
    out: dict[str, object] = {"entity": f.entity, "marketplace": f.marketplace or f.region, "code": f.code,
                              "severity": str(f.severity), "message": f.message, "path": f.location.label,
                              "line": f.location.line, "column": f.location.column, "key": f.location.key}
    if f.location.row:
        out["row"] = f.location.row
    if f.time_dependent:
        out["timeDependent"] = True  # a date decides it: a warning here, a block in plan
    if f.acknowledged is not None:
        out["acknowledged"] = f.acknowledged
    return out


def github_annotations(verdict: Verdict, ws: Workspace) -> str:
    """One workflow command per error and per unacknowledged warning, at repository-relative paths."""
    lines = [problem_annotations([_relative(ws, p) for p in verdict.errors], "error")] if verdict.errors else []
    for f in verdict.findings:
        if f.severity is WARNING and f.acknowledged is not None:
            continue
        if f.severity in (BLOCK, WARNING):
            # `file=` is the file GitHub shows it on; a template row is named in the message
            where = f.location
            row = f" (row {where.row})" if where.row else ""
            lines.append(annotation("warning", repo_path(ws, where.path), where.line, where.column,
                                    f"{_label(f)}{row}"))
    return "\n".join(line for line in lines if line)


def _relative(ws: Workspace, p: Problem) -> Problem:
    """`p` at its repository-relative path (GitHub places annotations by it; its row stays apart)."""
    return replace(p, path=repo_path(ws, p.path))
