"""What plan, drift, apply and status share: choosing entities, reading live, planning.

The order is the data flow: load desired -> select -> read live (the only I/O) -> plan. plan,
drift, status and apply plan each seller as soon as its reads are done (plan_live), so a run
holds plans, not every seller's reads, and a seller's account read follows its own reads at once
rather than waiting for every other seller's.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path

import click

from ..client.api import AcornClient
from ..client.audit import FileAuditLog
from ..client.request import Call
from ..desired import lifecycle
from ..desired.loader import load_desired, load_desired_partial, problem_entity
from ..desired.safefile import NotARegularFile, open_append, write_text
from ..desired.verdict import client_secret_findings
from ..domain import safetext
from ..domain.gcpause import keep_for_the_command
from ..domain.live import AccountRead, SellerLive
from ..domain.model import DesiredState, Entity
from ..engine.accounts import failed_read, not_offered
from ..engine.plan import EntityPlan, Plan, draft_entity, plan, unauthorized_regions, unreadable_entities
from ..engine.selection import check_marketplaces, parse_selectors, parse_shard, restrict, select, shard
from ..errors import AcornError, ConfigError, DesiredStateError
from .connect import connect
from .create_ages import record_first_seen
from .sandbox_control import sandbox_now
from .workspace import Workspace, today, workspace


@dataclass(frozen=True)
class Selection:
    names: tuple[str, ...] = ()
    selector: tuple[str, ...] = ()
    marketplaces: tuple[str, ...] = ()
    shard: str | None = None


def selection_options(f):
    """--entity, --selector, --marketplace and --shard."""
    f = click.option("--shard", metavar="K/N",
                     help="Only shard K of N (stable hash of the entity name), for parallel CI jobs.")(f)
    f = click.option("--marketplace", "marketplaces", multiple=True, metavar="CODE",
                     help="Only these marketplaces (repeatable).")(f)
    f = click.option("--selector", multiple=True, metavar="SELECTOR",
                     help="Only entities whose labels match: KEY=VALUE, KEY!=VALUE, 'KEY in (A,B)', "
                          "'KEY notin (A,B)', comma-separated; repeated, all must match.")(f)
    return click.option("--entity", "names", multiple=True, metavar="NAME",
                        help="Only this entity (repeatable; shell patterns such as 'atlas-*').")(f)


def audit_option(f):
    return click.option("--audit-log", type=click.Path(dir_okay=False),
                        help="Where every API call is logged (default .acorn/audit.jsonl).")(f)


def color_option(f):
    return click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set and not empty).")(f)


def use_color(ws: Workspace, no_color: bool, fmt: str = "text") -> bool:
    """Colour only for text on a terminal, never with --no-color or a NO_COLOR that is set
    and not empty (no-color.org: an empty NO_COLOR does not disable colour)."""
    return fmt == "text" and not no_color and not ws.env.get("NO_COLOR") and sys.stdout.isatty()


def endpoint_label(ws: Workspace) -> str:
    """The endpoint as a user reads it: `embedded (.acorn/sandbox.sqlite)`, `regional`, or the URL."""
    if ws.settings.endpoint == "embedded":
        return f"embedded ({_shown(ws.state_dir / 'sandbox.sqlite')})"
    return ws.settings.endpoint


def _shown(path: Path) -> str:
    """`path` relative to the working directory (`../.acorn/sandbox.sqlite` from a subfolder)."""
    return os.path.relpath(path.resolve(), Path.cwd().resolve())


@dataclass(frozen=True)
class Run:
    """One command's view: the workspace, the whole tree, and the entities chosen."""

    ws: Workspace
    desired: DesiredState  # the whole tree: its digest ties a saved plan to what was reviewed
    entities: tuple[Entity, ...]
    marketplaces: tuple[str, ...]
    audit_log: Path
    offline: bool = False

    @cached_property
    def now(self) -> datetime:
        """The run's one clock, read once when first needed (so a run refused early calls nothing):
        the sandbox's clock against a sandbox (`acorn sandbox clock advance` moves it), else real
        UTC time; --offline calls nothing, not even a sandbox's clock."""
        return datetime.now(timezone.utc) if self.offline else sandbox_now(self.ws)

    @cached_property
    def today(self) -> date:
        """The run's UTC day, from its one clock (ACORN_TODAY pins it): every date decision
        of the run (lifecycle notes, account reads, the plan) is taken on this day."""
        return today(self.ws.env, self.now)

    def client(self) -> AcornClient:
        return open_client(self.ws, self.audit_log)


