"""Text from outside made safe to print: every control shown as a visible escape, no workflow
command at the start of any line, acorn's own colour kept (tests/render/test_output_injection.py
drives the commands; these pin each kind of character)."""

from __future__ import annotations

import json

import pytest

from reconciler.domain import safetext


@pytest.mark.parametrize("text, shown", [
    ("a\tb", "a\\tb"),
    ("nul\x00", "nul\\x00"),
    ("del\x7f nel\x85", "del\\x7f nel\\x85"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\u2028sep", "line\\u2028sep"),
    ("bom\ufeff", "bom\\ufeff"),
    ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
    (42, "42"),
])
def test_line_shows_every_control_as_an_escape(text, shown):
    assert safetext.line(text) == shown


def test_block_keeps_each_line_break_once_and_escapes_the_rest():
    assert safetext.block("one\r\ntwo\n\tthree\rfour") == "one\ntwo\n\\tthree\\rfour"
    assert safetext.block("first\n  ##[group]x\n::debug::y") == "first\n  # #[group]x\n: :debug::y"
    assert safetext.block("a::b and ##[c in the middle") == "a::b and ##[c in the middle"
    assert safetext.block("ok\n##[group]hidden") == "ok\n# #[group]hidden"
    assert safetext.line("##[group]hidden") == "# #[group]hidden"


def test_json_text_escapes_what_a_terminal_obeys_and_stays_the_same_json_value():
    value = {"message": "a\u2028b\x85c\u202ed\x7fe \u00e9\u00df"}
    text = safetext.json_text(json.dumps(value, ensure_ascii=False))
    assert text == '{"message": "a\\u2028b\\u0085c\\u202ed\\u007fe \u00e9\u00df"}'
    assert json.loads(text) == value


@pytest.mark.parametrize("own", ["\x1b[31m", "\x1b[0m", "\x1b[1;32m", "\x1b[K", "\x1b[2K", "\x1b[1G", "\x1b[?25l",
                                 "\x1b[?25h", "\r"])
def test_the_terminal_net_keeps_acorns_own_colour_and_progress_escapes(own):
    assert safetext.terminal(f"x{own}y") == f"x{own}y"


@pytest.mark.parametrize("stray, shown", [
    ("\x1b[H", "\\x1b[H"),  # cursor home
    ("\x1b[2J", "\\x1b[2J"),
    ("\x1b", "\\x1b"),
    ("\x00", "\\x00"),
    ("\x08", "\\x08"),
    ("\x9b", "\\x9b"),
    ("\u2029", "\\u2029"),
])
def test_the_terminal_net_shows_every_other_escape(stray, shown):
    assert safetext.terminal(f"x{stray}y\n") == f"x{shown}y\n"
