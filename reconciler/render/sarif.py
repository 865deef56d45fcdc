"""SARIF 2.1.0 (OASIS) of findings: `acorn plan --format sarif`, `acorn validate --format sarif`,
and what GitHub code scanning uploads.

One result per finding: `ruleId` is the reason code, `level` its severity (error, warning,
note), the location the line of the desired file that causes it (for a template row, the
row's line, with the template's body line as a related location). Each rule carries the
action to take (the troubleshooting table's). `sarif(findings, uri_of)` is pure; `uri_of`
turns a file as the tree was read into a path relative to the repository root.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from .. import __version__
from ..engine.triage import action_for
from .findings import Finding

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "acornFinding/v1"


def _physical(uri: str, line: int, column: int = 1) -> dict[str, Any]:
    return {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(1, line), "startColumn": max(1, column)}}


def fingerprint(f: Finding) -> str:
    """Stable across pushes while the same entity keeps the same finding (not its line)."""
    key = "\0".join((f.code, f.entity or "", f.marketplace or "", f.where.key))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(f: Finding, index: int, uri_of: Callable[[str], str]) -> dict[str, Any]:
    uri = uri_of(f.where.path)
    location: dict[str, Any] = {"physicalLocation": _physical(uri, f.where.line, f.where.column)}
    if f.entity:
        location["logicalLocations"] = [{"name": f.entity, "kind": "object",
                                         "fullyQualifiedName": f"{f.entity}/{f.where.key}"}]
    out: dict[str, Any] = {"ruleId": f.code, "ruleIndex": index, "level": f.level,
                           "message": {"text": f.text}, "locations": [location],
                           "partialFingerprints": {FINGERPRINT: fingerprint(f)}}
    if f.where.template_line is not None and f.where.template_line != f.where.line:
        out["relatedLocations"] = [{"id": 1, "physicalLocation": _physical(uri, f.where.template_line),
                                    "message": {"text": f"the template line that renders {f.where.key} "
                                                        f"for row {f.where.row}"}}]
    properties: dict[str, object] = {k: v for k, v in (("entity", f.entity), ("marketplace", f.marketplace),
                                                         ("row", f.where.row))
                  if v}
    if not f.mapped:
        properties["unmapped"] = True
    if properties:
        out["properties"] = properties
    return out


def sarif(findings: Sequence[Finding], uri_of: Callable[[str], str] = lambda p: p) -> dict[str, Any]:
    """The SARIF log of `findings` (one run, tool `acorn`)."""
    codes = sorted({f.code for f in findings})
    index = {c: i for i, c in enumerate(codes)}
    rules = [{"id": c, "name": "".join(w.title() for w in c.split("_")),
              "shortDescription": {"text": c.replace("_", " ").lower()},
              "help": {"text": action_for(c, "")}} for c in codes]
    results = [_result(f, index[f.code], uri_of) for f in findings]
    return {"$schema": SCHEMA_URI, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "acorn", "version": __version__, "rules": rules}},
                      "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the repository root"}}},
                      "results": results}]}


def sarif_text(findings: Sequence[Finding], uri_of: Callable[[str], str] = lambda p: p) -> str:
    return json.dumps(sarif(findings, uri_of), indent=2, ensure_ascii=False)
