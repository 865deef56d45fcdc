"""The stream guard is I/O at the CLI edge; the pure sanitising rules stay in the domain."""

from __future__ import annotations

import io

from reconciler.cli.guarded_output import GuardedStream
from reconciler.domain import safetext


def test_the_guard_shows_stray_escapes_and_keeps_colour():
    inner = io.StringIO()
    GuardedStream(inner).write("\x1b[1mok\x1b[0m \x1b]0;title\x07")
    assert inner.getvalue() == "\x1b[1mok\x1b[0m \\x1b]0;title\\x07"


def test_the_domain_keeps_no_stream():
    assert not hasattr(safetext, "GuardedStream")
    assert not any(isinstance(v, type) for v in vars(safetext).values())
