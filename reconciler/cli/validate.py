"""`acorn validate`: check the desired tree offline; preflight findings are warnings.

An invalid registration or tax number is an error at its place (file, line, column),
like any other problem of the tree; plan blocks only the pairs that need that number.
"""

from __future__ import annotations

import json
from datetime import date

import click

from ..desired import lifecycle, preflight, tax_numbers
from ..desired.loadcache import LoadCache
from ..desired.loader import load_desired_partial
from ..domain.gcpause import paused_gc
from ..domain.masking import mask_all, sensitive_values
from ..domain.model import DesiredState
from ..errors import DesiredStateError
from .workspace import annotation, annotations, today, tree_options, workspace


@click.command("validate")
@tree_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(desired: str, config: str | None, fmt: str) -> int:
    """Check every file of the desired tree; exit 0 valid, 1 invalid."""
    ws = workspace(desired, config, offline=True)  # validate never calls ACORN-i
    github = ws.env.get("GITHUB_ACTIONS") == "true"
    cache = LoadCache(ws.state_dir, [repr(ws.settings)])  # a file checked before is not parsed again
    state, found = load_desired_partial(ws.desired, ws.settings.max_file_bytes, cache)  # the sound entities are preflighted all the same
    day = today(ws.env)
    with paused_gc():  # bulk work on acyclic values: see gcpause
        found += [p for e in state.entities for p in tax_numbers.entity_problems(e)]
        warnings = _warnings(state, day, ws.settings.id_document_min_valid_days)
    problems = DesiredStateError(found).problems if found else []
    lifecycle_errors = []
    for e in state.entities:
        for f in lifecycle.authorizations(e, day):
            item = {"entity": e.name, "marketplace": f.region, "code": f.code, "message": f.message,
                    "path": e.source.path, "line": e.source.line}
            (lifecycle_errors if f.error else warnings).append(item)
    secret = lifecycle.client_secret(ws.settings.lwa_client_secret_rotated_on, day)
    if secret is not None:
        item = {"entity": None, "marketplace": None, "code": secret.code, "message": secret.message,
                "path": "acorn.yaml", "line": 1}
        (lifecycle_errors if secret.error else warnings).append(item)
    if fmt == "json":
        click.echo(json.dumps({"valid": not problems and not lifecycle_errors, "entities": len(state.entities), "problems": [
            {"path": p.path, "line": p.line, "column": p.column, "key": p.key, "message": p.message}
            for p in problems], "warnings": warnings, "errors": lifecycle_errors}, indent=2))
    else:
        for w in warnings:
            where = w["marketplace"] or "lwa"
            click.echo(f"{w['path']}:{w['line']}:1: warning: {where} {w['code']}: {w['message']}")
        for w in lifecycle_errors:
            click.echo(f"{w['path']}:{w['line']}:1: error: {w['marketplace'] or 'lwa'} {w['code']}: {w['message']}",
                       err=True)
        if not problems and not lifecycle_errors:
            noun = "entity" if len(state.entities) == 1 else "entities"
            extra = f", {len(warnings)} preflight warning(s)" if warnings else ""
            click.echo(f"ok: {len(state.entities)} {noun} valid{extra}")
    if github:
        for w in warnings:
            click.echo(annotation("warning", w["path"], w["line"], 1,
                                  f"{w['marketplace']}: {w['code']}: {w['message']}"), err=fmt == "json")
        if problems and fmt == "json":
            click.echo(annotations(problems, "error"), err=True)
    if problems:
        if fmt == "json":
            return 1
        raise DesiredStateError(problems)  # printed once, by the CLI boundary, as path:line:col lines
    return 1 if lifecycle_errors else 0


_NUMBER_CODES = frozenset({preflight.TAX_NUMBER_INVALID, preflight.REGISTRATION_NUMBER_INVALID})


def _warnings(state: DesiredState, day: date, min_valid_days: int) -> list[dict]:
    """Preflight's reasons and warnings per entity and marketplace, masked."""
    return [
        {"entity": e.name, "marketplace": code, "code": r.code, "message": mask_all(r.message, sensitive_values(e)),
         "path": e.source.path, "line": e.source.line}
        for e in state.entities
        for blocks, warns in [(preflight.check_entity(e, day, min_valid_days), preflight.warn_entity(e))]
        for code in blocks
        for r in blocks[code] + warns[code]
        if r.code not in _NUMBER_CODES  # an invalid number is an error at its own line already
    ]
