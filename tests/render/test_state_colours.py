"""One name and one colour per state in every view: the terminal's ANSI code, the status
page's CSS, the legend (--help) and the summaries all read render.COLOURS."""

from __future__ import annotations

from reconciler.render import COLOURS, ERROR_SYMBOL, SYMBOLS, UNREADABLE, UNREADABLE_NAME, legend, paint
from reconciler.render.status import render_status
from tests.render.status_builders import sample_status


def test_the_terminal_and_the_page_draw_each_state_in_its_one_colour() -> None:
    page = render_status(sample_status(), "html")
    for state, colour in COLOURS.items():
        assert f"--{state}-fg: {colour.fg};" in page and f"--{state}-bg: {colour.bg};" in page
        assert f".state-{state} {{ background: var(--{state}-bg); color: var(--{state}-fg);" in page
        assert paint("x", state, True) == f"\x1b[{colour.ansi}mx\x1b[0m"


def test_the_legend_names_each_state_and_its_colour_once() -> None:
    lines = legend().splitlines()
    for state, symbol in SYMBOLS.items():
        (line,) = [x for x in lines if x.startswith(f"{symbol} {state} ")]
        assert COLOURS[state].name in line
    (last,) = [x for x in lines if x.startswith(ERROR_SYMBOL)]
    assert last.split()[1] == UNREADABLE_NAME and COLOURS[UNREADABLE].name in last


def test_an_unreadable_entity_is_called_unreadable_everywhere() -> None:
    status = sample_status()
    for fmt in ("text", "markdown", "html"):
        out = render_status(status, fmt)
        assert f"{ERROR_SYMBOL} {UNREADABLE_NAME}" in out, fmt
        assert "E error" not in out and "E could not be read" not in out, fmt
    assert status_line_ends_unreadable(render_status(status, "text"))


def status_line_ends_unreadable(text: str) -> bool:
    return text.splitlines()[-1].endswith(f"1 {UNREADABLE_NAME}.")
