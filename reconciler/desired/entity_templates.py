"""Entity templates: one `.yaml.j2` file describes many entities of one brand shape.

A template file is a YAML header with a `rows:` list, a line `---`, then a Jinja2 body.
The body is rendered once per row in a sandboxed environment with StrictUndefined; the
row's keys are variables (and `row` is the whole row). Each rendered document is then
loaded exactly as an entity file named after the row's `name`.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..domain.masking import SECRET_MASK
from ..domain.tokens import LWA_TOKEN, looks_like_token
from ..errors import Problem
from . import yamlsource

# Limits on work, not only on reach: a template is text many hands write, and CI runs it.
# Work is counted, never timed, so a template passes or fails the same on any machine, loaded or not.
MAX_STEPS = 2_000_000      # steps to render every row of one template file (about 1 s on a 2-core machine):
                           # a line of template code run, or an item a filter, call or operator makes
MAX_INT_BITS = 4096        # ~1,200 digits: no registration number is longer
MAX_TEXT = 1_000_000       # characters of one value (or items of one list) a template builds
MAX_ARGUMENT = 100_000     # a number given to a function or filter (widths, counts, repeats)
_HUGE_FORMAT = re.compile(r"[0-9]{6,}")


class BudgetExceeded(SecurityError):
    """The template did more work than a template may: too long, too large a number or text."""


def _size(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length()
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


def _check_result(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded(f"a number larger than {MAX_INT_BITS} bits")
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
        raise BudgetExceeded(f"a value longer than {MAX_TEXT:,} characters or items")
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(1 + (len(value) if isinstance(value, (str, list, tuple)) else 0))
    return value


def _check_arguments(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_ARGUMENT:
            raise BudgetExceeded(f"the argument {arg if arg.bit_length() < 64 else 'given'} is larger "
                                 f"than {MAX_ARGUMENT:,}")
        if isinstance(arg, str) and "{" in arg and _HUGE_FORMAT.search(arg):
            raise BudgetExceeded("a format with a width or precision of six digits or more")


def _filter_call(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """One call of filter `f` within the limits: its arguments (not the value it filters) first, then
    what it made."""
    _check_arguments(args[1:], kwargs)
    return _check_result(f(*args, **kwargs))


def _budgeted_filter(f: Callable[..., Any]) -> Callable[..., Any]:
    # The wrappers are made once, at import: the checks live in _filter_call, run at each call.
    # wraps copies f's attributes, jinja_pass_arg among them (how Jinja knows to pass the context).
    @functools.wraps(f)
    def call(*args: Any, **kwargs: Any) -> Any:
        return _filter_call(f, args, kwargs)
    return call


class _BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, plus limits on arithmetic, text size and call arguments."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})
    intercepted_unops = frozenset({"-"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)) \
                and abs(left) > 1 and (right > MAX_INT_BITS or _size(left) * right > MAX_INT_BITS):
            raise BudgetExceeded(f"a power larger than {MAX_INT_BITS} bits")
        if operator == "*":
            if isinstance(left, int) and isinstance(right, (str, list, tuple)):
                left, right = right, left
                if _size(left) * max(right, 0) > MAX_TEXT:
                    raise BudgetExceeded(f"a value longer than {MAX_TEXT:,} characters or items")
                return left * right
            if isinstance(left, (str, list, tuple)) and isinstance(right, int) and len(left) * max(right, 0) > MAX_TEXT:
                raise BudgetExceeded(f"a value longer than {MAX_TEXT:,} characters or items")
            # two numbers of at most MAX_INT_BITS make a product of at most twice that: cheap, checked after
        if operator == "%" and isinstance(left, str):
            _check_arguments(right if isinstance(right, tuple) else (right,), {})
            if _HUGE_FORMAT.search(left):
                raise BudgetExceeded("a format with a width or precision of six digits or more")
        return _check_result(super().call_binop(context, operator, left, right))

    def call(_self, _context: jinja2.runtime.Context, _obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs)
        return _check_result(super().call(_context, _obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str) and attribute in ("format", "format_map") and _HUGE_FORMAT.search(obj):
            raise BudgetExceeded("a format with a width or precision of six digits or more")  # "{:>999999999}"
        return super().getattr(obj, attribute)


_env = _BudgetedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                            loader=jinja2.DictLoader({}),  # no file system: include fails
                            keep_trailing_newline=True)
for _name in ("lipsum", "cycler", "joiner", "namespace"):
    _env.globals.pop(_name, None)
_env.filters = {name: _budgeted_filter(f) for name, f in _env.filters.items()}


class _Budget:
    """Counts a file's rendering work and stops it past MAX_STEPS: template code is traced (only its
    own frames, so the cost falls on templates alone), one step per line it runs, plus the items
    each filter, call or operator makes (work done outside template code)."""

    def __init__(self, steps: int) -> None:
        self.left = steps

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise BudgetExceeded(f"rendering took more than {MAX_STEPS:,} steps")

    def _line(self, _frame: Any, _event: str, _arg: Any) -> Any:
        self.spend(1)
        return self._line

    def _call(self, frame: Any, _event: str, _arg: Any) -> Any:
        if frame.f_code.co_filename == "<template>":
            self.spend(1)
            return self._line
        return None

    @property
    def exhausted(self) -> bool:
        return self.left < 0

    def render(self, template: jinja2.Template, variables: dict[str, Any]) -> str:
        previous = sys.gettrace()
        token = _BUDGET.set(self)
        sys.settrace(self._call)
        try:
            return template.render(**variables)
        finally:
            sys.settrace(previous)
            _BUDGET.reset(token)


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _token_paths(value: object, path: yamlsource.KeyPath) -> list[yamlsource.KeyPath]:
    """Where a literal LWA token is written in the header, as a value or a key."""
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in ([path + (k,)] if isinstance(k, str) and looks_like_token(k)
                          else _token_paths(v, path + (k,)))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _token_paths(v, path + (i,))]
    return [path] if isinstance(value, str) and looks_like_token(value) else []


_SECRET_MESSAGE = ("looks like a literal secret; secrets are never written here: reference it "
                   "as {env: NAME} or {file: PATH} (the value is not shown)")


@dataclass(frozen=True)
class Rendered:
    path: str         # the template file
    text: str
    name: str         # the row's name: what metadata.name must equal (and the Source's row)
    line_offset: int  # add to a rendered line to get the template file's line


def render(path: str, text: str) -> tuple[list[Rendered], list[Problem]]:  # noqa: C901  one pass over rows, each failure kind its own problem
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
    secrets = _token_paths(doc.data, ())
    if secrets:  # refused before anything is rendered: a template error could echo it
        return [], [Problem(path, *doc.where(p, key=isinstance(p[-1], str) and looks_like_token(p[-1])),
                            yamlsource.dotted(p), _SECRET_MESSAGE) for p in secrets]
    rows = doc.data.get("rows") if isinstance(doc.data, dict) else None
    if not isinstance(doc.data, dict) or not isinstance(rows, list) or not rows:
        return [], [Problem(path, *doc.where(("rows",)), "rows", "must be a non-empty list of mappings")]
    extra = [k for k in doc.data if k != "rows"]
    problems = [Problem(path, *doc.where((k,), key=True), k, "unknown key (allowed: rows)") for k in extra]
    try:
        template = _env.from_string(body)
    except jinja2.TemplateSyntaxError as exc:
        return [], [Problem(path, cut + 1 + (exc.lineno or 1), 1, "(template)", _masked(exc.message or "syntax error",
                                                                                         body))]
    out: list[Rendered] = []
    budget = _Budget(MAX_STEPS)
    for i, row in enumerate(rows):
        where = doc.where(("rows", i))
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            problems.append(Problem(path, *where, f"rows[{i}].name", "each row needs a string name"))
            continue
        name = row["name"]
        try:
            rendered = budget.render(template, {**{k: v for k, v in row.items() if isinstance(k, str)}, "row": row})
        except jinja2.UndefinedError as exc:
            said = _masked(exc.message or "", body)
            problems.append(Problem(path, where[0], where[1], f"rows[{i}]", f"template: {said}", name))
            continue
        except BudgetExceeded as exc:
            problems.append(Problem(path, where[0], where[1], f"rows[{i}]",
                                    f"template: stopped: {exc} (templates have limits on work)", name))
            if budget.exhausted:
                break  # the file's budget is spent: the other rows are not tried
            continue
        except (Exception, RecursionError, MemoryError) as exc:  # SecurityError, TemplateNotFound, 1/0, ...
            text = str(exc).splitlines()[0] if str(exc) else ""
            problems.append(Problem(path, where[0], where[1], f"rows[{i}]",
                                    f"template: {type(exc).__name__}: {_masked(text, body)}", name))
            continue
        out.append(Rendered(path, rendered, name, cut + 1))
    return out, problems


_PIECES = re.compile(r"[A-Za-z0-9]{6,}")


def _masked(message: str, body: str) -> str:
    """Jinja's words about the template, without an LWA token written in its body, whole or in
    pieces: Jinja reads `{{ Atzr|IwEB… }}` as a name and a filter, and names the filter."""
    for token in LWA_TOKEN.finditer(body):
        for piece in _PIECES.findall(token.group()):
            message = message.replace(piece, SECRET_MASK)
    return LWA_TOKEN.sub(SECRET_MASK, message)
