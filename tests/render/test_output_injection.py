"""Output injection: control characters, ANSI escapes and line breaks from API text or YAML
values never reach a terminal raw, and no value starts a GitHub workflow command on any line
CI prints. Markdown and HTML stay escaped."""

from __future__ import annotations

import json
import re

import pytest

from reconciler.client.redact import Redactor
from reconciler.domain import safetext
from reconciler.domain.model import Reason
from reconciler.errors import ApiError, Problem
from reconciler.render import render
from tests.engine.plan_builders import entity, one, reg, run, seller

NASTY = "bad\x1b[2J\x1b]0;pwned\x07\r\n::add-mask::x\n  ::error file=a::forged\u202egnp.exe\x9b31m##[warning]y"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def assert_safe(out: str) -> None:
    assert not RAW.search(out), repr(out)
    for line in out.splitlines():
        assert not line.lstrip().startswith(("::", "##[")), line


@pytest.mark.parametrize("text, expected", [
    ("a\x1b[31mred", "a\\x1b[31mred"),
    ("two\nlines\r", "two\\nlines\\r"),
    ("::add-mask::secret", ": :add-mask::secret"),
    ("   ::error::x", "   : :error::x"),
    ("##[error]x", "# #[error]x"),
    ("\u202eevil", "\\u202eevil"),
    ("csi\x9b1m", "csi\\x9b1m"),
    ("plain text: a::b stays", "plain text: a::b stays"),
    ("株式会社さくら", "株式会社さくら"),
])
def test_line_shows_what_would_be_obeyed(text, expected):
    assert safetext.line(text) == expected


def test_block_keeps_line_breaks_and_defuses_each_line():
    assert safetext.block("ok\n::error::x\n\x1b[1m") == "ok\n: :error::x\n\\x1b[1m"


def test_api_text_in_every_plan_view_is_safe():
    e = entity()
    p = one(e, regs=(reg("DE", "REJECTED", reasons=(Reason("X", NASTY),)),))
    errors = run([e], [seller(e, error=NASTY)])
    for fmt in ("text", "markdown", "json"):
        for plan in (p, errors):
            out = render(plan, fmt)
            assert_safe(out)
    assert json.loads(render(errors, "json"))["entities"][0]["error"] == NASTY  # JSON keeps the value, escaped
    assert "pwned" in render(errors, "text")  # shown, not hidden


def test_colour_acorn_adds_still_works_around_a_safe_value():
    e = entity()
    out = render(run([e], [seller(e, error=NASTY)]), "text", color=True)
    assert "\x1b[" in out and "\\x1b[2J" in out
    assert not RAW.search(out.replace("\x1b[", "")), repr(out)


def test_markdown_stays_escaped():
    e = entity()
    out = render(run([e], [seller(e, error="<script>alert(1)</script> | [x](javascript:y)")]), "markdown")
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_a_server_message_becomes_one_safe_line_in_an_error():
    exc = Redactor().error(ApiError(f"call failed: 400 X: {NASTY}", code=NASTY, request_id="id\n::error::x"))
    assert "\n" not in str(exc) and not RAW.search(str(exc)) and not RAW.search(exc.code)
    assert_safe(str(exc))


def test_a_yaml_key_or_file_name_in_a_problem_is_one_safe_line():
    p = Problem("desired/entities/x\n::error::y.yaml", 1, 1, "spec.\x1b[2Jkey", NASTY)
    assert_safe(str(p))


def test_validate_prints_hostile_keys_safely(run_acorn, tmp_path):
    from tests import FIXTURES
    entities = tmp_path / "desired" / "entities"
    entities.mkdir(parents=True)
    text = (FIXTURES / "valid.yaml").read_text().replace(
        "  labels: {brand: acme}", '  labels: {brand: acme}\n  "\\e]0;x\\a\\n::error::forged": 1')
    (entities / "valid.yaml").write_text(text)
    result = run_acorn("validate", "--desired", str(tmp_path / "desired"), env={"GITHUB_ACTIONS": "true"})
    assert result.code == 1
    [annotation] = result.out.splitlines()  # acorn's own workflow command, one per problem; nothing else
    assert re.match(r"::error file=[^:\n]*,line=6,col=3::metadata\.", annotation)
    assert not RAW.search(result.out)
    assert_safe(result.err)
    assert "forged" in result.err


def test_the_last_net_keeps_acorn_colour_and_shows_every_other_escape():
    own = "\x1b[32m+ create\x1b[0m \x1b[1mbold\x1b[0m\r\x1b[K\x1b[?25l"
    assert safetext.terminal(own) == own
    assert safetext.terminal("\x1b]0;title\x07\x1b[2J\x9b1m\u202e") == "\\x1b]0;title\\x07\\x1b[2J\\x9b1m\\u202e"


def test_whatever_a_command_prints_passes_the_net(run_acorn, monkeypatch):
    import click

    def loud(*_args, **_kwargs):
        click.echo("title\x1b]0;pwned\x07 and \x1b[2J")
        click.echo("bell\x07", err=True)
        return 0

    monkeypatch.setattr("reconciler.cli.validate.command.callback", loud)
    result = run_acorn("validate")
    # (click itself drops CSI sequences when not on a terminal; the net shows what it leaves)
    assert result.out == "title\\x1b]0;pwned\\x07 and \n" and result.err == "bell\\x07\n"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_pr_checks_report_shows_a_hostile_message_without_obeying_it(fmt):
    from reconciler.engine.pr_check import Breakage, CheckResult
    from reconciler.render.pr_check import render_check

    bad = Breakage("acme", "DE", "InvalidInput", "blocked", NASTY + " <img src=x> | cell")
    out = render_check(CheckResult((bad,), (bad,), ()), fmt)
    assert_safe(out)
    if fmt == "markdown":
        assert "<img" not in out and "&lt;img src=x&gt; \\| cell" in out
