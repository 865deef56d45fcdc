"""Text from outside (API answers, YAML values, file names) made safe to print.

A terminal obeys escape sequences and control characters; a CI log obeys GitHub workflow
commands (`::error …`, `::add-mask::…`, `::stop-commands::…`, and the older `##[…]`) on any
line of output that starts with one. Text acorn did not write itself passes through `line`
(one line: every control, escape, line or paragraph separator and bidirectional override
shown as a visible escape such as `\\x1b`) or `block` (the same, keeping line breaks), which
also defuse a workflow command at the start of any line. Renderers and the error boundary
use these; nothing else needs to remember.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings, overrides and isolates,
# the BOM and zero-width characters that hide text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")
_UNSAFE_KEEP_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                                  "\u200b-\u200f\ufeff]")
# A workflow command: `::name` or `##[name` after optional whitespace at the start of a line.
_COMMAND = re.compile(r"^(\s*)(::|##\[)", re.MULTILINE)
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    return _ESCAPES.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def _defuse(match: re.Match[str]) -> str:
    # `::error` -> `: :error`, `##[group]` -> `# #[group]`: readable, and no runner obeys it
    return match.group(1) + match.group(2)[0] + " " + match.group(2)[1:]


def line(text: object) -> str:
    """`text` as one safe line: nothing in it can move the cursor, recolour, hide text, break
    the line, or start a workflow command."""
    s = str(text)
    if _UNSAFE.search(s):
        s = _UNSAFE.sub(_escape, s)
    return _COMMAND.sub(_defuse, s) if ("::" in s or "##[" in s) else s


def block(text: object) -> str:
    """`text` with its line breaks kept; every line as safe as `line` makes it."""
    s = str(text).replace("\r\n", "\n")
    if _UNSAFE_KEEP_NEWLINE.search(s):
        s = _UNSAFE_KEEP_NEWLINE.sub(_escape, s)
    return _COMMAND.sub(_defuse, s) if ("::" in s or "##[" in s) else s


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")


def json_text(text: str) -> str:
    """JSON text (`json.dumps(..., ensure_ascii=False)`) with the characters JSON leaves raw but a
    terminal obeys (C1 controls, separators, bidi overrides) written as \\u escapes: the same value."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# What acorn itself writes to a terminal: colour (SGR), and click's progress bar (carriage
# return, erase line, cursor hide/show). Every other escape, control or bidi character is
# shown, whoever wrote it: the last net under every command's output.
_OWN_ESCAPE = r"\x1b\[(?:[0-9;]*m|\?25[lh]|[0-9]*[KG])"
_STRAY = re.compile(f"(?!{_OWN_ESCAPE})\x1b|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f"
                    "\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal(text: str) -> str:
    """`text` as written to stdout or stderr: acorn's own colour and progress escapes kept,
    every other control or escape shown (`\\x1b]0;…` cannot retitle or rewrite the terminal)."""
    return _STRAY.sub(_escape, text) if _STRAY.search(text) else text
