"""The status view: the entity x marketplace matrix of live states, as text, json, markdown or html.

It is built from a Plan (the same pipeline as `acorn plan`, so the states mean the same)
plus each entity's labels, which the plan does not carry and the HTML page filters on.
Pure: `status_of` and `render_status` read nothing, and every value is already masked by
the plan engine. The HTML page is one self-contained file: inline CSS and JS, no external
asset, and a Content-Security-Policy that allows nothing but that inline CSS and JS (by
hash), so even a value that escaped escaping could not load or run anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from markupsafe import Markup

from .. import __version__
from ..domain import catalogue
from ..domain.model import Reason
from ..domain.timestamps import utc_timestamp
from ..engine.plan import (
    ATTENTION,
    BLOCKED,
    CREATE,
    DRIFTED,
    LIVE,
    PENDING,
    UNAUTHORIZED,
    UNMANAGED,
    EntityPlan,
    Pair,
    Plan,
    Summary,
)
from ..engine.plan_json import pair_json
from . import SYMBOLS, cells_of, columns_of, days, environment, notable

STATUS_FORMATS = ("text", "json", "markdown", "html")
FORMAT_VERSION = 1

# The order a reader of the live state looks for: what sells, what is on its way, what is stuck.
ORDER = (LIVE, PENDING, ATTENTION, BLOCKED, CREATE, UNMANAGED, DRIFTED, UNAUTHORIZED)
MEANING = {
    LIVE: "selling there: the seller participates, or a registration is APPROVED",
    PENDING: "a registration is SUBMITTED or IN_REVIEW",
    ATTENTION: "a registration is ACTION_REQUIRED: the marketplace asks for something",
    BLOCKED: "preflight fails, or rejected with an unchanged submission: fix desired first",
    CREATE: "not registered yet: acorn apply would submit it",
    UNMANAGED: "live, but desired does not list it",
    DRIFTED: "a field the registration echoes differs from desired",
    UNAUTHORIZED: "the seller has not authorized the app in that region: nothing there could be read",
}


@dataclass(frozen=True)
class Row:
    """One entity: its pairs laid out under the matrix's columns."""

    name: str
    seller_id: str
    labels: tuple[tuple[str, str], ...]
    error: str | None
    cells: tuple[tuple[Pair, ...], ...]  # one per column, in the columns' order
    pairs: tuple[Pair, ...]               # the cells' pairs, in the columns' order
    states: tuple[str, ...]               # the states among them, in ORDER
    other_channels: tuple[tuple[str, str], ...] = ()  # (marketplace id, name): outside the catalogue


@dataclass(frozen=True)
class Status:
    environment: str
    generated_at: datetime
    desired_digest: str
    columns: tuple[str, ...]  # marketplace codes, catalogue order; unknown IDs last
    rows: tuple[Row, ...]
    summary: Summary

    def line(self) -> str:
        """`Status: 4 live, 1 pending, …, 1 drifted, 0 unreadable.`: the counts in the order of ORDER."""
        parts = [f"{getattr(self.summary, s)} {'to create' if s == CREATE else s}" for s in ORDER
                 if s != UNAUTHORIZED or self.summary.unauthorized]
        return f"Status: {', '.join(parts)}, {self.summary.errors} unreadable."


def status_of(plan: Plan, labels: Mapping[str, Iterable[tuple[str, str]]]) -> Status:
    """The matrix of a plan; `labels` maps entity names to their labels (missing: none)."""
    columns = columns_of(plan)
    rows = tuple(_row(e, tuple(sorted(labels.get(e.name, ()))), cells_of(e, columns)) for e in plan.entities)
    return Status(plan.environment, plan.generated_at, plan.desired_digest, columns, rows, plan.summary)


def _row(e: EntityPlan, labels: tuple[tuple[str, str], ...], cells: tuple[tuple[Pair, ...], ...]) -> Row:
    pairs = tuple(p for cell in cells for p in cell)
    present = {p.state for p in pairs}
    return Row(e.name, e.seller_id, labels, e.error, cells, pairs, tuple(s for s in ORDER if s in present),
               e.other_channels)


# --- json -----------------------------------------------------------------------------------

def _cell_json(p: Pair) -> dict[str, Any]:
    # The plan's form of the pair; the marketplace is the cell's key already.
    return {k: v for k, v in pair_json(p).items() if k != "marketplace"}


