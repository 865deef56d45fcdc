"""The YAML bounds count what is dangerous: values written out are bounded by the file-size
limit, values that aliases add by the expansion bound; each refusal says which."""

from __future__ import annotations

from pathlib import Path

from reconciler.desired import yamlsource
from reconciler.desired.loader import load, load_desired_partial, read_tree
from tests import REPO

ATLAS = (REPO / "desired" / "templates" / "atlas.yaml.j2").read_text()
_HEADER, _BODY = ATLAS.split("\n---\n", 1)


def _rows(n: int) -> str:
    row = ("  - name: atlas-{i:05d}\n    sellerId: A5ATLAS{i:05d}\n    legalEntityName: Atlas Home {i} Ltd\n"
           "    country: GB\n    companyNumber: \"09876543\"\n"
           "    vat: [{{scheme: UK_VAT, number: GB555666745}}]\n    marketplaces: [UK, JP]\n")
    return "rows:\n" + "".join(row.format(i=i) for i in range(n))


def _values(data: object) -> int:
    """Every value of the data, collections and keys included."""
    if isinstance(data, dict):
        return 1 + sum(1 + _values(v) for v in data.values())
    if isinstance(data, list):
        return 1 + sum(_values(v) for v in data)
    return 1


def test_a_template_of_1000_rows_with_no_alias_validates(tmp_path: Path) -> None:
    header = _rows(1000)
    doc, problems = yamlsource.parse(header, "t.yaml.j2")
    assert problems == [] and doc is not None
    assert _values(doc.data) > yamlsource.MAX_EXPANSION  # more plain values than the alias bound
    templates = tmp_path / "desired" / "templates"
    templates.mkdir(parents=True)
    (templates / "atlas.yaml.j2").write_text(header + "---\n" + _BODY)
    files, unreadable = read_tree(tmp_path / "desired")
    state = load(files, unreadable=unreadable)
    assert len(state.entities) == 1000


def test_an_alias_bomb_is_refused_by_the_expansion_bound_naming_aliases() -> None:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 5))
    doc, problems = yamlsource.parse(bomb, "bomb.yaml")
    assert doc is None
    assert [p.message for p in problems] == [
        "aliases (*name) expand the document by more than 10000 values (an alias bomb?): "
        "write the values out, or alias less"]


def test_a_few_aliases_within_the_bound_are_fine() -> None:
    doc, problems = yamlsource.parse("a: &x [1, 2, 3]\nb: *x\nc: *x\n", "ok.yaml")
    assert problems == [] and doc is not None and doc.data == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}


def test_plain_values_past_the_file_size_limit_are_refused_by_the_size_limit(tmp_path: Path) -> None:
    templates = tmp_path / "desired" / "templates"
    templates.mkdir(parents=True)
    (templates / "atlas.yaml.j2").write_text(_rows(1000) + "---\n" + _BODY)
    state, problems = load_desired_partial(tmp_path / "desired", max_file_bytes=64 * 1024)
    assert state.entities == ()
    assert len(problems) == 1 and problems[0].key == "(file)"
    assert problems[0].message.startswith("is larger than the limit of 64")
