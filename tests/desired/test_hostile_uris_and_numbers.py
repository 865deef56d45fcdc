"""Document uris that try to leave the repository or run code, and digit strings that
YAML 1.1 and YAML 1.2 read differently: each one located error, never a silent accept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.desired.loader import load_desired, load_entity
from reconciler.errors import DesiredStateError
from tests import FIXTURES

VALID = (FIXTURES / "valid.yaml").read_text()
URI = "docs/acme/license.pdf"


def with_uri(uri: str) -> str:
    return VALID.replace(f"uri: {URI},", f"uri: {uri!r},".replace("'", '"') if '"' not in uri else f"uri: {uri},")


def uri_problems(uri: str) -> list[str]:
    entity, problems = load_entity(with_uri(uri), "valid.yaml", "valid")
    return [f"{p.key}: {p.message}" for p in problems]


@pytest.mark.parametrize("uri", ["%2e%2e/%2e%2e/etc/passwd", "docs/%2E%2E/%2e%2e/x.pdf", "%252e%252e/x.pdf",
                                 "docs/..%2f..%2fx.pdf", "..%5c..%5cx.pdf"])
def test_percent_encoded_traversal_is_refused(uri):
    assert uri_problems(uri) == ["spec.businessRegistration.document.uri: escapes the repository (..); "
                                 "use a path inside it"]


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "JavaScript:x",
                                 "vbscript:x", "mailto:a@b.c", "ftp://host/x.pdf", "//evil.example/x.pdf",
                                 "%6aavascript:alert(1)"])
def test_only_https_and_s3_urls_are_allowed(uri):
    assert uri_problems(uri) == ["spec.businessRegistration.document.uri: must be a relative path inside the "
                                 "repository, or an https:// or s3:// URL"]


@pytest.mark.parametrize("uri", ["https://docs.example.com/x.pdf", "s3://bucket/x.pdf", "docs/a%20b.pdf",
                                 "docs/../docs/x.pdf"])
def test_good_uris_still_load(uri):
    assert uri_problems(uri) == []


def tree_with_link(tmp_path: Path, target: Path) -> Path:
    desired = tmp_path / "repo" / "desired"
    (desired / "entities").mkdir(parents=True)
    (desired / "entities" / "valid.yaml").write_text(with_uri("docs/outside/license.pdf"))
    (tmp_path / "repo" / "docs").mkdir()
    os.symlink(target, tmp_path / "repo" / "docs" / "outside")
    return desired


def test_a_path_that_leaves_the_repository_through_a_symlink_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    desired = tree_with_link(tmp_path, elsewhere)
    with pytest.raises(DesiredStateError) as caught:
        load_desired(desired)
    [problem] = caught.value.problems
    assert problem.key == "spec.businessRegistration.document.uri"
    assert problem.message == "leaves the repository through a symbolic link; use a path inside it"


def test_a_symlink_that_stays_inside_the_repository_is_fine(tmp_path):
    desired = tree_with_link(tmp_path, tmp_path / "repo" / "desired")
    assert [e.name for e in load_desired(desired).entities] == ["valid"]


@pytest.mark.parametrize("written, line_col", [("0913301002", "13:13"), ("012", "13:13"), ("-0123", "13:13")])
def test_a_leading_zero_digit_string_must_be_quoted(written, line_col):
    text = VALID.replace('number: "91440300MA5EXAMPLA"', f"number: {written}")
    entity, problems = load_entity(text, "valid.yaml", "valid")
    shown = "*" * (len(written) - 4) + written[-4:] if len(written) > 4 else "*" * len(written)
    assert [f"{p.line}:{p.column}: {p.key}: {p.message}" for p in problems] == [
        f"{line_col}: spec.businessRegistration.number: {shown} has a leading zero: YAML 1.1 reads it as text "
        f'or octal, YAML 1.2 as a number without the zero; quote it ("{shown}")']
    assert written not in str(problems) or len(written) <= 4


def test_a_quoted_leading_zero_string_is_kept():
    text = VALID.replace('number: "91440300MA5EXAMPLA"', 'number: "0913301002"')
    entity, problems = load_entity(text, "valid.yaml", "valid")
    assert problems == [] and entity.submission.business_registration.number == "0913301002"


def test_import_quotes_leading_zero_strings():
    from reconciler.render.yamltext import scalar
    assert scalar("0913301002") == '"0913301002"'


@pytest.mark.parametrize("line", ['  sellerId: "A3EXAMPLEACME01\\n"', "  sellerId: |\n    A3EXAMPLEACME01"])
def test_a_value_with_a_trailing_newline_does_not_match_a_pattern(line):
    """Python's `$` matches before a final newline, ECMA-262's (JSON Schema's) does not."""
    text = VALID.replace("  sellerId: A3EXAMPLEACME01", line)
    entity, problems = load_entity(text, "valid.yaml", "valid")
    assert entity is None
    assert [f"{p.line}: {p.key}" for p in problems] == ["7: spec.sellerId"]
    assert "violates the schema" not in problems[0].message  # worded by the explaining validator


def test_non_ascii_digits_do_not_match_0_to_9():
    from reconciler.desired.schema import ecma_regex
    assert ecma_regex(r"^\d+$").search("١٢٣") is None and ecma_regex(r"^\d+$").search("123")
    assert ecma_regex(r"^[$]$").search("$") and ecma_regex(r"^a\$$").search("a$")


def test_a_rejection_the_explaining_validator_misses_is_still_reported(monkeypatch):
    import jsonschema

    from reconciler.desired import schema
    monkeypatch.setattr(schema, "_validator", lambda name: jsonschema.Draft202012Validator({}))
    text = VALID.replace("  sellerId: A3EXAMPLEACME01", "  sellerId: a-b")
    entity, problems = load_entity(text, "valid.yaml", "valid")
    assert entity is None
    assert [f"{p.line}: {p.key}: {p.message}" for p in problems] == [
        "7: spec.sellerId: violates the schema (the value is not shown)"]
