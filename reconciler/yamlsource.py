"""Safe YAML reading that keeps where every value was written.

Plain data only: a mapping at the top, YAML core tags, no duplicate keys, aliases bounded.
Timestamps stay the text they were written as (callers parse dates themselves), so a date
written bare and one written quoted mean the same. Every value's and key's line and column
are kept in `positions`, keyed by its path, so later checks can point at their source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .errors import Problem

Path = tuple[object, ...]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
_SCALARS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}
_NUMBERS = {_CORE + "int", _CORE + "float"}
_TIMESTAMP = _CORE + "timestamp"
_MAP, _SEQ, _STR = _CORE + "map", _CORE + "seq", _CORE + "str"

MAX_NODES = 10_000   # a document expanded past this many values (alias bombs) is refused
MAX_DEPTH = 64
_constructor = yaml.SafeLoader("")


@dataclass
class Document:
    """Parsed YAML: `data` plus (line, column) of each value and each mapping key, 1-based."""

    data: object
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    numbers: dict[Path, str] = field(default_factory=dict)  # numbers as written, for messages

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of the value (or its key) at `path`; for a path not written (a missing
        key), the line of the nearest written parent's key."""
        if not key and path in self.positions:
            return self.positions[path]
        while path:
            if path in self.key_positions:
                return self.key_positions[path]
            if isinstance(path[-1], int) and path in self.positions:
                return self.positions[path]  # a list item has no key: point at the item
            path = path[:-1]
        return self.positions.get((), (1, 1))


def dotted(path: Path) -> str:
    """`('spec', 'taxRegistrations', 0, 'number')` -> `spec.taxRegistrations[0].number`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


class _Refused(Exception):
    def __init__(self, node: yaml.Node, path: Path, message: str):
        self.node, self.path, self.message = node, path, message


def _tag_message(tag: str) -> str:
    return f"tag {tag.replace(_CORE, '!!')} is not allowed; use plain YAML data"


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self) -> None:
        self.count = 0
        self.doc = Document(None)

    def build(self, node: yaml.Node, path: Path) -> object:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(node, path, f"the document expands to more than {MAX_NODES} values "
                                       "(anchors and aliases are bounded)")
        if len(path) > MAX_DEPTH:
            raise _Refused(node, path, f"nesting deeper than {MAX_DEPTH} levels")
        self.doc.positions[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise _Refused(node, path, _tag_message(node.tag))
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise _Refused(node, path, _tag_message(node.tag))
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.tag == _TIMESTAMP:
            return node.value
        if node.tag not in _SCALARS:
            raise _Refused(node, path, _tag_message(node.tag))
        if node.tag == _STR:
            return node.value
        if node.tag in _NUMBERS:
            self.doc.numbers[path] = node.value
        return _constructor.yaml_constructors[node.tag](_constructor, node)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _CORE + "merge":
                raise _Refused(key_node, path, "merge keys (<<) are not allowed; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(key_node, path, "a mapping key must be a plain scalar")
            key = self.build(key_node, path + ("<key>",))
            if isinstance(key, bool) or key is None:
                key = key_node.value  # `on:`/`no:`/`null:` are keys as written, not booleans
            if key in out:
                first = self.doc.key_positions[path + (key,)]
                raise _Refused(key_node, path + (key,),
                               f"duplicate key (first written at line {first[0]})")
            self.doc.key_positions[path + (key,)] = _mark(key_node)
            out[key] = self.build(value_node, path + (key,))
        self.doc.positions.pop(path + ("<key>",), None)
        return out


def parse(text: str, source: str) -> tuple[Document | None, list[Problem]]:
    """Parse one YAML document; on failure, the problems with their line and column."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return None, [Problem(source, line, col, "(yaml)", message)]
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml reader errors without marks
        return None, [Problem(source, 1, 1, "(yaml)", str(exc).splitlines()[0])]
    if node is None:
        return None, [Problem(source, 1, 1, "(document)", "the file is empty")]
    builder = _Builder()
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
