"""The pure parts of `apply --waves`: the syntax, which entities each wave takes (each template
and marketplace once before any template fans out), and the gate's verdict."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.actions.apply import ACCEPTED, FAILED, Create, PairResult, Review
from reconciler.actions.waves import gate, parse_share, parse_waves, plan_waves
from reconciler.domain.model import Entity, Reason, Source
from reconciler.engine.plan import CreateGroup
from reconciler.errors import ConfigError


def entity(name: str, template: str | None) -> Entity:
    source = Source(f"desired/templates/{template} (row {name})" if template else f"desired/entities/{name}.yaml")
    return Entity(name, f"S{name}", None, None, (), source=source)  # type: ignore[arg-type]


def create(name: str, *markets: str) -> Create:
    return Create(name, f"S{name}", CreateGroup("EU", markets, tuple(f"ID{m}" for m in markets), "t", "d"))


@pytest.mark.parametrize("text, sizes", [("1,10%,rest", ("1", "10%", "rest")), ("5", ("5", "rest")),
                                         (" 2 , 50% ", ("2", "50%", "rest"))])
def test_wave_syntax(text: str, sizes: tuple[str, ...]) -> None:
    assert parse_waves(text) == sizes


@pytest.mark.parametrize("text", ["0", "rest,5", "150%", "ten", "1,,2", ""])
def test_a_wrong_wave_is_refused_with_the_syntax(text: str) -> None:
    with pytest.raises(ConfigError, match="e.g. 1,10%,rest"):
        parse_waves(text)


def test_halt_on_is_a_share() -> None:
    assert parse_share("25%") == 0.25
    with pytest.raises(ConfigError):
        parse_share("0.25")


def test_the_first_wave_covers_each_template_and_marketplace_once() -> None:
    names = [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)] + ["solo"]
    entities = {n: entity(n, None if n == "solo" else f"{n[0]}.yaml.j2") for n in names}
    creates = [create(n, "DE" if n.startswith("a") else "FR") for n in names if n != "solo"]
    creates[3] = create("a3", "IT")  # one row of template a sells in IT
    creates.append(create("solo", "DE"))
    waves = plan_waves(creates, entities, parse_waves("1,10%,rest"))
    first = [c.entity for c in waves[0]]
    assert first == ["a0", "a3", "b0"]  # template a and DE, IT (a3), template b and FR: in plan order
    assert [c.entity for c in waves[1]] == ["a1", "a2", "a4"]  # 10% of 21 entities is 3
    assert len(waves) == 3 and sum(len(w) for w in waves) == 21  # the rest, each entity once
    assert {c.entity for w in waves for c in w} == set(names)


def result(name: str, outcome: str = ACCEPTED, code: str | None = None) -> PairResult:
    return PairResult(name, f"S{name}", "DE", "IDDE", outcome, "REG" if outcome == ACCEPTED else None, code, "why")


def test_the_gate_stops_on_a_code_over_the_share_and_names_it() -> None:
    wave = [create(f"e{i}", "DE") for i in range(8)]
    results = [result(f"e{i}") for i in range(8)]
    reviews = [Review(r, "REJECTED" if i < 3 else "APPROVED",
                      (Reason("LEGAL_NAME_MISMATCH", "differs"),) if i < 3 else ()) for i, r in enumerate(results)]
    stopped = gate(2, wave, results, reviews, 0.25)
    assert not stopped.passed and stopped.code == "LEGAL_NAME_MISMATCH" and stopped.count == 3
    assert stopped.line(0.25) == ("Gate: stopped after wave 2: LEGAL_NAME_MISMATCH rejected 3 of 8 entities (38%), "
                                  "more than --halt-on 25%.")
    assert [e for e, _, _ in stopped.examples] == ["e0", "e1", "e2"]
    assert gate(2, wave, results, reviews, 0.4).passed  # 3 of 8 is not more than 40%


def test_the_gate_stops_on_a_run_stopping_error_and_on_undecided_reviews() -> None:
    wave = [create("e0", "DE"), create("e1", "DE")]
    stopped = replace(result("e0", FAILED, "BreakerOpen"), stopped=True)
    assert gate(1, wave, [stopped, result("e1")], [], 0.5).why.endswith("(an error that stops a run)")
    # a create the API refused is a rejection the share counts, not a stopped run
    refused = [result("e0", FAILED, "InvalidInput"), result("e1")]
    assert "stops a run" not in gate(1, wave, refused, [], 0.5).why
    waiting = [Review(result("e0"), "IN_REVIEW"), Review(result("e1"), "APPROVED")]
    verdict = gate(1, wave, [result("e0"), result("e1")], waiting, 0.5)
    assert not verdict.passed and "not decided within the wait" in verdict.why
