"""Schema messages, whole: each JSON Schema keyword a file can break is said in words, at the
line and column of the value (or of the parent's key, for a key that is missing), and never
echoes a value that could be a secret."""

from __future__ import annotations

import pytest

from reconciler.desired import schema, yamlsource
from tests import FIXTURES

VALID = (FIXTURES / "valid.yaml").read_text()
TOKEN = "refreshToken: {env: ACORN_ACME_SZ_REFRESH_TOKEN}"


def problems(text: str, name: str = "entity", source: str = "e.yaml") -> list[str]:
    doc, parse_problems = yamlsource.parse(text, source)
    assert doc is not None, parse_problems
    return [str(p) for p in schema.check(doc, source, name)]


def test_a_valid_file_has_no_problem() -> None:
    assert problems(VALID) == []
    assert problems("concurrency: 4\n", "settings", "acorn.yaml") == []


@pytest.mark.parametrize("old, new, said", [
    ("acorn/v1", "acorn/v2", 'e.yaml:1:13: apiVersion: must be "acorn/v1"'),
    ("kind: Entity", "kind: [Entity]", 'e.yaml:2:7: kind: must be "Entity"'),
    ("  legalEntityName: Shenzhen Acme Trading Co., Ltd.\n", "",
     "e.yaml:6:1: spec.legalEntityName: required key is missing"),
    ("legalEntityName: Shenzhen Acme Trading Co., Ltd.", "legalEntityName: ''",
     "e.yaml:8:20: spec.legalEntityName: must be at least 1 characters long"),
    ("labels: {brand: acme}", "labels: {'-x': acme}",
     "e.yaml:5:11: metadata.labels: every key name here must be letters, digits and . _ / -, starting and ending "
     "with a letter or digit, like team or acme.com/brand"),
    ("type: passport", "type: visa", 'e.yaml:17:24: spec.legalRepresentative.idDocument.type: must be "passport" '
                                     'or "national_id"'),
    ("marketplaces: [US, CA, DE, FR, JP]", "marketplaces: []",
     "e.yaml:26:17: spec.marketplaces: must have at least 1 item(s)"),
    (TOKEN, "refreshToken: {env: A, file: b}",
     "e.yaml:10:19: spec.credentials.refreshToken: must have exactly 1 of: aws or env or file"),
    (TOKEN, "refreshToken: {}", "e.yaml:10:19: spec.credentials.refreshToken: must have exactly 1 of: aws or env "
                                "or file"),
    (TOKEN, "refreshToken: {EU: {}, NA: {env: A}}",
     "e.yaml:10:24: spec.credentials.refreshToken.EU: must have exactly 1 of: env or file or aws"),
    (TOKEN, "refreshToken: 5", "e.yaml:10:19: spec.credentials.refreshToken: must be a mapping, not a number"),
    (TOKEN, "refreshToken: {env: 'a b'}",
     "e.yaml:10:25: spec.credentials.refreshToken.env: must be an environment variable name: letters, digits and "
     "_, not starting with a digit, like ACORN_ACME_DE_REFRESH_TOKEN"),
    ('number: "91440300MA5EXAMPLA"', "number: 914403001234",
     'e.yaml:13:13: spec.businessRegistration.number: must be a string, but YAML reads ********1234 as a number: '
     'quote it ("********1234") so nothing is lost'),
    ("legalEntityName: Shenzhen Acme Trading Co., Ltd.", "legalEntityName: 12.5",
     'e.yaml:8:20: spec.legalEntityName: must be a string, but YAML reads 12.5 as a number: quote it ("12.5") '
     "so nothing is lost"),
    ("name: Li Wei", "name: true", "e.yaml:16:11: spec.legalRepresentative.name: must be a string, not a boolean"),
    ("name: Li Wei", "name: [Li]", "e.yaml:16:11: spec.legalRepresentative.name: must be a string, not a list"),
    ("name: Li Wei", "name:", "e.yaml:16:10: spec.legalRepresentative.name: must be a string, not empty"),
    ("name: valid", "name: " + "a" * 70,
     "e.yaml:4:9: metadata.name: must be lower-case letters, digits and '-', starting and ending with a letter or "
     "digit, at most 63 characters, like acme-de"),
])
def test_each_kind_of_schema_violation_is_said_in_words_at_its_place(old: str, new: str, said: str) -> None:
    assert old in VALID
    assert problems(VALID.replace(old, new, 1)) == [said]


def test_a_value_too_long_is_said_with_the_bound() -> None:
    text = VALID.replace(TOKEN, "refreshToken: {aws: {secretId: " + "a" * 2049 + "}}")
    assert problems(text) == [
        "e.yaml:10:36: spec.credentials.refreshToken.aws.secretId: must be at most 2048 characters long"]


def test_a_key_the_schema_does_not_know_is_named_with_what_is_allowed() -> None:
    assert problems("lwa: {clientID: {env: X}}\n", "settings", "acorn.yaml") == [
        "acorn.yaml:1:7: lwa.clientID: unknown key; did you mean 'clientId' or 'clientSecret'? "
        "(allowed: clientId, clientSecret, clientSecretRotatedOn, endpoint)"]


def test_an_acknowledgement_needs_a_reason_in_words() -> None:
    text = VALID + "  acknowledgements:\n    - {code: TAX_X_Y, marketplace: DE, reason: ab}\n"
    assert problems(text) == ["e.yaml:28:48: spec.acknowledgements[0].reason: must be at least 3 characters long"]