def open_client(ws: Workspace, audit_log: Path) -> AcornClient:
    """The one client of a run, acting in the workspace, logging every call to `audit_log`; on a
    terminal it says whose quota it waits for and how long (SP-API's refills can take a minute)."""
    return connect(ws.settings, ws.env, base_dir=ws.root, state_dir=ws.state_dir, audit=FileAuditLog(audit_log),
                   rate_scale=rate_scale(ws), on_throttle=throttle_note if sys.stderr.isatty() else None)


def rate_scale(ws: Workspace) -> float:
    """ACORN_RATE_SCALE: the published rates run that many times faster, for a sandbox served with
    the same --rate-scale; never in production."""
    raw = ws.env.get("ACORN_RATE_SCALE")
    if not raw:
        return 1.0
    if ws.settings.environment == "production":
        raise ConfigError("ACORN_RATE_SCALE is for the sandbox only: SP-API's rates are its own")
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not 0.001 <= scale <= 100000:
        raise ConfigError(f"ACORN_RATE_SCALE must be a number from 0.001 to 100000, not {raw!r}")
    return scale


def throttle_note(call: Call, seconds: float) -> None:
    region = f" in {call.region}" if call.region else ""
    click.echo(f"waiting {seconds:.0f} s for seller {call.seller_id}'s {call.operation} quota{region} "
               "(throttled: SP-API refills it at its published rate)", err=True)


def prepare(desired: str, config: str | None, environment: str | None, endpoint: str | None,
            selection: Selection, audit_log: str | None, offline: bool = False) -> Run:
    ws = workspace(desired, config, environment, endpoint, offline=offline)
    state = _load(ws.desired, selection.names, ws.settings.max_file_bytes)
    keep_for_the_command()  # the tree lives to the end of the run: the collector need not walk it again
    chosen = select(state.entities, selection.names,
                    parse_selectors(selection.selector),
                    selection.marketplaces)
    if selection.shard:
        chosen = shard(chosen, *parse_shard(selection.shard))
    marketplaces = check_marketplaces(selection.marketplaces)
    return Run(ws, state, chosen, marketplaces, audit_path(ws, audit_log), offline)


def lifecycle_notes(run: Run, entities: Sequence[Entity]) -> None:
    """On stderr, when the run plans (once), on the run's day: the client secret's rotation and each
    authorization's renewal when due within 30 days, or past (then the plan blocks the
    entity's creates and says why)."""
    day = run.today
    findings = [("lwa", f) for f in [lifecycle.client_secret(run.ws.settings.lwa_client_secret_rotated_on, day)] if f]
    findings += [(e.name, f) for e in entities
                 for f in lifecycle.authorizations(e, day, run.ws.settings.environment)]
    for who, f in findings:
        click.echo(f"{'error' if f.error else 'warning'}: {who}: {f.code}: {f.message}", err=True)


def _load(desired: Path, names: Sequence[str], max_file_bytes: int) -> DesiredState:
    """The tree; a problem stops the run unless --entity chose only entities of sound files
    (one broken file does not block planning the others: a note says what was left out)."""
    if not names:
        return load_desired(desired, max_file_bytes)  # strict: any problem of the tree stops the run
    state, problems = load_desired_partial(desired, max_file_bytes)
    if not problems:
        return state
    blocking = [p for p in problems if any(fnmatch.fnmatchcase(problem_entity(p), n) for n in names)]
    if blocking:
        raise DesiredStateError(blocking)
    files = len({p.path for p in problems})
    click.echo(f"note: {files} other file{'s' * (files != 1)} of the desired tree {'have' if files != 1 else 'has'} "
               f"problems and {'are' if files != 1 else 'is'} not planned; `acorn validate` lists them", err=True)
    return state


def audit_path(ws: Workspace, audit_log: str | None) -> Path:
    """--audit-log, or .acorn/audit.jsonl, once it is known to take appends (see _writable)."""
    return _writable(Path(audit_log) if audit_log else ws.state_dir / "audit.jsonl")


