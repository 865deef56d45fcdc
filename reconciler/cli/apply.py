"""`acorn apply [PLAN_FILE]`: submit the missing registrations, exactly once, whatever fails.

A thin shell over reconciler.actions.apply: read the live state, plan, pass the gates (a saved
plan's digest, maxCreates, confirmation), submit with progress, optionally wait for review,
print one line per pair and a summary; exit 0 when every create was accepted, else 1.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import click

from ..actions import apply, waves
from ..desired.safefile import PLAN_FILE_BYTES, UnreadableFile, read_text
from ..domain.timestamps import utc_timestamp
from ..engine.plan import Plan
from ..engine.plan_json import from_json
from ..errors import PlanFileError
from ..render import paint, render
from ..sandbox.context import DEFAULT_REVIEW_SECONDS
from .apply_waves import apply_in_waves
from .connect import review_time
from .planning import (
    Run,
    Selection,
    audit_option,
    color_option,
    emit,
    endpoint_label,
    plan_live,
    prepare,
    selection_options,
    use_color,
)
from .workspace import endpoint_options, tree_options

DEFAULT_WAIT_TIMEOUT = 600.0
_STYLE = {apply.ACCEPTED: "create", apply.EXISTS: "live", apply.FAILED: "error"}


@click.command("apply")
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@tree_options
@endpoint_options
@selection_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (required when stdin is not a terminal).")
@click.option("--force", is_flag=True, help="Create more than maxCreates registrations at once.")
@click.option("--wait", is_flag=True, help="Poll the new registrations until their review is decided.")
@click.option("--wait-timeout", type=click.FloatRange(0), metavar="SECONDS",
              help=f"How long --wait polls at most (default {DEFAULT_WAIT_TIMEOUT:.0f}).")
@click.option("--fail-on-rejected", is_flag=True, help="With --wait: exit 1 when a review comes back REJECTED.")
@click.option("--waves", "wave_sizes", metavar="SIZES",
              help="Submit in waves, e.g. 1,10%,rest: wait for each wave's reviews and go on only when the "
                   "gate passes (implies --wait; default from acorn.yaml waves.above).")
@click.option("--halt-on", metavar="SHARE",
              help="With waves: stop when one reason code rejects more than this share of a wave (default 25%).")
@audit_option
@color_option
def command(plan_file, desired, config, environment, endpoint, names, selector, marketplaces, shard, yes, force,
            wait, wait_timeout, fail_on_rejected, wave_sizes, halt_on, audit_log, no_color) -> int:
    """Submit the registrations the plan (or the saved PLAN_FILE) says are missing."""
    if wait_timeout is not None and not wait:
        raise click.UsageError("--wait-timeout needs --wait")
    if wave_sizes is not None:
        waves.parse_waves(wave_sizes)  # a typo is refused before anything is read
        wait = True  # a wave is judged by its reviews
    if halt_on is not None:
        waves.parse_share(halt_on)
    if fail_on_rejected and not wait:
        raise click.UsageError("--fail-on-rejected needs --wait")
    run = prepare(desired, config, environment, endpoint, Selection(names, selector, marketplaces, shard), audit_log)
    saved = None
    if plan_file:
        saved = read_saved_plan(Path(plan_file))
        apply.check_saved_plan(saved, run.desired.digest, run.ws.settings.environment)
    else:  # a saved plan was reviewed already; a fresh one must be confirmed here
        apply.check_confirmable(yes, sys.stdin.isatty())
    timeout = DEFAULT_WAIT_TIMEOUT if wait_timeout is None else wait_timeout
    run.today  # noqa: B018  the run's clock is a call of its own: read it (once) before the event loop runs
    return asyncio.run(_apply(run, saved, yes, force, timeout if wait else None, use_color(run.ws, no_color),
                              fail_on_rejected, (wave_sizes, halt_on)))


def read_saved_plan(path: Path) -> Plan:
    try:
        data = json.loads(read_text(path, PLAN_FILE_BYTES))
    except UnreadableFile as exc:
        raise PlanFileError(f"the plan file {path} {exc.why}") from None
    except ValueError as exc:
        raise PlanFileError(f"the plan file {path} is not JSON: {exc}") from None
    except RecursionError:  # json nests by recursion: a file of 100,000 "[" is not a plan
        raise PlanFileError(f"the plan file {path} is not a plan: its JSON is nested too deeply") from None
    return from_json(data)


def _waves_of(run: Run, choice: apply.Choice, given: tuple[str | None, str | None]) -> tuple[str, ...] | None:
    """The waves of this run: --waves, else acorn.yaml's when there are more creates than waves.above."""
    settings = run.ws.settings
    if given[0] is not None:
        return waves.parse_waves(given[0])
    if settings.waves_above is not None and choice.pair_count > settings.waves_above:
        return waves.parse_waves(settings.waves)
    return None


