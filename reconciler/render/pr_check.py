"""The pull-request check's views: text for a terminal or a log, Markdown for a PR comment.
A plan's names and messages may quote a server or a file: each passes the one sanitiser."""

from __future__ import annotations

from ..domain import safetext
from ..engine.pr_check import Breakage, CheckResult
from . import escape_markdown


def _line(b: Breakage) -> str:
    where = f"{b.entity} {b.marketplace}" if b.marketplace else f"{b.entity} (every create)"
    return safetext.line(f"{where}: {b.code}: {b.message}")


def summary(result: CheckResult) -> str:
    verdict = "fails" if result.introduced else "passes"
    return (f"Check {verdict}: {len(result.introduced)} introduced by this change, "
            f"{len(result.kept)} already there before it, {len(result.fixed)} fixed.")


def render_text(result: CheckResult) -> str:
    lines = []
    if result.introduced:
        lines.append("Introduced by this change (each fails the check):")
        lines += [f"  x {_line(b)}" for b in result.introduced]
    if result.kept:
        lines.append("Already there before it (not this change's doing):")
        lines += [f"  · {_line(b)}" for b in result.kept]
    if result.fixed:
        lines.append("Fixed by this change:")
        lines += [f"  + {_line(b)}" for b in result.fixed]
    return "\n".join(lines + [summary(result)])


def _cell(text: str) -> str:
    return escape_markdown(text).replace("`", "'")  # a backtick would open a code span across cells


def render_markdown(result: CheckResult) -> str:
    mark = ":x:" if result.introduced else ":white_check_mark:"
    out = [f"### {mark} acorn check: {summary(result)}", ""]
    for title, items in (("Introduced by this change", result.introduced), ("Fixed by this change", result.fixed)):
        if items:
            out += [f"**{title}**", "", "| entity | marketplace | reason | why |", "|---|---|---|---|"]
            out += [f"| {_cell(b.entity)} | {_cell(b.marketplace or 'every create')} | `{_cell(b.code)}` "
                    f"| {_cell(b.message)} |" for b in items]
            out.append("")
    if result.kept:
        out.append(f"<details><summary>{len(result.kept)} already there before this change</summary>\n")
        out += [f"- {_cell(_line(b))}" for b in result.kept]
        out.append("\n</details>")
    return "\n".join(out).rstrip()


def render_check(result: CheckResult, fmt: str) -> str:
    return render_markdown(result) if fmt == "markdown" else render_text(result)
