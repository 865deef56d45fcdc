"""Views of the triage: text (a heading per reason with what to do), Markdown (safe in an
issue), JSON (the documented shape)."""

from __future__ import annotations

import json

from reconciler.engine.triage import triage
from reconciler.render.triage import render_triage, section_markdown
from tests.engine.plan_builders import NOW, sample_plan

T = triage(sample_plan(), now=NOW, first_seen={}, unapplied_create_days=2,
           labels={"nordlicht-de": {"team": "emea"}}, group_by=None)


def test_text_is_headings_with_actions_then_the_summary() -> None:
    lines = render_triage(T, "text", endpoint="embedded (.acorn/sandbox.sqlite)").splitlines()
    assert lines[0].startswith("Drift for environment sandbox at endpoint embedded (.acorn/sandbox.sqlite), "
                               "2026-06-01T09:30:00Z")
    assert "E UNREADABLE (unreadable): 1" in lines
    i = lines.index("x TAX_NUMBER_INVALID (blocked): 2")
    assert lines[i + 1].startswith("    what to do: correct the tax number")
    assert not any("TAX_REGISTRATION_MAY_BE_REQUIRED" in line for line in lines)  # a warning is not drift
    assert lines[-1] == T.line()


def test_colour_marks_each_heading_by_its_state() -> None:
    text = render_triage(T, "text", color=True)
    assert "\x1b[31mx TAX_NUMBER_INVALID" in text and "\x1b[33m! DOCUMENT_UNREADABLE" in text
    assert "\x1b[" not in render_triage(T, "text")


def test_markdown_escapes_what_the_api_said() -> None:
    md = render_triage(T, "markdown")
    assert "&lt;unreadable&gt;" in md and "\\|" in md and "<unreadable>" not in md
    assert md.startswith(f"**{T.line()}**")


def test_json_has_the_documented_shape() -> None:
    data = json.loads(render_triage(T, "json", endpoint="embedded"))
    assert list(data) == ["formatVersion", "kind", "environment", "endpoint", "generatedAt", "groupBy", "sections",
                          "summary"]
    group = data["sections"][0]["groups"][0]
    assert list(group) == ["code", "state", "action", "findings"]
    assert data["summary"]["findings"] == T.count


def test_one_section_alone_for_a_team_issue() -> None:
    split = triage(sample_plan(), now=NOW, first_seen={}, unapplied_create_days=2,
                   labels={"nordlicht-de": {"team": "emea"}}, group_by="team")
    emea = next(s for s in split.sections if s.label == "team=emea")
    md = section_markdown(split, emea)
    assert md.startswith("## team=emea: ") and "acme-sz" not in md and "nordlicht-de" in md
