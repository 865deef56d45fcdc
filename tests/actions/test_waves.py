"""The pure parts of `apply --waves`: the syntax, which entities each wave takes (each template
and marketplace once before any template fans out), and the gate's verdict."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reconciler.actions.apply import ACCEPTED, FAILED, Create, PairResult, Review
from reconciler.actions.waves import gate, parse_share, parse_waves, plan_waves
from reconciler.domain.model import Entity, Reason, Source
from reconciler.engine.plan import CreateGroup
from reconciler.errors import ConfigError


def entity(name: str, template: str | None) -> Entity:
    source = Source(f"desired/templates/{template}", row=name) if template else Source(f"desired/entities/{name}.yaml")
    return Entity(name, f"S{name}", None, None, (), source=source)  # type: ignore[arg-type]


def create(name: str, *markets: str) -> Create:
    return Create(name, CreateGroup("EU", markets, tuple(f"ID{m}" for m in markets), "t", "d"))


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
    return PairResult(name, "DE", outcome, "REG" if outcome == ACCEPTED else None, code, "why")


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


def test_the_first_wave_takes_one_row_of_each_template_then_fills_up_with_other_templates_and_files() -> None:
    # every entity sells in DE only: what brings a template into the first wave is the template itself
    names = ["a0", "a1", "b0", "b1", "s0", "s1"]
    entities = {n: entity(n, None if n.startswith("s") else f"{n[0]}.yaml.j2") for n in names}
    creates = [create(n, "DE") for n in names]
    waves = plan_waves(creates, entities, parse_waves("3,rest"))
    assert [[c.entity for c in w] for w in waves] == [["a0", "b0", "s0"], ["a1", "b1", "s1"]]
    waves = plan_waves(creates, entities, parse_waves("4"))
    assert [c.entity for c in waves[0]] == ["a0", "b0", "s0", "s1"]  # entity files are each their own
    waves = plan_waves(creates, entities, parse_waves("1"))
    assert [c.entity for c in waves[0]] == ["a0", "b0"]  # one row of each template, even past the size


@pytest.mark.parametrize("sizes, lengths", [("1,1%,rest", [1, 1, 4]), ("1,50%", [1, 3, 2]), ("2,2,2,2", [2, 2, 2]),
                                            ("1,100%", [1, 5])])
def test_wave_sizes_count_entities_or_a_share_of_all_rounded_up(sizes: str, lengths: list[int]) -> None:
    names = [f"e{i}" for i in range(6)]
    waves = plan_waves([create(n, "DE") for n in names], {n: entity(n, None) for n in names}, parse_waves(sizes))
    assert [len(w) for w in waves] == lengths
    assert [c.entity for w in waves for c in w] == names  # each entity once, in plan order


def test_a_share_rounds_up_to_whole_entities() -> None:
    names = [f"e{i:03d}" for i in range(101)]
    waves = plan_waves([create(n, "DE") for n in names], {n: entity(n, None) for n in names}, parse_waves("1,1%"))
    assert [len(w) for w in waves] == [1, 2, 98]  # 1% of 101 entities is 1.01: two


def test_an_entitys_calls_stay_together_in_one_wave() -> None:
    creates = [create("e0", "DE"), create("e1", "DE"), replace(create("e0", "US"), group=CreateGroup(
        "NA", ("US",), ("IDUS",), "t2", "d"))]
    waves = plan_waves(creates, {"e0": entity("e0", None), "e1": entity("e1", None)}, parse_waves("1"))
    assert [[(c.entity, c.group.region) for c in w] for w in waves] == [[("e0", "EU"), ("e0", "NA")], [("e1", "EU")]]


@pytest.mark.parametrize("text, sizes", [("100%,REST", ("100%", "rest")), ("rest", ("rest",))])
def test_a_share_of_all_and_rest_in_any_case(text: str, sizes: tuple[str, ...]) -> None:
    assert parse_waves(text) == sizes


@pytest.mark.parametrize("text", ["101%", "0%", "1,rest,2", "-1", "1.5"])
def test_a_share_past_100_percent_a_zero_and_rest_before_the_end_are_refused(text: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_waves(text)
    assert str(refused.value) == (f"--waves {text!r}: each wave is a count (5), a share of the entities (10%) or "
                                  "`rest` (last only), separated by commas, e.g. 1,10%,rest")


@pytest.mark.parametrize("text, share", [("100%", 1.0), (" 12.5% ", 0.125), ("0%", 0.0)])
def test_halt_on_reads_any_share_up_to_100_percent(text: str, share: float) -> None:
    assert parse_share(text) == share


@pytest.mark.parametrize("text", ["100.5%", "101%", "25", "%", "-5%"])
def test_halt_on_refuses_what_is_not_a_share(text: str) -> None:
    with pytest.raises(ConfigError, match=f"--halt-on '{re.escape(text)}': a share of the wave, e.g. 25%"):
        parse_share(text)


def test_a_passed_wave_says_how_many_entities_it_had() -> None:
    one = gate(1, [create("e0", "DE")], [result("e0")], [Review(result("e0"), "APPROVED")], 0.25)
    assert one.passed and one.line(0.25) == ("Gate: wave 1 passed: no reason code rejected more than 25% of its "
                                             "1 entity.")
    two = gate(3, [create("e0", "DE"), create("e1", "DE")], [result("e0"), result("e1")], [], 0.5)
    assert two.line(0.5) == "Gate: wave 3 passed: no reason code rejected more than 50% of its 2 entities."


def test_a_refused_create_counts_once_per_entity_for_its_code() -> None:
    wave = [create("e0", "DE", "FR"), create("e1", "DE")]
    refused = [result("e0", FAILED, "InvalidInput"), replace(result("e0", FAILED, "InvalidInput"), marketplace="FR"),
               result("e1")]
    verdict = gate(1, wave, refused, [], 0.25)
    assert (verdict.passed, verdict.code, verdict.count) == (False, "InvalidInput", 1)
    assert verdict.why == "InvalidInput rejected 1 of 2 entities (50%), more than --halt-on 25%"
    assert verdict.examples == (("e0", "DE", "why"),)
    assert gate(1, wave, refused, [], 0.5).passed  # 1 of 2 is not more than half
    both = gate(4, wave, [*refused[:2], result("e1", FAILED, "InvalidInput")], [], 0.25)
    assert both.line(0.25) == ("Gate: stopped after wave 4: InvalidInput rejected 2 of 2 entities (100%), more than "
                               "--halt-on 25%.")


def test_of_two_codes_over_the_share_the_gate_names_the_one_that_rejected_more() -> None:
    wave = [create(f"e{i}", "DE") for i in range(4)]
    results = [result(f"e{i}") for i in range(4)]
    codes = ["B_CODE", "B_CODE", "A_CODE", "B_CODE"]
    reviews = [Review(r, "REJECTED", (Reason(c, "no"),)) for r, c in zip(results, codes, strict=True)]
    verdict = gate(1, wave, results, reviews, 0.2)
    assert (verdict.code, verdict.count) == ("B_CODE", 3)
    tie = gate(1, wave, results, [Review(r, "REJECTED", (Reason(c, "no"),))
                                  for r, c in zip(results, ["B", "B", "A", "A"], strict=True)], 0.2)
    assert (tie.code, tie.count) == ("A", 2)  # equal counts: by code, so the verdict is the same every run
    one_entity = gate(1, [create("e0", "DE")], [result("e0")], [reviews[0]], 0.5)
    assert one_entity.why == "B_CODE rejected 1 of 1 entity (100%), more than --halt-on 50%"


@pytest.mark.parametrize("statuses, why", [
    (["SUBMITTED", "APPROVED"], "1 review of the wave not decided within the wait"),
    ([None, "IN_REVIEW"], "2 reviews of the wave not decided within the wait"),
])
def test_a_review_not_decided_or_not_read_stops_the_run_until_apply_runs_again(statuses, why) -> None:
    wave = [create("e0", "DE"), create("e1", "DE")]
    results = [result("e0"), result("e1")]
    verdict = gate(2, wave, results, [Review(r, s) for r, s in zip(results, statuses, strict=True)], 0.5)
    assert not verdict.passed and verdict.code is None and verdict.count == sum(s != "APPROVED" for s in statuses)
    assert verdict.line(0.5) == (f"Gate: stopped after wave 2: {why} (raise --wait-timeout, or run apply again "
                                 "later: it goes on from here).")


def test_a_run_stopping_error_names_its_code_message_and_the_entities_it_stopped() -> None:
    wave = [create("e0", "DE"), create("e1", "DE"), create("e2", "DE")]
    stopped = [replace(result(n, FAILED, "BreakerOpen"), stopped=True, message="5 calls in a row failed")
               for n in ("e1", "e2")]
    verdict = gate(1, wave, [result("e0"), *stopped], [], 0.9)
    assert (verdict.passed, verdict.code, verdict.count, verdict.entities) == (False, "BreakerOpen", 2, 3)
    assert verdict.line(0.9) == "Gate: stopped after wave 1: BreakerOpen: 5 calls in a row failed (an error that " \
                                "stops a run)."
    assert verdict.examples == (("e1", "DE", "5 calls in a row failed"),)
