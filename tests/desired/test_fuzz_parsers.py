"""Fuzz the desired layer's parsers (entity YAML, templates, acorn.yaml, settings overrides):
whatever the text, the answer is a value or located problems, never another exception."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from reconciler.desired import entity_templates
from reconciler.desired.loader import load_entity
from reconciler.desired.settings import parse_settings, resolve_settings
from reconciler.errors import ConfigError, DesiredStateError
from tests import FIXTURES
from tests.fuzzing import JSON, NASTY, TEXT, fuzz

VALID = (FIXTURES / "valid.yaml").read_text()
LINES = VALID.splitlines(keepends=True)


def check_problems(problems) -> None:
    for p in problems:
        assert p.line >= 1 and p.column >= 1
        assert "\n" not in str(p) and "\x1b" not in str(p)


@given(TEXT)
@fuzz(150)
def test_any_text_is_an_entity_or_problems(text):
    entity, problems = load_entity(text, "x.yaml", "x")
    assert (entity is None) == bool(problems)
    check_problems(problems)


@given(st.integers(0, len(LINES) - 1), NASTY, st.integers(0, 40))
@fuzz(150)
def test_a_valid_entity_with_one_line_mangled(i, insert, at):
    lines = list(LINES)
    lines[i] = lines[i][:at] + insert + lines[i][at:]
    entity, problems = load_entity("".join(lines), "valid.yaml", "valid")
    assert (entity is None) == bool(problems)
    check_problems(problems)


@given(JSON)
@fuzz(100)
def test_any_yaml_data_is_an_entity_or_problems(data):
    entity, problems = load_entity(yaml.safe_dump({"apiVersion": "acorn/v1", "kind": "Entity", "spec": data}),
                                   "x.yaml", "x")
    assert entity is None and problems
    check_problems(problems)


@given(TEXT, TEXT)
@fuzz(100)
def test_any_template_renders_or_has_problems(header, body):
    rendered, problems = entity_templates.render("t.yaml.j2", f"rows:\n  - name: a\n{header}\n---\n{body}")
    check_problems(problems)


@given(TEXT)
@fuzz(150)
def test_any_settings_text_is_settings_or_problems(text):
    try:
        parse_settings(text, "acorn.yaml")
    except DesiredStateError as exc:
        check_problems(exc.problems)


@given(st.one_of(TEXT, st.sampled_from(["http://", "https://[::1", "http://h:99999", "http://10.0.0.1",
                                          "https://h:0", "embedded", "regional"])), TEXT,
       st.sampled_from([None, "sandbox", "production", "staging"]))
@fuzz(150)
def test_any_endpoint_and_environment_resolve_or_are_a_config_error(endpoint, lwa, environment):
    try:
        file = parse_settings(yaml.safe_dump({"lwa": {"endpoint": lwa}}), "acorn.yaml")
        resolve_settings(file, {"ACORN_ENDPOINT": endpoint}, environment=environment)
    except (ConfigError, DesiredStateError):
        pass
