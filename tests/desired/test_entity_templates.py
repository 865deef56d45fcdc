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


def render(text: str) -> tuple[list[tuple[str, str, int]], list[str]]:
    rendered, problems = entity_templates.render("t.yaml.j2", text)
    return [(r.name, r.text, r.line_offset) for r in rendered], [str(p) for p in problems]


def test_a_row_without_a_name_and_an_unknown_header_key_are_said_and_the_other_rows_render() -> None:
    text = "rows:\n  - name: a\n  - {x: 1}\n  - name: 5\n  - name: c\nextra: 1\n---\nname: {{ name }}\n"
    assert render(text) == ([("a", "name: a\n", 7), ("c", "name: c\n", 7)], [
        "t.yaml.j2:6:1: extra: unknown key (allowed: rows)",
        "t.yaml.j2:3:5: rows[1].name: each row needs a string name",
        "t.yaml.j2:4:5: rows[2].name: each row needs a string name"])


def test_a_syntax_error_of_the_body_is_at_its_line_of_the_file() -> None:
    assert render("rows:\n  - name: a\n---\n\n{% for %}\n") == (
        [], ["t.yaml.j2:5:1: (template): Expected an expression, got 'end of statement block'"])


def test_the_header_is_read_as_any_yaml_file_is() -> None:
    assert render("rows: [a: 1\n---\nx\n")[1] == [
        "t.yaml.j2:1:7: (yaml): a [ … ] list that is not closed, or lacks a comma between items"]
    assert render("- 1\n---\nx\n")[1] == ["t.yaml.j2:1:1: (document): the top level must be a mapping"]
    assert render("rows:\n  - name: a\n    5: x\n---\n{{ name }}\n")[1] == [
        't.yaml.j2:3:5: rows[0]: a key must be text, not the number 5: quote it ("5")']
    assert render("rows:\r\n  - name: a\r\n---\r\nk: {{ name }}\r\n")[0] == [("a", "k: a\n", 3)]  # CRLF lines


def test_a_limit_one_row_meets_stops_that_row_only() -> None:
    text = "rows:\n  - name: a\n  - name: b\n---\n{% if name == 'a' %}{{ 'x' * 10**20 }}{% endif %}ok {{ row.name }}\n"
    assert render(text) == ([("b", "ok b\n", 4)], [
        "t.yaml.j2 (row a):2:5: rows[0]: template: stopped: a value longer than 1,000,000 characters or items "
        "(templates have limits on work)"])


def test_a_template_error_shows_no_token_it_was_given() -> None:
    text = "rows:\n  - name: a\n---\n{{ '{0:Atzr|IwEBIsecretsecret}'.format(1) }}\n"
    assert render(text)[1] == [
        "t.yaml.j2 (row a):2:5: rows[0]: template: ValueError: Invalid format specifier '***' for object of type 'int'"]


def test_a_token_pasted_inside_an_expression_is_not_shown_in_pieces() -> None:
    """Jinja reads `{{ Atzr|IwEB… }}` as a name and a filter, and names the filter in its error."""
    text = "rows:\n  - name: a\n---\nname: {{ Atzr|IwEBIsecretsecret }}\n"
    assert render(text)[1] == ["t.yaml.j2:4:1: (template): No filter named '***'."]
    text = "rows:\n  - name: a\n---\nname: {{ Atzr|IwEBIsecretsecret-after(x) }}\n"
    assert "secret" not in " ".join(render(text)[1])
