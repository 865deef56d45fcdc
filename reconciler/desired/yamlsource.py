"""Safe YAML reading that keeps where every value was written.

Plain data only: a mapping at the top, YAML core tags, no duplicate keys, aliases bounded.
Two bounds, each on what it can measure: the values written out are bounded by the file-size
limit (safefile), so a long plain document (a template of 1,000 rows) is fine; what aliases add
by repeating an anchored value is bounded by MAX_EXPANSION (an alias bomb is refused).
Timestamps stay the text they were written as (callers parse dates themselves), so a date
written bare and one written quoted mean the same. Every value's and key's line and column
are kept in `positions`, keyed by its path, so later checks can point at their source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from ..domain.masking import SECRET_MASK, mask
from ..domain.tokens import looks_like_token
from ..errors import Problem

KeyPath = tuple[object, ...]  # where a value sits in a document: keys and list indexes from the root

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
_SCALARS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}
_NUMBERS = {_CORE + "int", _CORE + "float"}
_TIMESTAMP = _CORE + "timestamp"
_MAP, _SEQ, _STR, _MERGE = _CORE + "map", _CORE + "seq", _CORE + "str", _CORE + "merge"

# A plain digit string with a leading zero: YAML 1.1 (PyYAML) reads it as text or octal,
# YAML 1.2 as a decimal number without the zero. Either way someone loses a digit: refused.
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")

MAX_EXPANSION = 10_000   # values aliases may add by repeating anchored ones (alias bombs are refused)
MAX_DEPTH = 64
_constructor = yaml.SafeLoader("")


@dataclass
class Document:
    """Parsed YAML: `data` plus where each value and each mapping key was written.

    Positions are kept as the parser's marks and turned into 1-based (line, column) only
    when asked for: most documents are valid and never ask.
    """

    data: object
    positions: dict[KeyPath, yaml.Mark] = field(default_factory=dict)
    key_positions: dict[KeyPath, yaml.Mark] = field(default_factory=dict)
    numbers: dict[KeyPath, str] = field(default_factory=dict)  # numbers as written, for messages

    def where(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Position of the value (or its key) at `path`; for a path not written (a missing
        key), the line of the nearest written parent's key."""
        if not key and path in self.positions:
            return _position(self.positions[path])
        while path:
            if path in self.key_positions:
                return _position(self.key_positions[path])
            if isinstance(path[-1], int) and path in self.positions:
                return _position(self.positions[path])  # a list item has no key: point at the item
            path = path[:-1]
        return _position(self.positions[()]) if () in self.positions else (1, 1)


