"""`acorn status` end to end on the shipped demo against the embedded sandbox: formats,
--out, selection and shards, an unreadable seller, masking."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests import REPO


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "desired", tmp_path / "desired")
    return tmp_path


def test_text_shows_the_matrix_and_the_summary(run_acorn, demo: Path) -> None:
    result = run_acorn("status", cwd=demo)
    assert result.code == 0, result.err  # acme-sz's FE could not be read (unauthorized): a warning
    lines = result.out.splitlines()
    assert lines[0].split() == ["entity", "US", "CA", "MX", "UK", "DE", "FR", "IT", "NL", "IE", "JP", "AU"]
    assert lines[1].split() == ["acme-sz", "=", "=", "?", "·", "x", "x", "·", "·", "·", "#", "·"]
    assert lines[-1] == ("Status: 4 live, 1 pending, 1 attention, 9 blocked, 2 to create, 1 unmanaged, 1 drifted, "
                         "1 unauthorized, 0 unreadable.")
    assert "  ~ FR  pending    IN_REVIEW REG-" in result.out  # the registration's status and id
    assert "  = US  live       store Acme Direct" in result.out  # the Sellers API's storeName
    assert "other channels (not Amazon stores, never drift): Non-Amazon (A2ZV50J4W1RKNI)" in result.out


def test_json_matches_the_plan(run_acorn, demo: Path) -> None:
    status = json.loads(run_acorn("status", "--format", "json", cwd=demo).out)
    plan = json.loads(run_acorn("plan", "--format", "json", cwd=demo).out)
    acme = next(e for e in status["entities"] if e["name"] == "acme-sz")
    assert acme["otherChannels"] == [{"marketplaceId": "A2ZV50J4W1RKNI", "name": "Non-Amazon"}]
    assert acme["cells"]["US"][0]["storeName"] == "Acme Direct"
    assert [e["name"] for e in status["entities"]] == [e["name"] for e in plan["entities"]]
    for s, p in zip(status["entities"], plan["entities"], strict=False):
        # a cell holds the plan's pairs of its marketplace, each in the plan's JSON form
        # (its reasons, ids, ages and drift), less the marketplace that keys the cell
        assert s["cells"] == {m: [{k: v for k, v in q.items() if k != "marketplace"}
                                  for q in p["pairs"] if q["marketplace"] == m]
                              for m in dict.fromkeys(q["marketplace"] for q in p["pairs"])}


def test_out_writes_the_html_page_and_prints_nothing(run_acorn, demo: Path) -> None:
    result = run_acorn("status", "--format", "html", "--out", "site/status.html", "--selector", "team=emea", cwd=demo)
    assert result.code == 0, result.err
    assert result.out == ""
    page = (demo / "site" / "status.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert 'data-entity="nordlicht-de"' in page


def test_selector_and_marketplace_narrow_the_matrix(run_acorn, demo: Path) -> None:
    data = json.loads(run_acorn("status", "--format", "json", "--selector", "brand=atlas", "--marketplace", "UK",
                                cwd=demo).out)
    assert [e["name"] for e in data["entities"]] == ["atlas-uk"]
    assert data["marketplaces"] == ["UK"]


def test_shards_split_the_entities(run_acorn, demo: Path) -> None:
    names = []
    for k in (1, 2, 3):
        result = run_acorn("status", "--format", "json", "--shard", f"{k}/3", cwd=demo)
        assert result.code in (0, 1), result.err  # 1 for the shard with acme-sz (its FE is unauthorized)
        names += [e["name"] for e in json.loads(result.out)["entities"]]
    assert sorted(names) == ["acme-sz", "atlas-ie", "atlas-uk", "maple-ca", "nordlicht-de", "sakura-jp"]
    assert run_acorn("status", "--shard", "4/3", cwd=demo).code == 1


def test_an_unreadable_seller_is_shown_and_exits_1(run_acorn, demo: Path) -> None:
    text = (demo / "desired" / "entities" / "maple-ca.yaml").read_text()
    (demo / "desired" / "entities" / "ghost.yaml").write_text(
        text.replace("name: maple-ca", "name: ghost").replace("A4MAPLE000CA", "A7GHOST00000XX"))
    # The sandbox knows the seller by a token of its own, which the (unset) credential is not:
    # the seller cannot be read (a seller it does not know at all would be rehearsed).
    assert run_acorn("sandbox", "seller", "add", "ghost", "--seller-id", "A7GHOST00000XX", cwd=demo).code == 0
    result = run_acorn("status", "--format", "html", "--out", "status.html", cwd=demo)
    assert result.code == 1
    assert "error: ghost:" in result.err
    page = (demo / "status.html").read_text()
    assert 'data-entity="ghost"' in page and "E unreadable" in page


def test_no_format_shows_a_full_tax_or_registration_number(run_acorn, demo: Path) -> None:
    for fmt in ("text", "json", "markdown", "html"):
        out = run_acorn("status", "--format", fmt, cwd=demo).out
        for number in ("DE123456788", "91440300MA5EXAMPLA", "HRB123456", "GB987654004", "T7123456789012"):
            assert number not in out, (fmt, number)


def test_colour_never_in_a_file_or_under_no_color(run_acorn, demo: Path) -> None:
    assert "\x1b[" not in run_acorn("status", "--no-color", cwd=demo).out
    run_acorn("status", "--out", "status.txt", cwd=demo)
    assert "\x1b[" not in (demo / "status.txt").read_text()


def test_shell_completion_script_and_answers(run_acorn, demo: Path) -> None:
    script = run_acorn(env={"_ACORN_COMPLETE": "bash_source"}, cwd=demo)
    assert script.code == 0 and "complete -o nosort -F _acorn_completion acorn" in script.out
    formats = run_acorn(env={"_ACORN_COMPLETE": "bash_complete", "COMP_WORDS": "acorn status --format ",
                             "COMP_CWORD": "3"}, cwd=demo)
    assert formats.out.split() == ["plain,text", "plain,json", "plain,markdown", "plain,html"]
    commands = run_acorn(env={"_ACORN_COMPLETE": "bash_complete", "COMP_WORDS": "acorn im", "COMP_CWORD": "1"},
                         cwd=demo)
    assert commands.out.split() == ["plain,import"]