def _writable(path: Path) -> Path:
    """`path`, once it is known to take appends, before any call is made. Its folder is
    made; the file itself is not created (a refused run leaves no log behind)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            open_append(path).close()
        elif not os.access(path.parent, os.W_OK):
            raise PermissionError(13, "permission denied")
    except NotARegularFile as exc:  # a FIFO would block a plain open forever
        raise ConfigError(f"the audit log {path} {exc.strerror}; remove it or use --audit-log") from None
    except FileExistsError:  # a file stands where a folder of the path must be
        raise ConfigError(f"cannot write the audit log {path}: a file is in the way of its folder") from None
    except OSError as exc:
        raise ConfigError(f"cannot write the audit log {path}: {exc.strerror or exc}") from None
    return path


def make_plan(run: Run, live: Mapping[str, SellerLive], entities: Sequence[Entity] | None = None) -> Plan:
    """The pure engine over the chosen entities, narrowed to --marketplace if given."""
    chosen = run.entities if entities is None else tuple(entities)
    lifecycle_notes(run, run.entities)
    result = plan(replace(run.desired, entities=chosen), live, run.today, run.ws.settings.policy,
                  run.now, run.ws.settings.environment)
    return restrict(result, run.marketplaces)


def plan_offline(run: Run) -> Plan:
    """The plan as if no seller had anything live: no call, no credential (preflight only)."""
    return make_plan(run, {e.seller_id: SellerLive(e.seller_id) for e in run.entities})


async def plan_live(run: Run, client: AcornClient, entities: Sequence[Entity] | None = None) -> Plan:
    """Read the chosen entities' sellers (or `entities`) and plan each one as its reads finish:
    its seller account is read where the draft would create (account preflight), then the draft
    is finished. A seller's live state and the client's flows and buckets for it are let go of
    once its plan is made, so a run holds plans, not reads (100,000 sellers fit in far less
    memory). Each entity is decided once."""
    today, policy = run.today, run.ws.settings.policy
    findings = client_secret_findings(policy.client_secret_rotated_on, today)  # the run's own, once

    async def account(entity: Entity, region: str) -> AccountRead:
        skipped = not_offered(region)  # SP-API offers getAccount in the EU only
        if skipped is not None:
            return skipped
        try:
            return AccountRead(region, await client.get_account(entity, region))
        except AcornError as exc:
            return failed_read(region, exc)  # a run-stopping error is raised again

    async def planned(entity: Entity, live: SellerLive) -> EntityPlan:
        draft = draft_entity(entity, live, today, policy, findings)
        accounts = tuple([await account(entity, region) for region in draft.regions])
        client.forget(entity)
        return draft.finish(accounts)

    plans = await client.read_each(run.entities if entities is None else tuple(entities),
                                   run.ws.settings.concurrency, planned)
    lifecycle_notes(run, run.entities)
    return restrict(Plan(run.ws.settings.environment, run.now, run.desired.digest, tuple(plans)),
                    run.marketplaces)


def plan_now(run: Run) -> Plan:
    """Read the live state of the chosen entities and plan them; note when each create was
    first seen (`.acorn/first-seen.json`, for `acorn drift`'s create ages)."""

    planned: list[Plan] = []

    async def go() -> None:
        # The plan is handed out beside the coroutine, never as its result: asyncio.run (3.11)
        # ends by asking signal.getsignal about its SIGINT handler, which formats a ValueError
        # with the repr of the main task, result included: the repr of a 100,000-entity plan
        # (hundreds of MB, twice) would be the run's peak of memory and seconds of CPU.
        async with run.client() as client:
            planned.append(await plan_live(run, client))

    run.today  # noqa: B018  the run's clock is read once, before the event loop runs (a sandbox's is a call)
    asyncio.run(go())
    [result] = planned
    # after every plan, with creates or not: engine.first_seen decides what the record keeps (it
    # forgets the planned entities' creates that went away); the file is written only when that changes
    record_first_seen(run.ws.state_dir, result, run.now)
    return result


def emit(text: str | Iterable[str], out: str | None = None, what: str | None = None) -> None:
    """Print `text` (a string, or a stream of pieces), or write it to the file `out` (its folder created,
    written atomically) and say so on stderr (`wrote the JSON plan to plan.json`), so that stdout stays
    the output alone."""
    pieces = [text] if isinstance(text, str) else text
    if out is None:
        for piece in pieces:
            click.echo(piece, nl=False)
        click.echo()
        return
    write_text(Path(out), itertools.chain(pieces, ["\n"]))
    click.echo(f"wrote {what or 'the output'} to {out}", err=True)


def report_errors(result: Plan) -> bool:
    """Print each entity that could not be read (an error) and each region a seller has not
    authorized (a warning: its pairs are planned as unauthorized), on stderr; whether there
    was an error."""
    errors = unreadable_entities(result)
    for line in errors:
        click.echo(f"error: {safetext.line(line)}", err=True)
    for line in unauthorized_regions(result):
        click.echo(f"warning: {safetext.line(line)}", err=True)
    return bool(errors)
