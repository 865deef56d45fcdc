"""The HTML status page in headless Chromium, after its script ran: the matrix cells hold
each entity's states per marketplace (the plan's), and the label and state filters, read
from the address, hide exactly the rows that do not match. Without Chromium these skip, and the
run fails (tests/skip_allowlist.txt): `.ci/run` installs Debian's chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests import REPO

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, bool] = {}  # entity -> hidden
        self.cells: dict[str, dict[str, list[str]]] = {}
        self.ids: dict[str, str] = {}  # element id -> its text
        self.counts: dict[str, str] = {}
        self._row = self._cell = self._id = self._count = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-entity" in a:
            self._row = a["data-entity"]
            self.rows[self._row] = "hidden" in a
            self.cells[self._row] = {}
        elif tag == "td" and "data-marketplace" in a and self._row:
            self._cell = a["data-marketplace"]
        elif tag == "span" and "data-state" in a and self._cell:
            self.cells[self._row].setdefault(self._cell, []).append(a["data-state"])
        if a.get("id") in ("shown", "environment", "generated"):
            self._id = a["id"]
        if "data-count" in a:
            self._count = a["data-count"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        elif tag == "tr":
            self._row = None
        self._id = self._count = None

    def handle_data(self, data: str) -> None:
        if self._id:
            self.ids[self._id] = self.ids.get(self._id, "") + data
        if self._count:
            self.counts[self._count] = data


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo's status page and its plan (one embedded sandbox, read once for the module)."""
    from reconciler.cli.main import main

    root = tmp_path_factory.mktemp("site")
    shutil.copytree(REPO / "desired", root / "desired")
    for args in (["status", "--format", "html", "--out", str(root / "status.html")],
                 ["plan", "--format", "json", "--out", str(root / "plan.json")]):
        with pytest.raises(SystemExit) as exited:
            main([*args, "--desired", str(root / "desired")])
        assert exited.value.code == 0  # acme-sz's FE is unauthorized: shown, and warned about
    return root / "status.html", json.loads((root / "plan.json").read_text())


def dom(page: Path, suffix: str, profile: Path) -> _Dom:
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri() + suffix],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'data-ready="true"' in proc.stdout, "the page's script did not run"
    parsed = _Dom()
    parsed.feed(proc.stdout)
    return parsed


def visible(d: _Dom) -> list[str]:
    return [name for name, hidden in d.rows.items() if not hidden]


def test_cells_hold_the_plans_states(site: tuple[Path, dict], tmp_path: Path) -> None:
    page, plan = site
    d = dom(page, "", tmp_path)
    expected = {}
    for e in plan["entities"]:
        cells: dict[str, list[str]] = {}
        for p in e["pairs"]:
            cells.setdefault(p["marketplace"], []).append(p["state"])
        expected[e["name"]] = cells
    assert d.cells == expected
    assert d.cells["nordlicht-de"]["FR"] == ["pending", "drifted"]
    assert visible(d) == list(expected)
    assert d.ids["shown"] == "6 of 6 entities"
    assert d.ids["environment"] == "sandbox"


@pytest.mark.parametrize("suffix, rows", [
    ("#label=brand=atlas", ["atlas-ie", "atlas-uk"]),
    ("#label=brand%3Dacme", ["acme-sz"]),
    ("?label=team=apac", ["acme-sz", "sakura-jp"]),
    ("#label=team=emea,brand=nordlicht", ["nordlicht-de"]),
    ("#label=team=emea&state=blocked", ["atlas-ie", "atlas-uk"]),  # atlas-ie: its EU account's legal name
    ("#state=attention", ["nordlicht-de"]),
    ("#label=brand=nobody", []),
    ("#label=team", ["acme-sz", "atlas-ie", "atlas-uk", "maple-ca", "nordlicht-de", "sakura-jp"]),
])
def test_filters_from_the_address_hide_rows_that_do_not_match(site: tuple[Path, dict], tmp_path: Path,
                                                              suffix: str, rows: list[str]) -> None:
    page, _ = site
    d = dom(page, suffix, tmp_path)
    assert visible(d) == rows
    assert d.ids["shown"] == f"{len(rows)} of 6 entities"


def test_summary_counts_follow_the_filter(site: tuple[Path, dict], tmp_path: Path) -> None:
    page, plan = site
    assert dom(page, "", tmp_path).counts["blocked"] == str(plan["summary"]["blocked"])
    d = dom(page, "#label=brand=atlas", tmp_path)
    assert d.counts == {"live": "0", "pending": "0", "attention": "0", "blocked": "4", "create": "0",
                        "unmanaged": "0", "drifted": "0", "unauthorized": "0"}


@pytest.fixture(scope="module")
def big_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A page of 250 entities (more than one page of rows), from the demo's status."""
    from dataclasses import replace

    from reconciler.render.status import render_status, status_of
    from tests.engine.plan_builders import sample_plan

    base = status_of(sample_plan(), {"acme-sz": (("team", "apac"),), "nordlicht-de": (("team", "emea"),)})
    rows = tuple(replace(base.rows[i % len(base.rows)], name=f"e{i:05d}") for i in range(250))
    path = tmp_path_factory.mktemp("big") / "status.html"
    path.write_text(render_status(replace(base, rows=rows), "html"), encoding="utf-8")
    return path


def test_a_large_page_draws_only_the_rows_in_view(big_page: Path, tmp_path: Path) -> None:
    """The matrix is virtualised: the rows in view of its scrolling box and a few around, in
    order from the first; the count still says every entity."""
    d = dom(big_page, "", tmp_path)
    assert 0 < len(visible(d)) < 100
    assert visible(d) == [f"e{i:05d}" for i in range(len(visible(d)))]
    assert d.ids["shown"] == "250 of 250 entities"


def test_search_finds_entities_beyond_the_first_page(big_page: Path, tmp_path: Path) -> None:
    d = dom(big_page, "#q=e0024", tmp_path)
    assert visible(d) == [f"e{i:05d}" for i in range(240, 250)]
    assert d.ids["shown"] == "10 of 250 entities"


def test_label_and_state_filters_work_on_every_row(big_page: Path, tmp_path: Path) -> None:
    d = dom(big_page, "#label=team=emea&state=attention", tmp_path)
    # the sample's nordlicht-de (emea, attention) is every 4th row of the 250; those in view are drawn
    expected = [f"e{i:05d}" for i in range(250) if i % 4 == 2]
    assert visible(d) and visible(d) == expected[:len(visible(d))]
    assert d.ids["shown"] == f"{len(expected)} of 250 entities"
