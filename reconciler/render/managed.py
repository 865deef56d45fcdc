"""The marker on files `acorn init` manages: which acorn wrote the file, and a hash of what it
wrote, so `acorn init --upgrade` can tell a file nobody edited (rewritten) from one a user
changed (kept, with the new version beside it). Pure: texts in, texts out.

In YAML and other `#`-comment files the marker is the last line; in JSON it is a `"$comment"`
member right after the opening brace (JSON Schema's own place for comments). The hash covers
the file without its marker line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_LINE = re.compile(r'^(?:# |  "\$comment": ")acorn-managed: (\S+) sha256:([0-9a-f]{16})\b.*$', re.M)
_YAML_NOTE = "(acorn init --upgrade rewrites this file while it is unedited; edit it and it is yours)"


@dataclass(frozen=True)
class Marker:
    version: str
    digest: str


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def stamp(path: str, text: str, version: str) -> str:
    """`text` with the marker of `version` and of its own content."""
    tag = f"acorn-managed: {version} sha256:{digest(text)}"
    if path.endswith(".json"):
        first, sep, rest = text.partition("\n")
        if first.strip() != "{" or not sep:
            raise ValueError(f"{path}: a managed JSON file starts with a line holding only {{")
        return f'{first}\n  "$comment": "{tag}",\n{rest}'
    return text + ("" if text.endswith("\n") else "\n") + f"# {tag} {_YAML_NOTE}\n"


def read(text: str) -> tuple[Marker | None, str]:
    """The marker of `text` (None when it has none) and the text without it."""
    match = _LINE.search(text)
    if match is None:
        return None, text
    start, end = match.span()
    if end < len(text) and text[end] == "\n":
        end += 1
    return Marker(match[1], match[2]), text[:start] + text[end:]


def unedited(text: str) -> bool:
    """True when `text` is exactly what acorn wrote (a marker whose hash matches the rest)."""
    marker, body = read(text)
    return marker is not None and marker.digest == digest(body)
