"""Renderings of a plan: golden text and markdown, json, colour, escaping and masking.

Regenerate the golden files after an intended change with
`ACORN_UPDATE_GOLDEN=1 python -m pytest tests/render` (each rewritten file fails its test), review the diff, run again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.domain.live import ACTION_REQUIRED
from reconciler.domain.model import Reason
from reconciler.engine.plan_json import from_json
from reconciler.render import FORMATS, render
from tests.engine.plan_builders import ALL_TAXES, FR_TYPO, entity, one, reg, sample_plan
from tests.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt, name", [("text", "plan.txt"), ("markdown", "plan.md"), ("json", "plan.json")])
def test_golden(fmt, name):
    out = render(sample_plan(), fmt, endpoint="embedded (.acorn/sandbox.sqlite)")
    path = GOLDEN / name
    assert_golden(path, out + "\n")


def test_text_ends_with_the_summary_line():
    assert render(sample_plan(), "text").splitlines()[-1] == (
        "Plan: 4 to create, 1 pending, 1 attention, 3 blocked, 2 live, 2 unmanaged, 1 drifted, 1 unreadable.")


def test_an_empty_plan_is_just_the_summary():
    from dataclasses import replace
    empty = replace(sample_plan(), entities=())
    assert render(empty, "text") == ("Plan: 0 to create, 0 pending, 0 attention, 0 blocked, 0 live, 0 unmanaged, "
                                     "0 drifted, 0 unreadable.")
    assert "<details" not in render(empty, "markdown")


def test_a_plan_saved_as_json_reads_back_as_the_same_plan_and_is_the_golden_file():
    p = sample_plan()
    saved = render(p, "json")
    assert from_json(json.loads(saved)) == p  # what `acorn apply PLANFILE` reads is what was planned
    assert saved + "\n" == (GOLDEN / "plan.json").read_text(encoding="utf-8")


def test_colour_only_when_asked():
    p = sample_plan()
    plain, coloured = render(p, "text"), render(p, "text", color=True)
    assert "\x1b[" not in plain
    assert "\x1b[32m+ CA  create\x1b[0m" in coloured
    assert "\x1b[31mx US  blocked\x1b[0m" in coloured
    assert "\x1b[" not in render(p, "markdown", color=True) + render(p, "json", color=True)


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        render(sample_plan(), "html")


def test_markdown_matrix_has_a_row_per_entity_and_a_column_per_marketplace_in_catalogue_order():
    md = render(sample_plan(), "markdown")
    header = next(line for line in md.splitlines() if line.startswith("| entity |"))
    assert header == "| entity | US | CA | UK | DE | FR | IT | NL | SE | JP |"
    nord = next(line for line in md.splitlines() if line.startswith("| **nordlicht-de**"))
    assert nord.count("|") == header.count("|")
    assert "`~ pending`<br>`* drifted`" in nord


def test_markdown_escapes_user_strings():
    evil = (Reason("DOCUMENT_UNREADABLE", "a | b <script>alert(1)</script>"),)
    md = render(one(entity(legal_name="A | B <img src=x>"), regs=(reg("DE", ACTION_REQUIRED, reasons=evil),)),
                "markdown")
    assert "<script>" not in md and "<img" not in md
    assert "a \\| b &lt;script&gt;" in md


SENSITIVE = [t.number for t in ALL_TAXES + (FR_TYPO,) if t.number] + ["91440300MA5EXAMPLA", "HRB123456", "2026-09-01"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_rendering_shows_a_number_or_id_detail_in_full(fmt):
    out = render(sample_plan(), fmt)
    leaked = [s for s in SENSITIVE if s in out]
    assert not leaked
    assert "*******6788" in out and "*****3456" in out  # the API's message, masked by the engine
    assert "*********6882" in out  # preflight's own message masks the number it judges


def test_an_entity_error_is_masked_too():
    from tests.engine.plan_builders import run, seller
    e = entity()
    p = run([e], [seller(e, error="seller record mentions DE123456788")])
    assert "DE123456788" not in render(p, "text")