def _position(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


@lru_cache(maxsize=4096)  # a tree's files share their paths: most are worded once per process
def dotted(path: KeyPath) -> str:
    """`('spec', 'taxRegistrations', 0, 'number')` -> `spec.taxRegistrations[0].number`.

    A key that is an LWA token (pasted where a key belongs) is shown as `***` (masking.SECRET_MASK).
    """
    out = ""
    for part in path:
        if isinstance(part, str) and looks_like_token(part):
            part = SECRET_MASK
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


class _Refused(Exception):
    def __init__(self, node: yaml.Node, path: KeyPath, message: str):
        self.node, self.path, self.message = node, path, message


def _tag_message(tag: str) -> str:
    return f"tag {tag.replace(_CORE, '!!')} is not allowed; use plain YAML data"


def _mark(node: yaml.Node) -> tuple[int, int]:
    return _position(node.start_mark)


class _Builder:
    """Builds the data from the node graph. An alias is the same node met again: every visit
    of a node already met counts as a value the aliases added. `aliases` False (no `*` in the
    text) skips that bookkeeping: without an alias every node is met once."""

    def __init__(self, aliases: bool = True) -> None:
        self.added = 0
        self.met: set[int] | None = set() if aliases else None
        self.doc = Document(None)

    def build(self, node: yaml.Node, path: KeyPath) -> object:
        if self.met is not None:
            if id(node) in self.met:
                self.added += 1
                if self.added > MAX_EXPANSION:
                    raise _Refused(node, path, f"aliases (*name) expand the document by more than {MAX_EXPANSION} "
                                               "values (an alias bomb?): write the values out, or alias less")
            else:
                self.met.add(id(node))
        self.doc.positions[path] = node.start_mark
        kind = node.__class__
        if kind is yaml.ScalarNode:
            return self._scalar(node, path)  # type: ignore[arg-type]  # `kind is`: an exact class test, faster than isinstance
        if len(path) > MAX_DEPTH:
            raise _Refused(node, path, f"nesting deeper than {MAX_DEPTH} levels")
        if kind is yaml.MappingNode and node.tag == _MAP:
            return self._mapping(node, path)  # type: ignore[arg-type]  # as above
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        raise _Refused(node, path, _tag_message(node.tag))

    def _scalar(self, node: yaml.ScalarNode, path: KeyPath) -> object:
        tag = node.tag
        if not node.style and tag != _TIMESTAMP and _LEADING_ZERO.fullmatch(node.value):
            written = mask(node.value) if path and path[-1] == "number" else node.value
            raise _Refused(node, path, f"{written} has a leading zero: YAML 1.1 reads it as text or octal, "
                                       f'YAML 1.2 as a number without the zero; quote it ("{written}")')
        if tag in (_STR, _TIMESTAMP):
            return node.value
        if tag not in _SCALARS:
            raise _Refused(node, path, _tag_message(tag))
        if tag in _NUMBERS:
            self.doc.numbers[path] = node.value
        return _constructor.yaml_constructors[tag](_constructor, node)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[object, object]:
        out: dict[object, object] = {}
        key_positions = self.doc.key_positions
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode:
                raise _Refused(key_node, path, "a mapping key must be a plain scalar")
            if key_node.tag == _STR:
                key = key_node.value
            elif key_node.tag == _MERGE:
                raise _Refused(key_node, path, "merge keys (<<) are not allowed; write the keys out")
            else:
                key = self._scalar(key_node, path)
                if isinstance(key, bool) or key is None:
                    key = key_node.value  # `on:`/`no:`/`null:` are keys as written, not booleans
                elif not isinstance(key, str):
                    raise _Refused(key_node, path, f"a key must be text, not the number {key_node.value}: "
                                                   f'quote it ("{key_node.value}")')
            here = path + (key,)
            if key in out:
                first = _position(key_positions[here])[0]
                raise _Refused(key_node, here, f"duplicate key (first written at line {first})")
            key_positions[here] = key_node.start_mark
            out[key] = self.build(value_node, here)
        return out


def _char_at(text: str, mark: yaml.Mark | None) -> str:
    """The character a mark points at (libyaml's messages do not name it)."""
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return "?"
    return str(lines[mark.line][mark.column])


def plain_words(exc: yaml.MarkedYAMLError, text: str = "") -> tuple[str, yaml.Mark | None]:
    """A YAML syntax error in plain words, and where to point: PyYAML's own phrases
    ("mapping values are not allowed here") say what the parser felt, not what to fix."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    if "mapping values are not allowed" in problem:
        said = ("a second ':' on this line: a value that holds ': ' must be quoted (\"a: b\"), "
                "or a key is indented under a plain value")
    elif "cannot start any token" in problem:
        char = _char_at(text, mark)
        said = ("a tab character: YAML indents with spaces only" if char == "\t"
                else f"a value cannot start with {char!r}: quote the value")
    elif "quoted scalar" in context:
        said, mark = "a quote that is never closed: end the value with the same quote it starts with", \
            exc.context_mark or mark
    elif "flow sequence" in context:
        said, mark = "a [ … ] list that is not closed, or lacks a comma between items", exc.context_mark or mark
    elif "flow mapping" in context:
        said, mark = "a { … } mapping that is not closed, or lacks a comma between keys", exc.context_mark or mark
    elif "could not find expected ':'" in problem:
        said = "a line that is neither 'key: value' nor a list item: is a ':' missing on the line before?"
    elif "block" in context or "block end" in problem:
        said = "the indentation is off here: this line is not aligned with the keys or list items above it"
    elif "undefined alias" in problem:
        said = "an alias (*name) that no anchor (&name) defines above it"
    elif "expected a single document" in problem or "document" in context:
        said = "more than one YAML document (a line ---): an entity file holds one"
    else:
        said = f"this is not valid YAML ({' '.join(p for p in (context, problem) if p) or 'unknown'})"
    return said, mark


def parse(text: str, source: str, *, empty_ok: bool = False) -> tuple[Document | None, list[Problem]]:
    """Parse one YAML document; on failure, the problems with their line and column.

    `empty_ok`: a document with nothing in it (comments only, `---`, `~`) is an empty mapping.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        message, mark = plain_words(exc, text)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(source, line, col, "(yaml)", message)]
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml reader errors without marks
        return None, [Problem(source, 1, 1, "(yaml)", str(exc).splitlines()[0])]
    if empty_ok and (node is None or (node.tag == _CORE + "null" and isinstance(node, yaml.ScalarNode))):
        return Document({}), []
    if node is None:
        return None, [Problem(source, 1, 1, "(document)", "the file is empty")]
    builder = _Builder(aliases="*" in text)
    try:
        builder.doc.data = builder.build(node, ())
    except _Refused as refused:
        line, col = _mark(refused.node)
        return None, [Problem(source, line, col, dotted(refused.path), refused.message)]
    except (ValueError, yaml.constructor.ConstructorError) as exc:  # e.g. an int out of form
        return None, [Problem(source, 1, 1, "(yaml)", str(exc).splitlines()[0])]
    if not isinstance(builder.doc.data, dict):
        return None, [Problem(source, *_mark(node), "(document)", "the top level must be a mapping")]
    return builder.doc, []
