"""Renderers: views of a Plan (text, json, markdown), each a Jinja2 template plus a few lines.

`render(plan, fmt, color)` returns the whole output without a trailing newline. Only the
CLI decides `color` (a terminal, and neither NO_COLOR nor --no-color); nothing here reads
the environment. Values in the plan are already masked (the engine masks reason messages).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import jinja2
from markupsafe import Markup

from ..domain import catalogue, safetext
from ..domain.timestamps import utc_timestamp
from ..engine.plan import (
    ATTENTION,
    BLOCKED,
    CREATE,
    DRIFTED,
    LIVE,
    PENDING,
    STATES,
    UNAUTHORIZED,
    UNMANAGED,
    EntityPlan,
    Pair,
    Plan,
)
from ..engine.plan_json import json_chunks
from .yamltext import comment, scalar

FORMATS = ("text", "json", "markdown")

# One symbol and one colour per state class (and for an entity that could not be read), so a
# line can be read without colour and a colour without its symbol.
SYMBOLS = {CREATE: "+", LIVE: "=", PENDING: "~", ATTENTION: "!", BLOCKED: "x", UNMANAGED: "?", DRIFTED: "*",
           UNAUTHORIZED: "#"}
ERROR_SYMBOL = "E"
UNREADABLE = "error"  # the key of an entity whose seller could not be read; its name is UNREADABLE_NAME
UNREADABLE_NAME = "unreadable"


@dataclass(frozen=True)
class Colour:
    """One colour of a state, as each view draws it: its name (legend, docs), the terminal's
    ANSI code, and the status page's text and background (the same hue)."""

    name: str
    ansi: str
    fg: str
    bg: str


# The one table of state colours: the terminal, the status page, the legend and the docs read it.
COLOURS = {
    LIVE: Colour("dim", "2", "#3d444d", "#f0f2f4"),
    PENDING: Colour("cyan", "36", "#0a5c6b", "#d9f5f8"),
    ATTENTION: Colour("yellow", "33", "#7d4e00", "#fff8c5"),
    BLOCKED: Colour("red", "31", "#a40e26", "#ffebe9"),
    CREATE: Colour("green", "32", "#116329", "#dafbe1"),
    UNMANAGED: Colour("magenta", "35", "#8f1d87", "#fbeafa"),
    DRIFTED: Colour("blue", "34", "#0550ae", "#ddeeff"),
    UNAUTHORIZED: Colour("bold yellow", "1;33", "#5c3b00", "#ffe38a"),
    UNREADABLE: Colour("bold red", "1;31", "#ffffff", "#82071e"),
}
_ANSI = {**{state: c.ansi for state, c in COLOURS.items()}, "bold": "1"}
COLOUR_NAMES = {state: c.name for state, c in COLOURS.items()}


def state_css() -> str:
    """The status page's colour variables, from COLOURS."""
    return "\n".join(f"  --{state}-bg: {c.bg}; --{state}-fg: {c.fg};" for state, c in COLOURS.items())


def legend() -> str:
    """The symbols and colours of the text views, one line per state (for --help and the README)."""
    from .status import MEANING, ORDER  # status imports this module

    lines = [f"{SYMBOLS[s]} {s:<13}{COLOUR_NAMES[s]:<12} {MEANING[s]}" for s in ORDER]
    return "\n".join(lines + [f"{ERROR_SYMBOL} {UNREADABLE_NAME:<13}{COLOUR_NAMES[UNREADABLE]:<12} "
                               "the seller could not be read"])
# states that make a reviewer look: their entity's <details> opens by itself
_NOTABLE = (ATTENTION, BLOCKED, UNMANAGED, DRIFTED, UNAUTHORIZED)


def render(plan: Plan, fmt: str, color: bool = False, endpoint: str | None = None) -> str:
    """The plan as `text`, `json` or `markdown` (ValueError for another format); `endpoint`,
    when given, is named in the heading with the environment."""
    if fmt == "json":
        return "".join(render_json(plan))
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    template = environment(autoescape=False).get_template(f"{fmt}.j2")
    columns = columns_of(plan)
    matrix = [(e, cells_of(e, columns)) for e in plan.entities]
    return template.render(plan=plan, color=color, generated=utc_timestamp(plan.generated_at), columns=columns,
                           matrix=matrix,
                           creates_line=_creates_line, counts=_counts, notable=notable, endpoint=endpoint,
                           error_symbol=ERROR_SYMBOL).rstrip("\n")


