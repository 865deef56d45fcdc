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
from functools import lru_cache

import yaml

from ..domain.masking import SECRET_MASK, mask
from ..domain.tokens import looks_like_token
from ..errors import Problem

KeyPath = tuple[object, ...]  # where a value sits in a document: keys and list indexes from the root

_CORE = "tag:yaml.org,2002:"
_SCALARS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}
_NUMBERS = {_CORE + "int", _CORE + "float"}
_TIMESTAMP = _CORE + "timestamp"
_MAP, _SEQ, _STR, _MERGE = _CORE + "map", _CORE + "seq", _CORE + "str", _CORE + "merge"

# A plain digit string with a leading zero: YAML 1.1 (PyYAML) reads it as text or octal,
# YAML 1.2 as a decimal number without the zero. Either way someone loses a digit: refused.
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
_ZERO_STARTS = ("0", "-", "+")  # what such a value starts with (a cheaper test first)

class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml's, where installed
    """The safe loader, its scalar resolution short-cut where nothing can change the tag: a
    quoted value, or a plain one whose first character starts no implicit type (a key such
    as `metadata`, a name), is text. A plain value that may be another type is resolved by
    the safe loader's own resolvers, once per process for values met again (keys such as
    `name` and `number`, dates): resolving was a third of composing. A mapping or a list
    takes the safe loader's default tag without asking it (a fifth of the calls)."""

    _STARTS = frozenset(yaml.SafeLoader.yaml_implicit_resolvers)
    _known: dict[str, str] = {}  # a plain value -> its tag (the resolvers depend on the value alone)

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode:  # the safe loader's own tags, with no path resolvers (asserted below)
            return _MAP if kind is yaml.MappingNode else _SEQ
        if not implicit[0] or (value and value[0] not in self._STARTS):
            return _STR
        tag = self._known.get(value)
        if tag is None:
            tag = str(super().resolve(kind, value, implicit))
            if len(self._known) < 50_000:  # bounded: most values a tree repeats are met early
                self._known[value] = tag
        return tag


# The short cuts hold while the safe loader has no wildcard or path resolvers (PyYAML's never had)
assert None not in _Loader.yaml_implicit_resolvers and not _Loader.yaml_path_resolvers
assert (_Loader.DEFAULT_MAPPING_TAG, _Loader.DEFAULT_SEQUENCE_TAG) == (_MAP, _SEQ)

MAX_EXPANSION = 10_000   # values aliases may add by repeating anchored ones (alias bombs are refused)
MAX_DEPTH = 64
_constructor = yaml.SafeLoader("")