async def _apply(run: Run, saved: Plan | None, yes: bool, force: bool, wait: float | None, color: bool,
                 fail_on_rejected: bool = False, wave_options: tuple[str | None, str | None] = (None, None)) -> int:
    settings = run.ws.settings
    async with run.client() as client:
        entities = run.entities if saved is None else apply.saved_sellers(saved, run.entities)
        fresh = await plan_live(run, client, entities)
        choice = _choose(run, fresh, saved, len(entities), color)
        if not choice.creates:
            click.echo("Apply: nothing to create.")
            return apply.exit_code((), choice.errors)
        sizes = _waves_of(run, choice, wave_options)
        if sizes is None:  # in waves, the gate after each wave is what stops a mass mistake
            apply.check_max_creates(choice.pair_count, settings.max_creates, force)
        elif wait is None:  # waves from acorn.yaml (the apply workflow): a wave is judged by its reviews
            wait = DEFAULT_WAIT_TIMEOUT
        calls = len(choice.creates)
        if saved is None and not yes:
            click.confirm(f"Submit {choice.pair_count} registration{'s' * (choice.pair_count != 1)} "
                          f"in {calls} call{'s' * (calls != 1)} to environment {settings.environment} at "
                          f"endpoint {endpoint_label(run.ws)}?", abort=True)
        by_name = {e.name: e for e in entities}
        width = apply.name_width(choice.creates)

        async def submit(part: apply.Choice) -> tuple[apply.PairResult, ...]:
            done = await _submit(client, part, by_name, settings.concurrency, width, color)
            click.echo(paint(apply.summary_line(done), "bold", color))
            return done

        told: list[bool] = []  # the embedded sandbox's note, once per run

        async def wait_for(done: Sequence[apply.PairResult]) -> tuple[apply.Review, ...]:
            if wait is None or not any(r.outcome == apply.ACCEPTED for r in done):
                return ()
            reviews = await _wait(run, client, done, by_name, wait, width, color, note=not told)
            told.append(True)
            return reviews

        if sizes is None:
            results = await submit(choice)
            reviews = await wait_for(results)
            return apply.exit_code(results, choice.errors, reviews, fail_on_rejected)
        share = waves.parse_share(wave_options[1] or settings.halt_on)
        results, reviews, stopped = await apply_in_waves(run, choice, by_name, sizes, share, submit, wait_for, color)
    return 1 if stopped else apply.exit_code(results, choice.errors, reviews, fail_on_rejected)


def _choose(run: Run, fresh: Plan, saved: Plan | None, sellers: int, color: bool) -> apply.Choice:
    """What to submit, after showing the fresh plan (or the saved plan's header), notes and errors."""
    if saved is None:
        emit(render(fresh, "text", color, endpoint_label(run.ws)))
    else:
        click.echo(f"Saved plan of {utc_timestamp(saved.generated_at)}: {saved.summary.create} to create; "
                   f"re-read {sellers} seller{'s' * (sellers != 1)} in environment "
                   f"{run.ws.settings.environment} at endpoint {endpoint_label(run.ws)}.")
    choice = apply.choose(fresh, saved)
    for s in choice.skipped:
        click.echo(f"note: {s.entity} {s.marketplace}: {s.why}")
    for line in choice.errors:
        click.echo(f"error: {line}", err=True)
    return choice


