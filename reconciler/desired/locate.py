"""Where a field of an entity is written: the file and line a finding points at.

An entity file's field is found by parsing the file again with positions (yamlsource). An
entity made by a template row is rendered again, the field found in the rendered document,
and followed back through the template: the body line that writes it, and, when that line
takes its value from a row variable (`{{ vat | tojson }}`), the row's own line for it
(`rows[i].vat`, down to the list item and key where the row writes them in block style).

`Locator(read)` is pure apart from `read(path) -> text`, which the caller passes in (the CLI's
file reading); each file is parsed or rendered at most once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.model import source_label
from . import yamlsource
from .yamlsource import KeyPath, dotted

# A value that is a row variable as it is (`{{ vat | tojson }}`, `{{ row.name }}`), not text built
# around it (`docs/{{ name }}.pdf`, `{{ name ~ " Ltd" }}`: then the template line is the cause).
_VARIABLE = re.compile(r"(?:^|[\s:\[,{])\{\{-?\s*(?:row\.)?([A-Za-z_]\w*)\s*(?:\|\s*\w+\s*)*-?\}\}(?=\s*(?:$|[,}\]#]))")


@dataclass(frozen=True)
class Location:
    """Where a field is written: the file, and for a template's row the row's name. For a row,
    `line` is the row's own line for the field when the template writes the row's value as it
    is, else the template's line; `template_line` is the template line rendering it. The
    verdict's findings and the reasons a Locator finds are placed by it alike."""

    path: str  # the file, as the tree was read (never with the row suffix)
    line: int
    column: int = 1
    key: str = "(document)"  # the dotted key path asked for
    template_line: int | None = None  # a row's field at the row's line: the template line that renders it
    row: str | None = None

    @property
    def label(self) -> str:
        """`path`, or `path (row NAME)`: how a person reads where it is."""
        return source_label(self.path, self.row)

    def __str__(self) -> str:
        row = f" (row {self.row})" if self.row else ""
        return f"{self.path}:{self.line}{row}"


class TemplateRows:
    """One template's header and body lines: follows a rendered row's field back to the row's
    own line when the body line that writes it takes the value from a row variable. The loader
    places every field it records this way (so the verdict's places follow rows), and the
    Locator does for the fields it is asked about: one rule for both."""

    def __init__(self, file: str, text: str) -> None:
        self.body = text.splitlines()
        cut = next((i for i, line in enumerate(self.body) if line.rstrip("\r") == "---"), None)
        self.header = yamlsource.parse("\n".join(self.body[:cut]) + "\n", file)[0] if cut is not None else None
        rows = self.header.data.get("rows") if self.header is not None and isinstance(self.header.data, dict) else None
        self.rows: list[Any] = rows if isinstance(rows, list) else []  # the rows as YAML wrote them
        self.index: dict[str, int] = {}
        self._variables: dict[int, str | None] = {}  # body line -> the row variable it writes as it is
        for i, r in enumerate(self.rows):
            if isinstance(r, dict) and isinstance(r.get("name"), str):
                self.index.setdefault(r["name"], i)

    def row_line(self, row: str, fallback: int) -> int:
        """The line of the row's own item in the header's rows."""
        if self.header is None or row not in self.index:
            return fallback
        return self.header.where(("rows", self.index[row]))[0]

    def follow(self, row: str, doc: yamlsource.Document, path: KeyPath,
               body_line: int, column: int) -> tuple[int, int, int | None]:
        """(line, column, template line) of `path` for `row`, rendered as `doc` and written at
        `body_line` of the template: the row's own line for it when that body line writes a row
        variable as it is (`{{ vat | tojson }}`), else the body line (template line None)."""
        if body_line not in self._variables:
            self._variables[body_line] = _row_variable(self.body[body_line - 1]
                                                       if 0 < body_line <= len(self.body) else "")
        variable = self._variables[body_line]
        index = self.index.get(row)
        if self.header is None or variable is None or index is None or variable not in self.rows[index]:
            return body_line, column, None
        prefix = _written_on_same_line(doc, path)
        line, col = _where(self.header, ("rows", index, variable) + path[len(prefix):])
        return line, col, body_line


