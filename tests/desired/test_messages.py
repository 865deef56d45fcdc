"""Messages that teach: patterns in words, YAML errors in plain words, did-you-mean for keys,
marketplaces and countries (GB->UK as a marketplace, UK->GB as a country)."""

from __future__ import annotations

import json

import pytest

from reconciler.desired.loader import load_entity
from reconciler.desired.schema import PATTERN_WORDS
from reconciler.desired.yamlsource import parse
from tests import FIXTURES, REPO

VALID = (FIXTURES / "valid.yaml").read_text()


def messages(text: str) -> list[str]:
    _, problems = load_entity(text, "valid.yaml", "valid")
    return [f"{p.line}:{p.column}: {p.key}: {p.message}" for p in problems]


def _patterns(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_patterns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_patterns(v) for v in node))
    return set()


def test_every_pattern_of_the_schemas_is_explained_in_words_with_an_example() -> None:
    for name in ("entity", "settings"):
        patterns = _patterns(json.loads((REPO / "schemas" / f"{name}.schema.json").read_text()))
        assert patterns <= set(PATTERN_WORDS), patterns - set(PATTERN_WORDS)
    assert all(", like " in words or "sha256sum" in words for words in PATTERN_WORDS.values())


def test_a_pattern_message_never_shows_the_regex() -> None:
    text = VALID.replace("country: CN", "country: cn", 1)
    (msg,) = [m for m in messages(text) if "businessRegistration.country" in m]
    assert msg.endswith("must be a two-letter code in upper case, like DE") and "^" not in msg


def test_uk_is_not_a_country_and_the_message_says_gb() -> None:
    text = VALID.replace("country: CN", "country: UK", 1)
    (msg,) = messages(text)
    assert msg.endswith("spec.businessRegistration.country: UK is not an ISO 3166-1 country code; did you mean "
                        "'GB'? (UK is the marketplace; the country is GB)")


def test_gb_is_not_a_marketplace_and_the_message_says_uk() -> None:
    text = VALID.replace("[US, CA, DE, FR, JP]", "[US, GB]")
    (msg,) = messages(text)
    assert "unknown marketplace 'GB'; did you mean 'UK'?" in msg


def test_an_unknown_key_gets_a_did_you_mean() -> None:
    text = VALID.replace("legalEntityName:", "legalEntityNmae:", 1)
    assert any("spec.legalEntityNmae: unknown key; did you mean 'legalEntityName'?" in m for m in messages(text))


@pytest.mark.parametrize("text, line, words", [
    ("a: b: c\n", 1, "a second ':' on this line"),
    ("a:\n\tb: 1\n", 2, "a tab character: YAML indents with spaces only"),
    ("a: 1\nb: 'open\n", 2, "a quote that is never closed"),
    ("a: {b: 1\n", 1, "a { … } mapping that is not closed"),
    ("a: 1\nb\nc: 2\n", 3, "is a ':' missing on the line before?"),
    ("a:\n  - 1\n  b: 2\n", 3, "the indentation is off here"),
])
def test_yaml_syntax_errors_are_explained_in_plain_words_at_their_line(text: str, line: int, words: str) -> None:
    _, (problem,) = parse(text, "x.yaml")
    assert problem.line == line and words in problem.message, problem
    assert "while parsing" not in problem.message and "scanning" not in problem.message