async def _wait(run: Run, client, results: Sequence[apply.PairResult], by_name, wait: float, width: int,
                color: bool, note: bool = True) -> tuple[apply.Review, ...]:
    """Poll the new registrations until decided (or `wait` seconds), then print their reviews."""
    settings = run.ws.settings
    click.echo(f"Waiting up to {wait:.0f} s for the review of the new registrations ...")
    if settings.endpoint == "embedded" and note:
        seconds = review_time(run.ws.env) or DEFAULT_REVIEW_SECONDS
        after = f"{seconds / 60:g} minutes" if seconds % 60 == 0 else f"{seconds:g} seconds"
        click.echo(EMBEDDED_REVIEW_NOTE.format(after=after, first=next(
            (r.registration_id for r in results if r.outcome == apply.ACCEPTED), "REG-ID")))
    accepted = sum(1 for r in results if r.outcome == apply.ACCEPTED)
    progress = WaitProgress(time.monotonic, time.monotonic() + wait, accepted)
    heartbeat = asyncio.create_task(progress.heartbeat())
    try:
        reviews = await apply.wait_all(client, results, by_name, wait, settings.concurrency, time.monotonic,
                                       asyncio.sleep, on_round=progress.round)
    finally:
        heartbeat.cancel()
    for line in apply.review_lines(reviews, width):
        click.echo(line)
    click.echo(paint(apply.review_summary(reviews), "bold", color))
    return reviews


EMBEDDED_REVIEW_NOTE = (
    "The embedded sandbox decides a review {after} after submission (ACORN_SANDBOX_REVIEW_SECONDS), on its own "
    "clock (real time plus what `acorn sandbox clock advance` added before this run). To decide sooner, run in another "
    "shell: acorn sandbox review decide {first} --approve (or --reject CODE).")
PROGRESS_EVERY = 10.0  # as Terraform's "Still creating... [10s elapsed]"


class WaitProgress:
    """While --wait polls, a line at least every PROGRESS_EVERY seconds (a heartbeat task ticks
    every second; a poll round slowed by rate limits does not make it silent)."""

    def __init__(self, clock: Callable[[], float], deadline: float, waiting: int,
                 echo: Callable[[str], object] = click.echo) -> None:
        self._clock, self._deadline, self._echo = clock, deadline, echo
        self.start = self.last = clock()
        self.waiting = waiting

    def round(self, waiting: int, left: float) -> None:
        """After each poll round: how many are still under review."""
        self.waiting = waiting
        self.tick()

    def tick(self) -> None:
        now = self._clock()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self._echo(f"Still waiting... [{now - self.start:.0f}s elapsed] {self.waiting} still under review; "
                       f"up to {max(0.0, self._deadline - now):.0f} s more")

    async def heartbeat(self, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        while True:
            await sleep(1.0)
            self.tick()


async def _submit(client, choice: apply.Choice, entities, concurrency: int, width: int,
                  color: bool) -> tuple[apply.PairResult, ...]:
    """On a terminal a progress bar (stderr), then the results; elsewhere a line per result as it comes."""
    def line(r: apply.PairResult) -> str:
        return paint(apply.result_line(r, width), _STYLE[r.outcome], color)

    if not sys.stderr.isatty():
        return await apply.submit_all(client, choice.creates, entities, concurrency,
                                      lambda r: click.echo(line(r)))
    bar = click.progressbar(length=choice.pair_count, label="Submitting", file=sys.stderr)
    with bar:
        results = await apply.submit_all(client, choice.creates, entities, concurrency, lambda r: bar.update(1))
    for r in results:
        click.echo(line(r))
    return results
