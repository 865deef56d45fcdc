"""What the YAML reader says about a file, whole: each refusal at its line and column with the
key it is about, syntax errors in plain words, and the positions later checks point at."""

from __future__ import annotations

import pytest

from reconciler.desired.yamlsource import Document, dotted, parse

LEADING_ZERO = "has a leading zero: YAML 1.1 reads it as text or octal, YAML 1.2 as a number without the zero"


@pytest.mark.parametrize("text, said", [
    ("a: *x\n", "1:4: (yaml): an alias (*name) that no anchor (&name) defines above it"),
    ("a: 1\n b: 2\n", "2:3: (yaml): a second ':' on this line: a value that holds ': ' must be quoted (\"a: b\"), "
                      "or a key is indented under a plain value"),
    ("a:\n\tb: 1\n", "2:1: (yaml): a tab character: YAML indents with spaces only"),
    ("a: 1\nb\nc: 2\n", "3:1: (yaml): a line that is neither 'key: value' nor a list item: is a ':' missing on the "
                       "line before?"),
    ("%FOO\na: 1\n", "1:5: (yaml): this is not valid YAML (while scanning a directive found unknown directive name)"),
    ('a: "C:\\q"\n', "1:7: (yaml): this is not valid YAML (while parsing a quoted scalar found unknown escape "
                    "character)"),
    ("a: 1\n---\nb: 2\n", "2:1: (yaml): more than one YAML document (a line ---): an entity file holds one"),
    ("a: @b\n", "1:4: (yaml): a value cannot start with '@': quote the value"),
    ("a: %x\n", "1:4: (yaml): a value cannot start with '%': quote the value"),
    ("a:\n  - [1\n", "2:5: (yaml): a [ … ] list that is not closed, or lacks a comma between items"),
    ("a: [1, {b: 2]\n", "1:8: (yaml): a { … } mapping that is not closed, or lacks a comma between keys"),
    ('a: "x\ny: 1\n', "1:4: (yaml): a quote that is never closed: end the value with the same quote it starts with"),
    ("a: b\n- c\n", "2:1: (yaml): the indentation is off here: this line is not aligned with the keys or list "
                   "items above it"),
    ('"a"\n b: 2\n', "2:2: (yaml): this is not valid YAML (did not find expected <document start>)"),
    ("a: !!int 0x1g\n", "1:1: (yaml): invalid literal for int() with base 16: '1g'"),
    ("? [a]\n: 1\n", "1:3: (document): a mapping key must be a plain scalar"),
    ("a: 1\nb:\n  c: 2\n  c: 3\n", "4:3: b.c: duplicate key (first written at line 3)"),
    ("- 1\n", "1:1: (document): the top level must be a mapping"),
    ("a: !!binary aGk=\n", "1:4: a: tag !!binary is not allowed; use plain YAML data"),
    ("a: [!custom x]\n", "1:5: a[0]: tag !custom is not allowed; use plain YAML data"),
    ("a: !!set {x}\n", "1:4: a: tag !!set is not allowed; use plain YAML data"),
    ("a:\n  <<: {b: 1}\n", "2:3: a: merge keys (<<) are not allowed; write the keys out"),
    ("a:\n  1.5: x\n", '2:3: a: a key must be text, not the number 1.5: quote it ("1.5")'),
    ("a: 007\n", f'1:4: a: 007 {LEADING_ZERO}; quote it ("007")'),
    ("a: [-0_1]\n", f'1:5: a[0]: -0_1 {LEADING_ZERO}; quote it ("-0_1")'),
    ("number: 0012345678\n", f'1:9: number: ******5678 {LEADING_ZERO}; quote it ("******5678")'),
    ("0123: x\n", f'1:1: (document): 0123 {LEADING_ZERO}; quote it ("0123")'),
    ("a: " + "[" * 70 + "]" * 70 + "\n", "1:68: a" + "[0]" * 64 + ": nesting deeper than 64 levels"),
])
def test_each_refusal_is_said_at_its_place(text: str, said: str) -> None:
    doc, problems = parse(text, "f.yaml")
    assert doc is None and [str(p) for p in problems] == [f"f.yaml:{said}"]