def status_json(status: Status) -> dict[str, Any]:
    """The JSON form: one object per entity, `cells` keyed by marketplace (only those it has)."""
    entities = []
    for row in status.rows:
        entity: dict[str, Any] = {"name": row.name, "sellerId": row.seller_id, "labels": dict(row.labels)}
        if row.error is not None:
            entity["error"] = row.error
        entity["cells"] = {c: [_cell_json(p) for p in cell]
                           for c, cell in zip(status.columns, row.cells, strict=True) if cell}
        if row.other_channels:
            entity["otherChannels"] = [{"marketplaceId": i, "name": n} for i, n in row.other_channels]
        entities.append(entity)
    return {
        "formatVersion": FORMAT_VERSION,
        "kind": "status",
        "environment": status.environment,
        "generatedAt": utc_timestamp(status.generated_at),
        "desiredDigest": status.desired_digest,
        "marketplaces": list(status.columns),
        "entities": entities,
        "summary": {s: getattr(status.summary, s) for s in ORDER} | {"errors": status.summary.errors},
    }


# --- text, markdown, html -------------------------------------------------------------------

def detail(p: Pair) -> str:
    """`IN_REVIEW REG-… · 20 days`: what the live registration says, if anything."""
    text = " ".join(x for x in (p.status, p.registration_id) if x)
    if p.age_days is not None:
        text += f"{' · ' if text else ''}{days(p.age_days)}"
    if p.store_name:
        text += f"{' · ' if text else ''}store {p.store_name}"
    return text


def shown(p: Pair) -> tuple[Reason, ...]:
    """A pair's reasons, then its acknowledged warnings (`CODE: acknowledged: why`)."""
    return p.reasons + tuple(Reason(r.code, f"acknowledged: {r.message}") for r in p.acknowledged)


def tooltip(marketplace: str, p: Pair) -> str:
    """The hover text of a cell: marketplace and state, the registration, every reason."""
    said = detail(p)
    lines = [f"{marketplace} · {p.state}"] + ([said] if said else [])
    lines += [f"{r.code}: {r.message}" for r in shown(p)]
    return "\n".join(lines)


@cache
def _script() -> str:
    return environment(autoescape=True).get_template("status.js.j2").render().strip()


@cache
def _style() -> str:
    return environment(autoescape=True).get_template("status.css.j2").render().strip()


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _known_labels(rows: Iterable[Row]) -> list[str]:
    return sorted({f"{k}={v}" for r in rows for k, v in r.labels})


def render_status(status: Status, fmt: str, color: bool = False, links: Mapping[Any, Any] | None = None) -> str:
    """The status as `text`, `json`, `markdown` or `html` (ValueError for another format);
    `links` ((entity, marketplace, code) -> render.findings.Link) name each reason's line of desired/."""
    found = links or {}
    if fmt == "json":
        return json.dumps(_with_locations(status_json(status), found), indent=2, ensure_ascii=False)
    if fmt not in STATUS_FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(STATUS_FORMATS)})")
    context: dict[str, Any] = dict(
        status=status, order=ORDER, meaning=MEANING, generated=utc_timestamp(status.generated_at),
        generated_human=utc_timestamp(status.generated_at)[:19].replace("T", " ") + " UTC",
        color=color, version=__version__, detail=detail, tooltip=tooltip, notable=notable, shown=shown,
        summary=status.summary, link=lambda entity, marketplace, code: found.get((entity, marketplace, code)))
    if fmt == "text":
        width = max([len("entity")] + [len(r.name) for r in status.rows])
        widths = [max(len(c), *(len(_symbols(cell)) for cell in _column(status, i)))
                  for i, c in enumerate(status.columns)]
        context.update(width=width, widths=widths, symbols=_symbols)
    elif fmt == "html":
        script, style = _script(), _style()
        context.update(script=Markup(script), style=Markup(style),
                       csp=f"default-src 'none'; style-src {_csp_hash(style)}; script-src {_csp_hash(script)}",
                       known_labels=_known_labels(status.rows), labels_json=_labels_json,
                       marketplace_id=_marketplace_id, first_rows=status.rows[:PAGE_ROWS],
                       data=Markup(page_data(status)))
    text = environment(autoescape=fmt == "html").get_template(f"status.{fmt}.j2").render(**context).rstrip("\n")
    if fmt == "text":  # padding that ends a line is noise in logs and diffs
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text


