"""The last net under every command's output: stdout and stderr wrapped so that no stray
escape reaches the terminal, whichever path printed it (the pure rule is domain.safetext.terminal)."""

from __future__ import annotations

from ..domain.safetext import terminal


class GuardedStream:
    """A text stream that passes what it is given through `terminal` (the CLI wraps stdout and
    stderr in it for the length of a command, so no output path can forget)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def write(self, text: str | bytes) -> object:
        if isinstance(text, (bytes, bytearray)):  # click writes bytes where a stream has no `buffer`
            text = bytes(text).decode(getattr(self._inner, "encoding", None) or "utf-8", "replace")
        return self._inner.write(terminal(text))  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        if name == "buffer":  # writing bytes to the buffer would go around the guard
            raise AttributeError(name)
        return getattr(self._inner, name)
