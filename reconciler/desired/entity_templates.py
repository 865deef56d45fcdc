"""Entity templates: one `.yaml.j2` file describes many entities of one brand shape.

A template file is a YAML header with a `rows:` list, a line `---`, then a Jinja2 body.
The body is rendered once per row in a sandboxed environment with StrictUndefined; the
row's keys are variables (and `row` is the whole row). Each rendered document is then
loaded exactly as an entity file named after the row's `name`.
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import Problem
from . import yamlsource

_env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                     loader=jinja2.DictLoader({}),  # no file system: include fails
                                     keep_trailing_newline=True)
for _name in ("lipsum", "cycler", "joiner", "namespace"):
    _env.globals.pop(_name, None)


@dataclass(frozen=True)
class Rendered:
    source: str       # "desired/templates/brand.yaml.j2 (row acme-de)"
    text: str
    name: str         # the row's name: what metadata.name must equal
    line_offset: int  # add to a rendered line to get the template file's line


def render(path: str, text: str) -> tuple[list[Rendered], list[Problem]]:
    """Every row's rendered document, or the problems that stopped rendering."""
    lines = text.splitlines(keepends=True)
    cut = next((i for i, line in enumerate(lines) if line.rstrip("\r\n") == "---"), None)
    if cut is None:
        return [], [Problem(path, 1, 1, "(template)",
                            "a template needs a YAML header with rows:, a line ---, then the body")]
    header, body = "".join(lines[:cut]), "".join(lines[cut + 1:])
    doc, problems = yamlsource.parse(header, path)
    if doc is None:
        return [], problems
    rows = doc.data.get("rows") if isinstance(doc.data, dict) else None
    if not isinstance(rows, list) or not rows:
        return [], [Problem(path, *doc.where(("rows",)), "rows", "must be a non-empty list of mappings")]
    extra = [k for k in doc.data if k != "rows"]
    problems = [Problem(path, *doc.where((k,), key=True), k, "unknown key (allowed: rows)") for k in extra]
    try:
        template = _env.from_string(body)
    except jinja2.TemplateSyntaxError as exc:
        return [], [Problem(path, cut + 1 + (exc.lineno or 1), 1, "(template)", exc.message or "syntax error")]
    out: list[Rendered] = []
    for i, row in enumerate(rows):
        where = doc.where(("rows", i))
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            problems.append(Problem(path, *where, f"rows[{i}].name", "each row needs a string name"))
            continue
        label = f"{path} (row {row['name']})"
        try:
            rendered = template.render(**{k: v for k, v in row.items() if isinstance(k, str)}, row=row)
        except jinja2.UndefinedError as exc:
            problems.append(Problem(label, where[0], where[1], f"rows[{i}]", f"template: {exc.message}"))
            continue
        except Exception as exc:  # SecurityError, TemplateNotFound, and the body's own errors (1/0, ...)
            problems.append(Problem(label, where[0], where[1], f"rows[{i}]",
                                    f"template: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
            continue
        out.append(Rendered(label, rendered, row["name"], cut + 1))
    return out, problems