def _with_locations(data: dict[str, Any], links: Mapping[Any, Any]) -> dict[str, Any]:
    """The JSON status, and with `links` a `locations` list: each reason's line of desired/
    (entity, marketplace, code, path, line, url), the cells keeping the plan's form."""
    if links:
        data["locations"] = [{"entity": e, "marketplace": m, "code": c, **link.json()}
                             for (e, m, c), link in links.items()]
    return data


PAGE_ROWS = 100  # rows written as HTML, and rendered per "show more"; the rest live in the data block


def page_data(status: Status) -> str:
    """Every row, compact, for the page's script: JSON safe inside <script> (`<`, `>`, `&` and
    the line separators escaped). Texts that repeat (statuses, reason codes and messages) are
    written once and referred to by index.

        {"columns": [...], "states": [...], "symbols": {...}, "statuses": [...], "codes": [...],
         "reasons": [[codeIndex, message], ...], "page": N, "labelSets": [{labels}, ...],
         "rows": [[name, sellerId, labelSetIndex, error|null, cells, stateMask], ...]}

    `cells` is one string, the cells joined by `,` (an empty one for no pair), or, where a
    cell is a list or holds a `,`, the list of cells.

    A cell is 0 (no pair), or its pairs as one string, `;` between pairs and `|` between a
    pair's fields: state index, status index, registration ID, age in days, reason indexes
    joined by `.` (trailing empty fields left out: "4" is a bare create). Where a registration
    ID holds `|` or `;`, the cell is a list of [state, status, registrationId, age|-1, [reasons]].
    `stateMask` has bit i set when the row has a pair in states[i]: the page filters 100,000
    rows by state without parsing their cells.
    """
    states = list(ORDER)
    index = {s: i for i, s in enumerate(states)}
    statuses: dict[str, int] = {}
    codes: dict[str, int] = {}
    reasons: dict[tuple[str, str], int] = {}

    def reason(code: str, message: str) -> int:
        key = (code, message)
        if key not in reasons:
            reasons[key] = len(reasons)
            codes.setdefault(code, len(codes))
        return reasons[key]

    def cell_of(cell: tuple[Pair, ...]) -> Any:
        if not cell:
            return 0
        if any(p.registration_id and ("|" in p.registration_id or ";" in p.registration_id) for p in cell):
            return [[index[p.state], p.status or "", p.registration_id or "",
                     -1 if p.age_days is None else p.age_days, [reason(r.code, r.message) for r in shown(p)]]
                    for p in cell]
        out = []
        for p in cell:
            fields = [str(index[p.state]),
                      str(statuses.setdefault(p.status, len(statuses))) if p.status else "",
                      p.registration_id or "", "" if p.age_days is None else str(p.age_days),
                      ".".join(str(reason(r.code, r.message)) for r in shown(p))]
            while fields and fields[-1] == "":
                fields.pop()
            out.append("|".join(fields))
        return ";".join(out)

    bit: dict[str, int] = {s: 1 << i for i, s in enumerate(states)}
    label_sets: dict[tuple[tuple[str, str], ...], int] = {}
    rows = [[row.name, row.seller_id, label_sets.setdefault(row.labels, len(label_sets)), row.error,
             _cells_text([cell_of(c) for c in row.cells]), sum(bit[s] for s in row.states)]
            for row in status.rows]
    data = {"columns": list(status.columns), "states": states, "symbols": {s: SYMBOLS[s] for s in states},
            "statuses": list(statuses), "codes": list(codes), "page": PAGE_ROWS,
            "reasons": [[codes[c], m] for c, m in reasons], "labelSets": [dict(k) for k in label_sets],
            "rows": rows}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _cells_text(cells: list[Any]) -> Any:
    """A row's cells as one string joined by `,` (0, no pair, as nothing): a tenth of a
    100,000-entity page is the quotes and zeros of a list. The list itself where that cannot be."""
    if any(not isinstance(c, (str, int)) or (isinstance(c, str) and "," in c) for c in cells):
        return cells
    return ",".join(c or "" for c in cells) if cells else cells


def _column(status: Status, i: int) -> list[tuple[Pair, ...]]:
    return [r.cells[i] for r in status.rows] or [()]


def _symbols(cell: tuple[Pair, ...]) -> str:
    return "".join(SYMBOLS[p.state] for p in cell)


def _marketplace_id(code: str) -> str:
    known = catalogue.BY_CODE.get(code)
    return known.marketplace_id if known else code


def _labels_json(row: Row) -> str:
    return json.dumps(dict(row.labels), ensure_ascii=False, sort_keys=True)