class Document:
    """Parsed YAML: `data`, and the node graph it was built from (`root`), where each value's
    and each mapping key's line and column are found when asked for: most documents are
    valid and never ask, so reading one records no position at all."""

    __slots__ = ("data", "root", "_keys")

    def __init__(self, data: object, root: yaml.Node | None = None) -> None:
        self.data, self.root = data, root
        self._keys: dict[int, dict[object, tuple[yaml.Node, yaml.Node]]] = {}  # a mapping node's keys, once asked

    def where(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Position of the value (or its key) at `path`; for a path not written (a missing
        key), the line of the nearest written parent's key."""
        if not key:
            _, value = self._find(path)
            if value is not None:
                return _position(value.start_mark)
        while path:
            key_node, value = self._find(path)
            if key_node is not None:
                return _position(key_node.start_mark)
            if isinstance(path[-1], int) and value is not None:
                return _position(value.start_mark)  # a list item has no key: point at the item
            path = path[:-1]
        return _position(self.root.start_mark) if self.root is not None else (1, 1)

    def written_number(self, path: KeyPath) -> str | None:
        """The number at `path` as written (YAML read it as a number), for messages; else None."""
        _, node = self._find(path)
        return node.value if node is not None and node.tag in _NUMBERS else None

    def _find(self, path: KeyPath) -> tuple[yaml.Node | None, yaml.Node | None]:
        """(key node, value node) at `path`; (None, None) where the document has no such value."""
        key_node, node = None, self.root
        for part in path:
            if node.__class__ is yaml.MappingNode:
                found = self._mapping_keys(node).get(part)
                if found is None:
                    return None, None
                key_node, node = found
            elif node.__class__ is yaml.SequenceNode and isinstance(part, int) and 0 <= part < len(node.value):
                key_node, node = None, node.value[part]
            else:
                return None, None
        return key_node, node

    def _mapping_keys(self, node: yaml.MappingNode) -> dict[object, tuple[yaml.Node, yaml.Node]]:
        keys = self._keys.get(id(node))
        if keys is None:  # a key is its text as written (yamlsource keeps keys so), the first of a repeat
            keys = {}
            for k, v in node.value:
                keys.setdefault(k.value, (k, v))
            self._keys[id(node)] = keys
        return keys


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
    """A value refused; `path` grows as the refusal leaves each mapping and list it is in."""

    def __init__(self, node: yaml.Node, message: str, path: KeyPath = ()):
        self.node, self.message, self.path = node, message, path

    def words(self) -> str:
        return self.message


class _LeadingZero(_Refused):
    def words(self) -> str:  # the path decides whether the value is a number outputs mask
        written = mask(self.node.value) if self.path and self.path[-1] == "number" else self.node.value
        return (f"{written} has a leading zero: YAML 1.1 reads it as text or octal, "
                f'YAML 1.2 as a number without the zero; quote it ("{written}")')


def _tag_message(tag: str) -> str:
    return f"tag {tag.replace(_CORE, '!!')} is not allowed; use plain YAML data"


def _mark(node: yaml.Node) -> tuple[int, int]:
    return _position(node.start_mark)


class _Builder:
    """Builds the data from the node graph, recording nothing else: a refusal learns its path
    on its way out. An alias is the same node met again: every visit of a node already met
    counts as a value the aliases added. `aliases` False (no `*` in the text) skips that
    bookkeeping: without an alias every node is met once."""

    def __init__(self, aliases: bool = True) -> None:
        self.added = 0
        self.met: set[int] | None = set() if aliases else None

    def build(self, node: yaml.Node, depth: int = 0) -> object:
        if self.met is not None:
            if id(node) in self.met:
                self.added += 1
                if self.added > MAX_EXPANSION:
                    raise _Refused(node, f"aliases (*name) expand the document by more than {MAX_EXPANSION} "
                                         "values (an alias bomb?): write the values out, or alias less")
            else:
                self.met.add(id(node))
        kind = node.__class__
        if kind is yaml.ScalarNode:
            return self._scalar(node)  # type: ignore[arg-type]  # `kind is`: an exact class test, faster than isinstance
        if depth > MAX_DEPTH:
            raise _Refused(node, f"nesting deeper than {MAX_DEPTH} levels")
        if kind is yaml.MappingNode and node.tag == _MAP:
            return self._mapping(node, depth + 1)  # type: ignore[arg-type]  # as above
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            out = []
            for i, item in enumerate(node.value):
                try:
                    out.append(self.build(item, depth + 1))
                except _Refused as refused:
                    refused.path = (i, *refused.path)
                    raise
            return out
        raise _Refused(node, _tag_message(node.tag))

    def _scalar(self, node: yaml.ScalarNode) -> object:
        tag = node.tag
        value = node.value
        if value[:1] in _ZERO_STARTS and not node.style and tag != _TIMESTAMP and _LEADING_ZERO.fullmatch(value):
            raise _LeadingZero(node, "")
        if tag in (_STR, _TIMESTAMP):
            return value
        if tag not in _SCALARS:
            raise _Refused(node, _tag_message(tag))
        return _constructor.yaml_constructors[tag](_constructor, node)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[object, object]:
        out: dict[object, object] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode:
                raise _Refused(key_node, "a mapping key must be a plain scalar")
            if key_node.tag == _STR:
                key = key_node.value
            elif key_node.tag == _MERGE:
                raise _Refused(key_node, "merge keys (<<) are not allowed; write the keys out")
            else:
                key = self._scalar(key_node)
                if isinstance(key, bool) or key is None:
                    key = key_node.value  # `on:`/`no:`/`null:` are keys as written, not booleans
                elif not isinstance(key, str):
                    raise _Refused(key_node, f"a key must be text, not the number {key_node.value}: "
                                             f'quote it ("{key_node.value}")')
            if key in out:
                first = next(k for k, _ in node.value if k.value == key).start_mark.line + 1
                raise _Refused(key_node, f"duplicate key (first written at line {first})", (key,))
            try:
                out[key] = self.build(value_node, depth)
            except _Refused as refused:
                refused.path = (key, *refused.path)
                raise
        return out


def _char_at(text: str, mark: yaml.Mark | None) -> str:
    """The character a mark points at (libyaml's messages do not name it)."""
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return "?"
    return str(lines[mark.line][mark.column])


def plain_words(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, yaml.Mark | None]:
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
    elif "quoted scalar" in context and "end of stream" in problem:
        said, mark = "a quote that is never closed: end the value with the same quote it starts with", \
            exc.context_mark or mark
    elif "flow sequence" in context:
        said, mark = "a [ … ] list that is not closed, or lacks a comma between items", exc.context_mark or mark
    elif "flow mapping" in context:
        said, mark = "a { … } mapping that is not closed, or lacks a comma between keys", exc.context_mark or mark
    elif "could not find expected ':'" in problem:
        said = "a line that is neither 'key: value' nor a list item: is a ':' missing on the line before?"
    elif "block" in context:
        said = "the indentation is off here: this line is not aligned with the keys or list items above it"
    elif "undefined alias" in problem:
        said = "an alias (*name) that no anchor (&name) defines above it"
    elif "document" in context:  # "expected a single document in the stream"
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
    try:
        data = _Builder(aliases="*" in text).build(node)
    except _Refused as refused:
        line, col = _mark(refused.node)
        return None, [Problem(source, line, col, dotted(refused.path), refused.words())]
    except (ValueError, yaml.constructor.ConstructorError) as exc:  # e.g. an int out of form
        return None, [Problem(source, 1, 1, "(yaml)", str(exc).splitlines()[0])]
    if not isinstance(data, dict):
        return None, [Problem(source, *_mark(node), "(document)", "the top level must be a mapping")]
    return Document(data, node), []