def render_json(plan: Plan) -> Iterator[str]:
    """The plan's JSON as a stream of pieces (a large plan is never one string); joined, `render`'s."""
    return (safetext.json_text(chunk) for chunk in json_chunks(plan))


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    """The one template environment of every view (plan, status, import); HTML autoescapes."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("reconciler.render", "templates"),
                             autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined,
                             # HTML escapes what it prints (and its own tooltips hold line breaks)
                             finalize=None if autoescape else _finalize)
    env.filters.update(symbol=lambda state: SYMBOLS[state], md=escape_markdown, days=days, q=scalar, c=comment)
    env.globals["state_css"] = state_css
    env.filters["paint"] = jinja2.pass_context(lambda ctx, text, style: paint(text, style, ctx["color"]))
    return env


class Painted(str):
    """Text acorn coloured itself: its escapes are ours, so the view lets them through."""


def _finalize(value: object) -> object:
    """Every value a view prints, made one safe line (safetext): API text and YAML values
    never reach a terminal or a CI log raw. Colour acorn adds and markup a filter made pass."""
    if isinstance(value, (Painted, Markup)) or not isinstance(value, str):
        return value
    return safetext.line(value)


def paint(text: str, style: str, color: bool) -> str:
    """`text` (made safe) in the ANSI colour of a state (or `bold`, `error`) when colour is on."""
    safe = safetext.line(text) if not isinstance(text, Painted) else text
    return Painted(f"\x1b[{_ANSI[style]}m{safe}\x1b[0m") if color else Painted(safe)


def days(n: int) -> str:
    """`1 day`, `20 days`: the age of a registration."""
    return f"{n} day{'' if n == 1 else 's'}"


def escape_markdown(text: object) -> str:
    """A user string safe in a Markdown table cell or list: no `|`, `<`, `>`, `&`, line break, and
    no control or escape (shown by the sanitiser, domain.safetext)."""
    s = safetext.line(str(text).replace("\r", " ").replace("\n", " "))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("|", "\\|")


def columns_of(plan: Plan) -> tuple[str, ...]:
    """Every marketplace of the plan, in catalogue order (unknown codes last)."""
    return tuple(sorted({p.marketplace for e in plan.entities for p in e.pairs}, key=catalogue.sort_key))


def cells_of(e: EntityPlan, columns: tuple[str, ...]) -> tuple[tuple[Pair, ...], ...]:
    """An entity's pairs laid out under `columns`: one tuple per column, empty where it has none."""
    by_code: dict[str, list[Pair]] = {}
    for p in e.pairs:
        by_code.setdefault(p.marketplace, []).append(p)
    return tuple(tuple(by_code.get(c, ())) for c in columns)


def _counts(e: EntityPlan) -> str:
    """`2 create, 1 live`: an entity's pairs by state, in the summary's order."""
    states = [p.state for p in e.pairs]
    found = [(s, states.count(s)) for s in STATES]
    return ", ".join(f"{n} {s}" for s, n in found if n) or "nothing to do"


class _Entity(Protocol):
    """An entity of a view: a plan's EntityPlan or a status Row."""

    @property
    def error(self) -> str | None: ...

    @property
    def pairs(self) -> tuple[Pair, ...]: ...


def notable(e: _Entity) -> bool:
    """Whether a reviewer should look: an error, a notable state, or a pending pair with a
    reason (stale); plan and status open such an entity's <details> by themselves."""
    return e.error is not None or any(p.state in _NOTABLE or p.reasons and p.state == PENDING for p in e.pairs)


def _creates_line(e: EntityPlan) -> str:
    """`NA (US, CA), EU (DE)`: the CreateRegistration calls apply would send."""
    return ", ".join(f"{c.region} ({', '.join(c.marketplaces)})" for c in e.creates)
