"""`acorn apply --waves`: submit wave by wave, wait for each wave's reviews, stop at the gate.

The decisions are reconciler/actions/waves.py; this prints them: a heading per wave, its
results and reviews (as `apply --wait` prints them), the gate's verdict, and when it stops,
which code, how many entities, the first lines to look at, and that nothing else was sent.
In GitHub Actions the verdict is also appended to the job summary ($GITHUB_STEP_SUMMARY).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import click

from ..actions import apply, waves
from ..desired.locate import Location
from ..desired.safefile import open_append
from ..domain.model import Entity
from ..errors import MachineError
from ..render import paint
from ..render.findings import locate_reason
from .findings import locator, places
from .planning import Run

LOOK_AT = 3  # lines shown when the gate stops

Submit = Callable[[apply.Choice], Awaitable[tuple[apply.PairResult, ...]]]
Wait = Callable[[Sequence[apply.PairResult]], Awaitable[tuple[apply.Review, ...]]]


def heading(number: int, count: int, wave: Sequence[apply.Create], entities: Mapping[str, Entity]) -> str:
    names = list(dict.fromkeys(c.entity for c in wave))
    pairs = sum(len(c.group.marketplace_ids) for c in wave)
    head = (f"Wave {number} of {count}: {len(names)} entit{'y' if len(names) == 1 else 'ies'}, "
            f"{pairs} registration{'s' * (pairs != 1)}")
    if number == 1:
        templates = sorted({Path(t).name for n in names for t in [waves.template_of(entities[n])] if t})
        markets = sorted({m for c in wave for m in c.group.marketplaces})
        head += (" (one per template and marketplace first: "
                 + (f"templates {', '.join(templates)}; " if templates else "")
                 + f"marketplaces {', '.join(markets)})")
    return head


def look_at(run: Run, verdict: waves.Verdict, entities: Mapping[str, Entity]) -> list[Location]:
    """The first distinct lines of desired/ behind the stopping code (desired/reason_fields.py)."""
    if verdict.code is None:
        return []
    found: dict[tuple[str, int], Location] = {}
    where = locator(run.ws)
    placed = places(run.ws, run.entities, run.today)  # the verdict's own places first, as every view
    for name, marketplace, message in verdict.examples:
        entity = entities.get(name)
        if entity is not None:
            f = locate_reason(verdict.code, entity, marketplace, message, where, placed)
            found.setdefault((f.where.path, f.where.line), f.where)
        if len(found) >= LOOK_AT:
            break
    return list(found.values())


def stop_lines(run: Run, verdict: waves.Verdict, left: Sequence[Sequence[apply.Create]],
               entities: Mapping[str, Entity]) -> list[str]:
    out = [f"  look at {loc}: {loc.key}" for loc in look_at(run, verdict, entities)]
    names = {c.entity for wave in left for c in wave}
    pairs = sum(len(c.group.marketplace_ids) for wave in left for c in wave)
    out.append(f"Nothing else was submitted: {len(names)} entit{'y' if len(names) == 1 else 'ies'} "
               f"({pairs} registration{'s' * (pairs != 1)}) of the next waves wait. Fix the cause and run "
               "`acorn apply` again: it goes on from here, and a rejected submission is sent again only "
               "once it changed.")
    return out


def write_summary(run: Run, lines: Sequence[str]) -> None:
    """The gate's verdicts in the GitHub Actions job summary (when the run is in one)."""
    target = run.ws.env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    text = "### acorn apply: waves\n\n" + "\n".join(f"- {line}" for line in lines) + "\n"
    try:
        with open_append(target) as f:
            f.write(text)
    except OSError as exc:
        raise MachineError(f"cannot write the job summary {target}: {exc.strerror or exc}") from None


async def apply_in_waves(run: Run, choice: apply.Choice, entities: Mapping[str, Entity], sizes: Sequence[str],
                         halt_on: float, submit: Submit, wait: Wait, color: bool
                         ) -> tuple[tuple[apply.PairResult, ...], tuple[apply.Review, ...], bool]:
    """Every wave until the gate stops one: (results, reviews, stopped)."""
    planned = waves.plan_waves(choice.creates, entities, sizes)
    results: list[apply.PairResult] = []
    reviews: list[apply.Review] = []
    verdicts: list[str] = []
    for number, wave in enumerate(planned, 1):
        click.echo(paint(heading(number, len(planned), wave, entities), "bold", color))
        done = await submit(apply.Choice(wave))
        decided = await wait(done)
        results += done
        reviews += decided
        verdict = waves.gate(number, wave, done, decided, halt_on)
        verdicts.append(verdict.line(halt_on))
        click.echo(paint(verdict.line(halt_on), "bold" if verdict.passed else "error", color))
        if not verdict.passed:
            lines = stop_lines(run, verdict, planned[number:], entities)
            for line in lines:
                click.echo(line)
            write_summary(run, verdicts + lines)
            return tuple(results), tuple(reviews), True
    passed = f"All {len(planned)} wave{'s' * (len(planned) != 1)} passed."
    click.echo(paint(f"{passed} {apply.summary_line(results)}", "bold", color))
    write_summary(run, verdicts + [passed])
    return tuple(results), tuple(reviews), False