@pytest.mark.parametrize("text, said", [
    ("concurrency: 0\n", "acorn.yaml:1:14: concurrency: must be at least 1"),
    ("concurrency: 300\n", "acorn.yaml:1:14: concurrency: must be at most 256"),
    ("concurrency: 2.5\n", "acorn.yaml:1:14: concurrency: must be a whole number, not a number"),
    ("throttleBudgetSeconds: true\n", "acorn.yaml:1:24: throttleBudgetSeconds: must be a number, not a boolean"),
    ("environment: prod\n", 'acorn.yaml:1:14: environment: must be "sandbox" or "production"'),
    ("lwa: []\n", "acorn.yaml:1:6: lwa: must be a mapping, not a list"),
    ("waves: {sizes: 'x'}\n", "acorn.yaml:1:16: waves.sizes: must be waves separated by commas, each a count, a "
                             "share or rest, like 1,10%,rest"),
    ("waves: {haltOn: '25'}\n", "acorn.yaml:1:17: waves.haltOn: must be a share of a wave, like 25%"),
])
def test_settings_violations_are_said_in_words(text: str, said: str) -> None:
    assert problems(text, "settings", "acorn.yaml") == [said]


def test_a_region_map_with_a_wrong_region_says_each_thing_wrong() -> None:
    text = VALID.replace(TOKEN, "refreshToken: {EU: {env: 1}, XX: {env: A}}")
    assert sorted(problems(text)) == [
        "e.yaml:10:19: spec.credentials.refreshToken: every key name here must be \"NA\" or \"EU\" or \"FE\"",
        "e.yaml:10:30: spec.credentials.refreshToken.EU.env: must be a string, but YAML reads 1 as a number: "
        'quote it ("1") so nothing is lost',
        "e.yaml:10:34: spec.credentials.refreshToken.XX: unknown key (allowed: EU, FE, NA)"]


def test_paths_under_skip_are_left_to_the_caller() -> None:
    text = VALID.replace("type: passport", "type: visa").replace("marketplaces: [US, CA, DE, FR, JP]",
                                                                 "marketplaces: []")
    doc, _ = yamlsource.parse(text, "e.yaml")
    assert doc is not None
    found = schema.check(doc, "e.yaml", "entity", skip=frozenset({("spec", "legalRepresentative")}))
    assert [p.key for p in found] == ["spec.marketplaces"]
    found = schema.check(doc, "e.yaml", "entity", skip=frozenset({("spec", "marketplaces")}))
    assert [p.key for p in found] == ["spec.legalRepresentative.idDocument.type"]


def test_the_seller_id_rule_is_the_schemas_own() -> None:
    pattern, words = schema.seller_id_rule()
    assert pattern.fullmatch("A3EXAMPLEACME01") and not pattern.search("A3EXAMPLEACME01\n")
    assert not pattern.search("a3examplea") and not pattern.search("A3EXA")
    assert words == "must be 10 to 20 upper-case letters and digits, like A3EXAMPLEACME01"


@pytest.mark.parametrize("pattern, text, matches", [
    ("^[A-Z]{2}$", "DE", True),
    ("^[A-Z]{2}$", "DE\n", False),       # `$` is the end of the text, as ECMA-262 says
    ("^a[$]b$", "a$b", True),           # a `$` inside a class is a dollar sign
    (r"^a\$$", "a$", True),             # an escaped `$` too
    (r"^\d$", "٣", False),              # \d is 0-9 only (ASCII)
])
def test_patterns_mean_what_json_schema_says(pattern: str, text: str, matches: bool) -> None:
    assert bool(schema.ecma_regex(pattern).search(text)) is matches


@pytest.mark.parametrize("mixed", ["env: X", "file: /run/x", "aws: {secretId: x}"])
def test_a_reference_mixed_with_regions_is_explained_as_a_reference(mixed: str) -> None:
    """`{env: X, EU: …}`: the writer meant one reference (it names env, file or aws), so the
    message explains that form, not the map by region."""
    text = VALID.replace(TOKEN, f"refreshToken: {{{mixed}, EU: {{env: Y}}}}")
    said = problems(text)
    assert "e.yaml:10:19: spec.credentials.refreshToken: must have exactly 1 of: aws or env or file" in said
    assert any("refreshToken.EU: unknown key (allowed: aws, env, file)" in s for s in said), said


def _types(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["type"]} if isinstance(node.get("type"), str) else set()
        return found.union(*(_types(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_types(v) for v in node))
    return set()


def test_every_type_the_schemas_name_is_said_in_words() -> None:
    for name in ("entity", "settings"):
        assert _types(schema.schema(name)) <= set(schema._WANTED)


def test_a_literal_secret_left_to_its_own_message_does_not_hide_the_next_unknown_key() -> None:
    """The loader skips the paths of literal secrets (they get their own message, unechoed); an
    unknown key written after one is still said."""
    token = "Atzr|IwEBIsecretsecretsecret"
    text = VALID.replace("  legalEntityName:", f"  {token}: x\n  legalEntityNmae: y\n  legalEntityName:", 1)
    doc, _ = yamlsource.parse(text, "e.yaml")
    assert doc is not None
    found = schema.check(doc, "e.yaml", "entity", skip=frozenset({("spec", token)}))
    assert [str(p) for p in found] == [
        "e.yaml:9:3: spec.legalEntityNmae: unknown key; did you mean 'legalEntityName'? (allowed: acknowledgements, "
        "businessRegistration, credentials, documents, legalEntityName, legalRepresentative, marketplaces, sellerId, "
        "taxRegistrations)"]
