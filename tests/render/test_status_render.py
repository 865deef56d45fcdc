"""Renderings of the status matrix: golden text and markdown, json, the HTML page's
structure, escaping, self-containment and its Content-Security-Policy.

Regenerate the golden files after an intended change with
`ACORN_UPDATE_GOLDEN=1 python -m pytest tests/render` (each rewritten file fails its test), review the diff, run again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reconciler import __version__
from reconciler.domain.model import Reason
from reconciler.engine.plan import EntityPlan, Plan
from reconciler.render import render
from reconciler.render.status import STATUS_FORMATS, render_status, status_of
from tests.golden import assert_golden
from tests.render.status_builders import HOSTILE, NOW, pair, sample_plan, sample_status

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt, name", [("text", "status.txt"), ("markdown", "status.md")])
def test_golden(fmt: str, name: str) -> None:
    # the version is the build's (the git tag): the golden file says VERSION
    out = render_status(sample_status(), fmt).replace(f"acorn {__version__}<", "acorn VERSION<")
    path = GOLDEN / name
    assert_golden(path, out + "\n")


def test_text_matrix_puts_each_state_under_its_marketplace() -> None:
    lines = render_status(sample_status(), "text").splitlines()
    header = lines[0].split()
    assert header == ["entity", "US", "CA", "MX", "DE", "FR", "IT"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:4]}
    assert rows["acme"] == ["=", "=", "?", "+", "x", "·"]
    assert rows["nord"] == ["·", "·", "·", "=", "~*", "!"]
    assert rows["gone"] == ["E", "unreadable"]
    assert lines[-1] == ("Status: 3 live, 1 pending, 1 attention, 1 blocked, 1 to create, 1 unmanaged, 1 drifted, "
                         "1 unreadable.")


def test_json_cells_are_keyed_by_marketplace_with_labels_and_errors() -> None:
    data = json.loads(render_status(sample_status(), "json"))
    assert list(data) == ["formatVersion", "kind", "environment", "generatedAt", "desiredDigest", "marketplaces",
                          "entities", "summary"]
    assert data["marketplaces"] == ["US", "CA", "MX", "DE", "FR", "IT"]
    acme, nord, gone = data["entities"]
    assert acme["labels"] == {"brand": "acme", "team": "apac"}
    assert {m: [p["state"] for p in ps] for m, ps in acme["cells"].items()} == {
        "US": ["live"], "CA": ["live"], "MX": ["unmanaged"], "DE": ["create"], "FR": ["blocked"]}
    assert [p["state"] for p in nord["cells"]["FR"]] == ["pending", "drifted"]
    assert nord["cells"]["FR"][0] | {"reasons": []} == {"state": "pending", "marketplaceId": "A13V1IB3VIYZZH",
                                                        "status": "IN_REVIEW", "registrationId": "REG-FR1",
                                                        "ageDays": 20, "reasons": []}
    assert gone["error"].startswith("LWA refused") and gone["cells"] == {}
    assert data["summary"] == {"live": 3, "pending": 1, "attention": 1, "blocked": 1, "create": 1, "unmanaged": 1,
                               "drifted": 1, "unauthorized": 0, "errors": 1}


def test_markdown_escapes_user_strings() -> None:
    out = render_status(sample_status(), "markdown")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert 'nord"&lt;i&gt;\\|x' in out  # a label value cannot open a tag
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 3  # header, rule, three entities
    for line in rows:  # 8 columns: 9 unescaped pipes on every row, whatever the values hold
        assert len(re.findall(r"(?<!\\)\|", line)) == 9, line


def test_markdown_opens_the_same_entities_as_the_plan_comment() -> None:
    # a stale pending registration asks for a look; a create retrying a rejection does not
    plan = Plan("sandbox", NOW, "d" * 64, (
        EntityPlan("stale", "A3EXAMPLESTALE1", (
            pair("DE", "pending", "IN_REVIEW", "REG-DE1", (Reason("STALE_PENDING", "IN_REVIEW for 20 days"),), 20),)),
        EntityPlan("retry", "A3EXAMPLERETRY1", (
            pair("FR", "create", "REJECTED", "REG-FR1", (Reason("REJECTED_CHANGED", "submission changed since"),)),)),
    ))

    def opened(out: str) -> list[str]:
        return re.findall(r"<details open><summary><b>(\w+)</b>", out)

    assert opened(render_status(status_of(plan, {}), "markdown")) == ["stale"]
    assert opened(render(plan, "markdown")) == ["stale"]


def test_colour_only_when_asked() -> None:
    plain, coloured = render_status(sample_status(), "text"), render_status(sample_status(), "text", color=True)
    assert "\x1b[" not in plain and "\x1b[31mx\x1b[0m" in coloured
    for fmt in ("json", "markdown", "html"):
        assert "\x1b[" not in render_status(sample_status(), fmt, color=True)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render_status(sample_status(), "yaml")
    assert STATUS_FORMATS == ("text", "json", "markdown", "html")


def test_an_empty_status_renders_in_every_format() -> None:
    from dataclasses import replace
    empty = status_of(replace(sample_plan(), entities=()), {})
    assert render_status(empty, "text") == (
        "Status: 0 live, 0 pending, 0 attention, 0 blocked, 0 to create, 0 unmanaged, 0 drifted, 0 unreadable.")
    assert "<table id=\"matrix\">" in render_status(empty, "html")
    assert json.loads(render_status(empty, "json"))["entities"] == []


# --- html -----------------------------------------------------------------------------------

class _Page(HTMLParser):
    """Collects what the tests look at: rows, cells with their titles, tags with URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: dict[str, dict[str, str | None]] = {}
        self.cells: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.text: dict[str, str] = {}  # script and style contents
        self._row: str | None = None
        self._cell: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "tr" and "data-entity" in a:
            self._row = a["data-entity"]
            self.rows[self._row] = a
        elif tag == "td" and "data-marketplace" in a:
            self._cell = a["data-marketplace"]
            self.cells.setdefault((self._row, self._cell), [])
        elif tag == "span" and "data-state" in a and self._cell:
            self.cells[(self._row, self._cell)].append((a["data-state"], a.get("title") or ""))
        elif tag in ("script", "style"):
            self._in = "data" if a.get("type") == "application/json" else tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag in ("script", "style"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.text[self._in] = self.text.get(self._in, "") + data


def page() -> tuple[str, _Page]:
    html = render_status(sample_status(), "html")
    parser = _Page()
    parser.feed(html)
    return html, parser


def test_html_cells_carry_state_and_reasons_on_hover() -> None:
    _, p = page()
    assert [s for s, _ in p.cells[("acme", "FR")]] == ["blocked"]
    assert [s for s, _ in p.cells[("nord", "FR")]] == ["pending", "drifted"]
    assert p.cells[("acme", "IT")] == []
    title = p.cells[("nord", "FR")][0][1]
    assert title.splitlines() == ["FR · pending", "IN_REVIEW REG-FR1 · 20 days", "STALE_PENDING: IN_REVIEW for 20 days"]
    assert p.cells[("nord", "IT")][0][1].endswith(HOSTILE)  # the parser unescaped exactly what was escaped


def test_html_rows_embed_labels_and_states_for_the_filter() -> None:
    _, p = page()
    assert json.loads(p.rows["acme"]["data-labels"]) == {"brand": "acme", "team": "apac"}
    assert json.loads(p.rows["nord"]["data-labels"]) == {"brand": 'nord"<i>|x', "team": "emea"}
    assert p.rows["nord"]["data-states"] == "live pending attention drifted"
    assert p.rows["gone"]["data-states"] == "error"


def test_html_escapes_every_value() -> None:
    html, p = page()
    assert "<script>alert" not in html and "<i>" not in html
    assert html.count("<script>") == 1  # the page's own
    # the data block is JSON that no value can close early: <, > and & are escaped in it
    assert not re.search(r"[<>&]", p.text["data"])
    data = json.loads(p.text["data"])
    assert [r[0] for r in data["rows"]] == [r for r in p.rows]


def test_a_large_status_writes_only_the_first_rows_as_html_and_every_row_as_data() -> None:
    from dataclasses import replace

    from reconciler.render.status import PAGE_ROWS

    base = sample_status()
    many = replace(base, rows=tuple(replace(base.rows[i % len(base.rows)], name=f"e{i:05d}") for i in range(1000)))
    html = render_status(many, "html")
    parser = _Page()
    parser.feed(html)
    assert len(parser.rows) == PAGE_ROWS
    assert len(json.loads(parser.text["data"])["rows"]) == 1000
    assert 'id="more-left">900 more entities<' in html


def test_html_is_self_contained() -> None:
    html, p = page()
    for tag, attrs in p.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        for name in ("src", "href", "action"):
            assert name not in attrs, (tag, attrs)
    assert "url(" not in p.text["style"] and "@import" not in p.text["style"]
    assert not re.search(r"\b(fetch|XMLHttpRequest|import\()", p.text["script"])


def test_html_content_security_policy_allows_only_its_own_style_and_script() -> None:
    _, p = page()
    csp = next(a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert csp == (f"default-src 'none'; style-src {digest(p.text['style'])}; "
                   f"script-src {digest(p.text['script'])}")


def test_html_shows_summary_environment_and_time() -> None:
    html, p = page()
    counts = {a["data-count"]: None for t, a in p.tags if "data-count" in a}
    assert list(counts) == ["live", "pending", "attention", "blocked", "create", "unmanaged", "drifted",
                            "unauthorized"]
    assert re.search(r'data-count="live">3<', html) and re.search(r'data-count="drifted">1<', html)
    assert 'id="environment">sandbox<' in html
    assert 'datetime="2026-06-01T09:30:00Z"' in html and "2026-06-01 09:30:00 UTC" in html
