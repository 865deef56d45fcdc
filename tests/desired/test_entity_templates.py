"""Templates: one file, many entities; rendering is sandboxed and strict."""

from __future__ import annotations

import pytest

from reconciler.desired import entity_templates
from reconciler.desired.loader import SourceFile, load
from reconciler.errors import DesiredStateError
from tests import REPO

ATLAS = (REPO / "desired" / "templates" / "atlas.yaml.j2").read_text()


def template_file(text: str) -> SourceFile:
    return SourceFile("d/templates/t.yaml.j2", "templates/t.yaml.j2", text)


def test_each_row_becomes_an_entity_named_by_the_row() -> None:
    state = load([template_file(ATLAS)])
    assert [(e.name, e.seller_id, e.marketplaces) for e in state.entities] == [
        ("atlas-ie", "A6ATLAS000IE", ("IE", "NL")), ("atlas-uk", "A5ATLAS000UK", ("UK", "JP"))]
    uk = state.entities[1]
    assert (uk.source.path, uk.source.row) == ("d/templates/t.yaml.j2", "atlas-uk")  # typed, never parsed back
    assert uk.source.label == "d/templates/t.yaml.j2 (row atlas-uk)"
    assert uk.submission.business_registration.number == "09876543"  # leading zero kept
    assert uk.credentials.default.name == "ACORN_ATLAS_UK_REFRESH_TOKEN"


def test_undefined_variable_is_an_error_naming_template_and_row() -> None:
    text = ATLAS.replace("{{ sellerId }}", "{{ seller_id }}")
    with pytest.raises(DesiredStateError) as caught:
        load([template_file(text)])
    first = caught.value.problems[0]
    assert (first.path, first.row) == ("d/templates/t.yaml.j2", "atlas-uk")  # rows[0]: in file order
    assert str(first).startswith("d/templates/t.yaml.j2 (row atlas-uk):5:5: rows[0]:")
    assert first.message == "template: 'seller_id' is undefined"


def test_rendered_document_errors_point_into_the_template() -> None:
    text = ATLAS.replace("    idDocument: {type: passport", "    idDocument: {type: driving_licence")
    with pytest.raises(DesiredStateError) as caught:
        load([template_file(text)])
    lines = ATLAS.splitlines()
    expected_line = next(i for i, text in enumerate(lines, 1) if "idDocument: {type: passport" in text)
    assert {(p.line, p.key) for p in caught.value.problems} == {
        (expected_line, "spec.legalRepresentative.idDocument.type")}


@pytest.mark.parametrize("body", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ row.__class__.__init__.__globals__ }}",
    "{% include '/etc/passwd' %}",
])
def test_rendering_cannot_reach_python_internals_or_files(body: str) -> None:
    rendered, problems = entity_templates.render("t.yaml.j2", "rows:\n  - {name: x}\n---\n" + body + "\n")
    assert rendered == []
    assert len(problems) == 1 and problems[0].message.startswith("template:")


def test_template_without_separator_or_rows_is_explained() -> None:
    _, problems = entity_templates.render("t.yaml.j2", "apiVersion: acorn/v1\n")
    assert problems[0].message == "a template needs a YAML header with rows:, a line ---, then the body"
    _, problems = entity_templates.render("t.yaml.j2", "rows: []\n---\nx: 1\n")
    assert (problems[0].key, problems[0].message) == ("rows", "must be a non-empty list of mappings")


@pytest.mark.parametrize("body, error", [
    ("{{ 1/0 }}", "ZeroDivisionError"),
    ("{{ '%s' % (1, 2) }}", "TypeError"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "RecursionError"),
])
def test_errors_of_the_template_body_are_problems_of_the_row(body: str, error: str) -> None:
    rendered, problems = entity_templates.render("t.yaml.j2", "rows:\n  - {name: x}\n---\n" + body + "\n")
    assert rendered == [] and len(problems) == 1
    assert problems[0].label == "t.yaml.j2 (row x)" and problems[0].message.startswith(f"template: {error}")