@dataclass
class _Template:
    rows: TemplateRows
    rendered: dict[str, tuple[yamlsource.Document | None, int]]  # name -> (rendered doc, line offset)


class Locator:
    """Finds fields of the entities of one tree; `read(path)` gives a file's text (OSError: not found)."""

    def __init__(self, read: Callable[[str], str]) -> None:
        self._read = read
        self._entities: dict[str, yamlsource.Document | None] = {}
        self._templates: dict[str, _Template | None] = {}

    def locate(self, file: str, row: str | None, path: KeyPath, fallback_line: int = 1) -> Location:
        """The line of `path` in the entity written in `file` (for a template, by its `row`:
        Entity.source.path and .row); the nearest written parent when the key itself is not
        written; `fallback_line` when the file cannot be read any more."""
        key = dotted(path)
        if row is None:
            doc = self._entity(file)
            if doc is None:
                return Location(file, fallback_line, key=key)
            line, column = _where(doc, path)
            return Location(file, line, column, key)
        return self._in_template(file, row, path, key, fallback_line)

    def _entity(self, file: str) -> yamlsource.Document | None:
        if file not in self._entities:
            self._entities[file] = _parse(self._text(file), file)
        return self._entities[file]

    def _text(self, file: str) -> str | None:
        try:
            return self._read(file)
        except (OSError, UnicodeDecodeError):
            return None

    def _template(self, file: str) -> _Template | None:
        if file not in self._templates:
            self._templates[file] = _load_template(file, self._text(file))
        return self._templates[file]

    def _in_template(self, file: str, row: str, path: KeyPath, key: str, fallback_line: int) -> Location:
        t = self._template(file)
        if t is None or row not in t.rendered:
            return Location(file, fallback_line, key=key, row=row)
        doc, offset = t.rendered[row]
        if doc is None:
            return Location(file, t.rows.row_line(row, fallback_line), key=key, row=row)
        body_line = _where(doc, path)[0] + offset
        line, column, _ = t.rows.follow(row, doc, path, body_line, 1)
        return Location(file, line, column, key, body_line, row)


def _parse(text: str | None, file: str) -> yamlsource.Document | None:
    if text is None:
        return None
    doc, _ = yamlsource.parse(text, file)
    return doc


def _where(doc: yamlsource.Document, path: KeyPath) -> tuple[int, int]:
    """A scalar's own position; a mapping's or list's key line (where a reviewer reads it)."""
    value = _at(doc.data, path)
    if isinstance(value, (dict, list)) and path and isinstance(path[-1], str):
        return doc.where(path, key=True)
    return doc.where(path)


def _written_on_same_line(doc: yamlsource.Document, path: KeyPath) -> KeyPath:
    """The shortest prefix of `path` written on the line of `path` itself: the key whose value
    one template expression produced (`taxRegistrations: {{ vat | tojson }}` renders the whole
    list on one line)."""
    line = _where(doc, path)[0]
    for k in range(1, len(path) + 1):
        if doc.where(path[:k], key=isinstance(path[k - 1], str))[0] == line:
            return path[:k]
    return path


def _row_variable(line: str) -> str | None:
    found = _VARIABLE.search(line)
    return found.group(1) if found else None


def _at(data: object, path: KeyPath) -> object:
    for part in path:
        here = isinstance(data, dict) and part in data
        if here or (isinstance(data, list) and isinstance(part, int) and part < len(data)):
            data = data[part]  # type: ignore[index]
        else:
            return None
    return data


def _load_template(file: str, text: str | None) -> _Template | None:
    if text is None:
        return None
    rows = TemplateRows(file, text)
    if rows.header is None:
        return None
    from . import entity_templates  # Jinja2 (30 ms to import) only for a tree that has templates
    rendered, _ = entity_templates.render(file, text)
    return _Template(rows, {r.name: (yamlsource.parse(r.text, r.path)[0], r.line_offset) for r in rendered})


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_dotted(key: str) -> KeyPath:
    """`spec.taxRegistrations[0].number` -> ('spec', 'taxRegistrations', 0, 'number'); the
    inverse of yamlsource.dotted for the keys problems name (`(file)`, `(yaml)`: the document)."""
    if key.startswith("("):
        return ()
    return tuple(int(index) if index else name for name, index in _PART.findall(key))
