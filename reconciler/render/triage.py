"""Views of a Triage (`acorn drift`): text for a terminal or log, Markdown for an issue, JSON.

Each reason is a heading with its count and the action to take, then one line per finding;
the last line is the one-line summary. Pure; values are already masked by the plan engine, and
every line passes through the sanitiser (domain.safetext): a server's words are shown, never obeyed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..domain import safetext
from ..domain.timestamps import utc_timestamp
from ..engine.triage import Finding, Group, Section, Triage
from . import ERROR_SYMBOL, SYMBOLS, UNREADABLE, UNREADABLE_NAME, escape_markdown, paint
from .findings import Link, LinkKey

Links = Mapping[LinkKey, Link]  # the line of desired/ to change, per (entity, marketplace, code)

TRIAGE_FORMATS = ("text", "json", "markdown")
FORMAT_VERSION = 1


def _symbol(state: str) -> str:
    return ERROR_SYMBOL if state == "error" else SYMBOLS[state]  # type: ignore[index]


def _style(state: str) -> str:
    return state


def _name(state: str) -> str:
    """The state's one name in every view ("error" is the key of an unreadable seller)."""
    return UNREADABLE_NAME if state == UNREADABLE else state


def _link(links: Links, g: Group, f: Finding) -> Link | None:
    return links.get((f.entity, f.marketplace, g.code))


def render_triage(t: Triage, fmt: str, color: bool = False, endpoint: str | None = None,
                  links: Links | None = None) -> str:
    """The triage as `text`, `markdown` or `json` (ValueError for another format); `links`, when
    given, name each finding's line of desired/ (docs/pull-requests.md)."""
    links = links or {}
    if fmt == "json":
        return safetext.json_text(json.dumps(triage_json(t, endpoint, links), indent=2, ensure_ascii=False))
    if fmt == "markdown":
        return "\n".join(_markdown(t, s, endpoint, links) for s in t.sections) if t.sections \
            else _markdown_empty(t, endpoint)
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(TRIAGE_FORMATS)})")
    lines = []
    if endpoint:
        lines += [paint(f"Drift for environment {t.environment} at endpoint {endpoint}, "
                        f"{utc_timestamp(t.generated_at)}", "bold", color), ""]
    for s in t.sections:
        if t.group_by is not None:
            lines += [paint(f"== {s.label or f'no label {t.group_by}'}: {s.count} "
                            f"finding{'s' * (s.count != 1)} ==", "bold", color), ""]
        for g in s.groups:
            lines += _text_group(g, color, links) + [""]
    lines.append(paint(t.line(), "bold", color))
    return "\n".join(lines)


def _text_group(g: Group, color: bool, links: Links) -> list[str]:
    head = f"{_symbol(g.state)} {g.code} ({_name(g.state)}): {len(g.findings)}"
    width = max(len(f.entity) for f in g.findings)
    out = [paint(head, "error" if g.state == "error" else _style(g.state), color),
           safetext.line(f"    what to do: {g.action}")]
    for f in g.findings:
        where = f"{f.entity:<{width}}  {f.marketplace or '-':<3}"
        reg = f" {f.registration_id}" if f.registration_id else ""
        link = _link(links, g, f)
        out.append(safetext.line(f"    {where}{reg}  {f.message}" + (f"  -> {link}" if link else "")))
    return out


def _markdown(t: Triage, s: Section, endpoint: str | None, links: Links | None = None) -> str:
    links = links or {}
    title = f"**{escape_markdown(t.line())}**" if t.group_by is None else (
        f"## {escape_markdown(s.label or f'no label {t.group_by}')}: {s.count} finding{'s' * (s.count != 1)}")
    parts = [title, ""]
    for g in s.groups:
        parts += [f"### `{_symbol(g.state)}` {escape_markdown(g.code)} · {_name(g.state)} · {len(g.findings)}", "",
                  f"**What to do:** {escape_markdown(g.action)}", "",
                  "| entity | marketplace | registration | detail |" + (" line |" if links else ""),
                  "|:--|:--|:--|:--|" + (":--|" if links else "")]
        parts += [f"| {escape_markdown(f.entity)} | {escape_markdown(f.marketplace or '-')} | "
                  f"{escape_markdown(f.registration_id or '')} | {escape_markdown(f.message)} |"
                  + (f" {_md_link(_link(links, g, f))} |" if links else "") for f in g.findings]
        parts.append("")
    parts.append(_footer(t, endpoint))
    return "\n".join(parts)


def _md_link(link: Link | None) -> str:
    return link.markdown() if link else ""


def _markdown_empty(t: Triage, endpoint: str | None) -> str:
    return f"**{escape_markdown(t.line())}**\n\n{_footer(t, endpoint)}"


def _footer(t: Triage, endpoint: str | None) -> str:
    where = f" · endpoint <code>{escape_markdown(endpoint)}</code>" if endpoint else ""
    return (f"<sub>environment <code>{escape_markdown(t.environment)}</code>{where} · generated "
            f"{utc_timestamp(t.generated_at)} · {escape_markdown(t.line())}</sub>")


def section_markdown(t: Triage, s: Section, endpoint: str | None = None, links: Links | None = None) -> str:
    """One section alone (one issue per --group-by value in the drift workflow)."""
    return _markdown(t, s, endpoint, links)


def triage_json(t: Triage, endpoint: str | None = None, links: Links | None = None) -> dict[str, Any]:
    found = links or {}

    def finding(g: Group, f: Finding) -> dict[str, Any]:
        out = {"entity": f.entity, "sellerId": f.seller_id, "marketplace": f.marketplace,
               "registrationId": f.registration_id, "message": f.message}
        link = _link(found, g, f)
        return out | ({"location": link.json()} if link else {})

    def group(g: Group) -> dict[str, Any]:
        return {"code": g.code, "state": g.state, "action": g.action,
                "findings": [finding(g, f) for f in g.findings]}

    out: dict[str, Any] = {"formatVersion": FORMAT_VERSION, "kind": "drift", "environment": t.environment}
    if endpoint:
        out["endpoint"] = endpoint
    out |= {"generatedAt": utc_timestamp(t.generated_at), "groupBy": t.group_by,
            "sections": [{"label": s.label, "count": s.count, "groups": [group(g) for g in s.groups]}
                         for s in t.sections],
            "summary": {"findings": t.count, "waitingCreates": t.waiting_creates,
                        "unappliedCreateDays": t.unapplied_create_days, "line": t.line()}}
    return out