def test_a_file_with_nothing_in_it() -> None:
    for text in ("", "# note\n", "~\n", "null\n", "---\n"):
        doc, problems = parse(text, "acorn.yaml", empty_ok=True)
        assert problems == [] and doc is not None and doc.data == {}
    for text in ("", "# note\n"):
        assert [str(p) for p in parse(text, "e.yaml")[1]] == ["e.yaml:1:1: (document): the file is empty"]
    assert [str(p) for p in parse("~\n", "e.yaml")[1]] == ["e.yaml:1:1: (document): the top level must be a mapping"]
    # a scalar that is not null is no empty file, even where an empty one is fine
    assert [str(p) for p in parse("x\n", "acorn.yaml", empty_ok=True)[1]] == [
        "acorn.yaml:1:1: (document): the top level must be a mapping"]


def test_values_are_plain_data_as_written() -> None:
    doc, problems = parse("on: 1\nnull: 2\nyes: 1.5\nd: 2026-01-01\nq: '007'\nz: 0\nn: 1_0\nb: true\nl: [x]\n",
                          "f.yaml")
    assert problems == [] and doc is not None
    assert doc.data == {"on": 1, "null": 2, "yes": 1.5, "d": "2026-01-01", "q": "007", "z": 0, "n": 10, "b": True,
                        "l": ["x"]}
    # numbers keep how they were written, for messages that must quote them
    written = {(k,): doc.written_number((k,)) for k in doc.data}
    assert {k: v for k, v in written.items() if v is not None} == {
        ("on",): "1", ("null",): "2", ("yes",): "1.5", ("z",): "0", ("n",): "1_0"}
    assert doc.written_number(("l", 0)) is None and doc.written_number(("missing",)) is None


def test_an_alias_repeats_a_value_and_keeps_its_positions() -> None:
    doc, problems = parse("a: &x [1, 2]\nb: *x\n", "f.yaml")
    assert problems == [] and doc is not None and doc.data == {"a": [1, 2], "b": [1, 2]}
    assert doc.where(("b",)) == (1, 4) and doc.where(("b", 1)) == (1, 11)  # where the anchored value is written


def test_positions_point_at_values_keys_and_the_nearest_written_parent() -> None:
    doc, _ = parse("a: {b: [x, {c: 1}]}\nd: 2\n", "f.yaml")
    assert doc is not None
    values = [("a",), ("a", "b"), ("a", "b", 1), ("a", "b", 1, "c"), ("d",)]
    assert [doc.where(p) for p in values] == [(1, 4), (1, 8), (1, 12), (1, 16), (2, 4)]
    assert [doc.where(p, key=True) for p in values] == [(1, 1), (1, 5), (1, 12), (1, 13), (2, 1)]
    # a key that is not written: its nearest written parent's key (a list item: the item)
    assert [doc.where(p) for p in [("a", "b", 1, "zz"), ("a", "b", 5), ("a", "zz", "y"), ("zz",), ()]] == \
        [(1, 12), (1, 5), (1, 1), (1, 1), (1, 1)]
    indented, _ = parse("# top\n\nk:\n  v: 1\n", "f.yaml")
    assert indented is not None and indented.where(("zz",)) == (3, 1) and indented.where(("k", "zz")) == (3, 1)
    assert Document({}).where(("a",)) == (1, 1)


def test_a_path_is_shown_dotted_with_list_indexes_and_tokens_masked() -> None:
    assert dotted(()) == "(document)"
    assert dotted(("spec", "taxRegistrations", 0, "number")) == "spec.taxRegistrations[0].number"
    assert dotted((0, "a", 1, 2)) == "[0].a[1][2]"
    assert dotted(("spec", "Atzr|IwEBIsecretsecretsecret", "x")) == "spec.***.x"
