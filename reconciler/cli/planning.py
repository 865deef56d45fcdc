"""What plan, drift, apply and status share: choosing entities, reading live, planning.

The order is the data flow: load desired -> select -> read live (the only I/O) -> plan.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import click

from ..client.api import AcornClient
from ..client.audit import AuditLog
from ..desired.loader import load_desired
from ..domain.live import SellerLive
from ..domain.model import DesiredState, Entity
from ..engine.plan import Plan, entity_errors, plan
from ..engine.selection import check_marketplaces, parse_selector, parse_shard, restrict, select, shard
from ..errors import ConfigError
from .connect import connect
from .workspace import Workspace, today, workspace


@dataclass(frozen=True)
class Selection:
    names: tuple[str, ...] = ()
    selector: str | None = None
    marketplaces: tuple[str, ...] = ()
    shard: str | None = None


def selection_options(f):
    """--entity, --selector, --marketplace and --shard."""
    f = click.option("--shard", metavar="K/N",
                     help="Only shard K of N (stable hash of the entity name), for parallel CI jobs.")(f)
    f = click.option("--marketplace", "marketplaces", multiple=True, metavar="CODE",
                     help="Only these marketplaces (repeatable).")(f)
    f = click.option("--selector", metavar="KEY=VALUE[,KEY=VALUE]", help="Only entities whose labels match.")(f)
    return click.option("--entity", "names", multiple=True, metavar="NAME",
                        help="Only this entity (repeatable; shell patterns such as 'atlas-*').")(f)


def audit_option(f):
    return click.option("--audit-log", type=click.Path(dir_okay=False),
                        help="Where every API call is logged (default .acorn/audit.jsonl).")(f)


def color_option(f):
    return click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set).")(f)


def use_color(ws: Workspace, no_color: bool, fmt: str = "text") -> bool:
    """Colour only for text on a terminal, never with NO_COLOR or --no-color."""
    return fmt == "text" and not no_color and "NO_COLOR" not in ws.env and sys.stdout.isatty()


@dataclass(frozen=True)
class Run:
    """One command's view: the workspace, the whole tree, and the entities chosen."""

    ws: Workspace
    desired: DesiredState  # the whole tree: its digest ties a saved plan to what was reviewed
    entities: tuple[Entity, ...]
    marketplaces: tuple[str, ...]
    audit_log: Path

    def client(self) -> AcornClient:
        return open_client(self.ws, self.audit_log)


def open_client(ws: Workspace, audit_log: Path) -> AcornClient:
    """The one client of a run, acting in the workspace, logging every call to `audit_log`."""
    return connect(ws.settings, ws.env, base_dir=ws.root, state_dir=ws.state_dir, audit=AuditLog(audit_log))


def prepare(desired: str, config: str | None, environment: str | None, endpoint: str | None,
            selection: Selection, audit_log: str | None, offline: bool = False) -> Run:
    ws = workspace(desired, config, environment, endpoint, offline=offline)
    state = load_desired(ws.desired)
    chosen = select(state.entities, selection.names,
                    parse_selector(selection.selector) if selection.selector else (),
                    selection.marketplaces)
    if selection.shard:
        chosen = shard(chosen, *parse_shard(selection.shard))
    marketplaces = check_marketplaces(selection.marketplaces)
    return Run(ws, state, chosen, marketplaces, audit_path(ws, audit_log))


def audit_path(ws: Workspace, audit_log: str | None) -> Path:
    """--audit-log, or .acorn/audit.jsonl, once it is known to take appends (see _writable)."""
    return _writable(Path(audit_log) if audit_log else ws.state_dir / "audit.jsonl")


def _writable(path: Path) -> Path:
    """`path`, once it is known to take appends, before any call is made. Its folder is
    made; the file itself is not created (a refused run leaves no log behind)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("a", encoding="utf-8"):
                pass
        elif not os.access(path.parent, os.W_OK):
            raise PermissionError(13, "permission denied")
    except FileExistsError:  # a file stands where a folder of the path must be
        raise ConfigError(f"cannot write the audit log {path}: a file is in the way of its folder") from None
    except OSError as exc:
        raise ConfigError(f"cannot write the audit log {path}: {exc.strerror or exc}") from None
    return path


async def read_live(run: Run, client: AcornClient, entities: Sequence[Entity] | None = None) -> dict[str, SellerLive]:
    return await client.read_all(run.entities if entities is None else entities, run.ws.settings.concurrency)


def make_plan(run: Run, live: Mapping[str, SellerLive], entities: Sequence[Entity] | None = None) -> Plan:
    """The pure engine over the chosen entities, narrowed to --marketplace if given."""
    chosen = run.entities if entities is None else tuple(entities)
    result = plan(replace(run.desired, entities=chosen), live, today(run.ws.env), run.ws.settings.policy,
                  datetime.now(timezone.utc), run.ws.settings.environment)
    return restrict(result, run.marketplaces)


def plan_offline(run: Run) -> Plan:
    """The plan as if no seller had anything live: no call, no credential (preflight only)."""
    return make_plan(run, {e.seller_id: SellerLive(e.seller_id) for e in run.entities})


def plan_now(run: Run) -> Plan:
    """Read the live state of the chosen entities and plan them."""

    async def go() -> dict[str, SellerLive]:
        async with run.client() as client:
            return await read_live(run, client)

    return make_plan(run, asyncio.run(go()))


def emit(text: str, out: str | None = None) -> None:
    """Print `text`, or write it to the file `out` (its folder created)."""
    if out is None:
        click.echo(text)
        return
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from None


def report_errors(result: Plan) -> bool:
    """Print each entity that could not be read, on stderr; whether there was any."""
    errors = entity_errors(result)
    for line in errors:
        click.echo(f"error: {line}", err=True)
    return bool(errors)
