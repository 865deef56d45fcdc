"""Apply in waves: submit a few, wait for their reviews, and go on only when the wave passes the
gate, so that one bad template never reaches every entity at once.

    parse_waves("1,10%,rest") -> plan_waves(creates, entities, sizes) -> [wave, wave, ...]
    after each wave's reviews:  gate(wave, results, reviews, halt_on) -> Verdict

The first wave covers each template and each marketplace the creates touch, one entity each,
before any template fans out; the next waves take the entities in plan order. The gate stops
the run when one reason code rejected more than `halt_on` of the wave's entities (a repeated
mistake), when a submission failed with an error that stops a run, or when a review is not
decided within the wait. All of it is pure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..domain.live import REJECTED
from ..domain.model import Entity
from ..errors import ConfigError
from .apply import FAILED, UNDER_REVIEW, Create, PairResult, Review

REST = "rest"
_SIZE = re.compile(r"^(\d+)(%?)$")


def parse_waves(text: str) -> tuple[str, ...]:
    """`1,10%,rest` -> ('1', '10%', 'rest'): counts of entities, shares of all, and `rest`
    (everything left; implied at the end). ConfigError for anything else."""
    sizes = tuple(part.strip().lower() for part in text.split(","))
    for i, size in enumerate(sizes):
        found = _SIZE.match(size)
        if size == REST and i == len(sizes) - 1:
            continue
        if found is None or int(found.group(1)) == 0 or (found.group(2) and int(found.group(1)) > 100):
            raise ConfigError(f"--waves {text!r}: each wave is a count (5), a share of the entities (10%) "
                              "or `rest` (last only), separated by commas, e.g. 1,10%,rest")
    return sizes if sizes[-1] == REST else sizes + (REST,)


def parse_share(text: str) -> float:
    """`25%` -> 0.25 (ConfigError unless a percentage from 0 to 100)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)%\s*", text)
    if found is None or float(found.group(1)) > 100:
        raise ConfigError(f"--halt-on {text!r}: a share of the wave, e.g. 25%")
    return float(found.group(1)) / 100


def template_of(entity: Entity) -> str | None:
    """The template file an entity was made from (None: its own entity file)."""
    return entity.source.path if entity.source.row is not None else None


def _entities(creates: Sequence[Create]) -> list[str]:
    return list(dict.fromkeys(c.entity for c in creates))


def _first_wave(names: list[str], creates: Sequence[Create], entities: Mapping[str, Entity], size: int) -> list[str]:
    """One entity for each template and each marketplace (the first that brings one not yet
    covered), then up to `size` with entities of their own files (every template is in already)."""
    markets: dict[str, set[str]] = {}
    for c in creates:
        markets.setdefault(c.entity, set()).update(c.group.marketplaces)
    chosen: list[str] = []
    templates: set[str | None] = set()
    covered: set[str] = set()
    for name in names:
        template = template_of(entities[name])
        new_template = template is not None and template not in templates
        if new_template or not markets[name] <= covered:
            chosen.append(name)
            templates.add(template)
            covered |= markets[name]
    for name in names:
        if len(chosen) >= size:
            break
        if name not in chosen and template_of(entities[name]) is None:
            chosen.append(name)
    return chosen


def plan_waves(creates: Sequence[Create], entities: Mapping[str, Entity],
               sizes: Sequence[str]) -> list[tuple[Create, ...]]:
    """The creates split into waves of whole entities (an entity's calls stay together)."""
    names = _entities(creates)
    total = len(names)

    def count(size: str) -> int:
        if size == REST:
            return total
        n = int(size.removesuffix("%"))
        return max(1, math.ceil(total * n / 100)) if size.endswith("%") else n

    waves: list[list[str]] = []
    left = list(names)
    for i, size in enumerate(sizes):
        if not left:
            break
        wave = _first_wave(left, creates, entities, count(size)) if i == 0 else left[:count(size)]
        waves.append(wave)
        taken = set(wave)
        left = [n for n in left if n not in taken]
    by_entity: dict[str, list[Create]] = {}
    for c in creates:
        by_entity.setdefault(c.entity, []).append(c)
    return [tuple(c for name in wave for c in by_entity[name]) for wave in waves]


@dataclass(frozen=True)
class Verdict:
    """The gate's word on one wave."""

    wave: int
    passed: bool
    entities: int  # in the wave
    code: str | None = None  # the code that stopped it
    count: int = 0  # entities the code rejected (or failed)
    why: str = ""
    examples: tuple[tuple[str, str, str], ...] = ()  # (entity, marketplace, message) of the code

    def line(self, halt_on: float) -> str:
        if self.passed:
            return (f"Gate: wave {self.wave} passed: no reason code rejected more than {halt_on:.0%} of its "
                    f"{self.entities} entit{'y' if self.entities == 1 else 'ies'}.")
        return f"Gate: stopped after wave {self.wave}: {self.why}."


def gate(wave: int, creates: Sequence[Create], results: Sequence[PairResult], reviews: Sequence[Review],
         halt_on: float) -> Verdict:
    """Whether the run may go on after this wave (pure)."""
    size = len(_entities(creates))
    # an error that stopped the run (errors.RunStopping): the next wave would fail the same way
    stopping = [r for r in results if r.outcome == FAILED and r.stopped]
    if stopping:
        r = stopping[0]
        return Verdict(wave, False, size, r.code, len({x.entity for x in stopping}),
                       f"{r.code}: {r.message} (an error that stops a run)",
                       ((r.entity, r.marketplace, r.message or ""),))
    undecided = [v for v in reviews if v.status in UNDER_REVIEW or v.status is None]
    rejected: dict[str, dict[str, tuple[str, str, str]]] = {}
    for r in results:
        if r.outcome == FAILED and r.code:
            rejected.setdefault(r.code, {}).setdefault(r.entity, (r.entity, r.marketplace, r.message or ""))
    for v in reviews:
        if v.status == REJECTED:
            for reason in v.reasons:
                rejected.setdefault(reason.code, {}).setdefault(
                    v.result.entity, (v.result.entity, v.result.marketplace, reason.message))
    over = sorted(((len(ents), code) for code, ents in rejected.items() if len(ents) > halt_on * size),
                  key=lambda item: (-item[0], item[1]))
    if over:
        n, code = over[0]
        why = (f"{code} rejected {n} of {size} entit{'y' if size == 1 else 'ies'} ({n / size:.0%}), more than "
               f"--halt-on {halt_on:.0%}")
        return Verdict(wave, False, size, code, n, why, tuple(rejected[code].values()))
    if undecided:
        return Verdict(wave, False, size, None, len(undecided),
                       f"{len(undecided)} review{'s' * (len(undecided) != 1)} of the wave not decided within the "
                       "wait (raise --wait-timeout, or run apply again later: it goes on from here)")
    return Verdict(wave, True, size)
