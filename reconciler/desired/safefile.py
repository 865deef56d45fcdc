"""Reading a file that may not be what it seems: the one way acorn reads what a user names.

A FIFO would block a plain read forever, `/dev/zero` (or a link to it) would fill memory,
and a file of gigabytes would too. `read_regular` opens without blocking, looks at what it
opened (fstat, so a link swapped in between cannot fool it), refuses anything but a regular
file, and never reads more than `limit` bytes, whatever the file claims its size is.

The two entry points every caller uses: `read_text` (UTF-8 text, or `UnreadableFile` whose
`why` completes "the file X ...") and `write_text` (its folder made, written atomically, or
MachineError naming the file and the cause). `read_regular`, `open_append` and `write_atomic`
are their building blocks.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, TextIO

from ..errors import MachineError

DEFAULT_FILE_BYTES = 4 * 1024 * 1024      # one YAML file, template or acorn.yaml
DEFAULT_SECRET_FILE_BYTES = 64 * 1024     # one secret file: a token is a few hundred bytes
PLAN_FILE_BYTES = 1024 * 1024 * 1024      # a saved plan of a very large tree

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotARegularFile(OSError):
    """The file is a FIFO, a device, a folder or larger than the limit; `strerror` says which."""


def human(size: int) -> str:
    """`512 bytes`, `1.5 KiB`, `4 MiB`, `8 GiB`."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):  # noqa: B007  the unit the loop stops at is the one shown
        value /= 1024
        if value < 1024:
            break
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def read_regular(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at `path` (links followed); OSError when it cannot be
    read, NotARegularFile when it is not a regular file or holds more than `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)  # Python adds O_CLOEXEC itself (PEP 446)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
            raise NotARegularFile(0, f"is {kind}, not a regular file")
        if info.st_size > limit:
            raise NotARegularFile(0, f"is larger than the limit of {human(limit)} ({human(info.st_size)})")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read (or lies about its size)
                raise NotARegularFile(0, f"is larger than the limit of {human(limit)}")
    finally:
        os.close(fd)


def open_append(path: Path | str) -> TextIO:
    """`path` opened for appending text, created if missing; NotARegularFile when it is a FIFO, a
    device or a folder. Opened without blocking, so a FIFO with no reader cannot hang the run."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | os.O_NOCTTY  # and O_CLOEXEC (PEP 446)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO nobody reads
            raise NotARegularFile(0, "is a FIFO (named pipe), not a regular file") from None
        if exc.errno == errno.EISDIR:
            raise NotARegularFile(0, "is a folder, not a regular file") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotARegularFile(0, f"is {kind}, not a regular file")
        return os.fdopen(fd, "a", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def why_unreadable(exc: OSError) -> str:
    """`is a FIFO …` / `cannot be read: Permission denied`: the message after the file's name."""
    if isinstance(exc, NotARegularFile):
        return exc.strerror or "is not a regular file"
    return f"cannot be read: {exc.strerror or exc}"


class UnreadableFile(Exception):
    """`path` cannot be read as text: `why` completes a sentence that names it (`is a FIFO …`,
    `cannot be read: Permission denied`, `is not UTF-8 text`); `kind` says which case it is."""

    def __init__(self, path: Path | str, why: str, kind: Literal["missing", "unreadable", "undecodable"]) -> None:
        super().__init__(f"{path} {why}")
        self.path, self.why, self.kind = path, why, kind


def read_text(path: Path | str, limit: int) -> str:
    """The UTF-8 text of the regular file at `path` (at most `limit` bytes); UnreadableFile if not."""
    try:
        data = read_regular(path, limit)
    except FileNotFoundError as exc:
        raise UnreadableFile(path, why_unreadable(exc), "missing") from None
    except OSError as exc:
        raise UnreadableFile(path, why_unreadable(exc), "unreadable") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(path, "is not UTF-8 text", "undecodable") from None


def write_text(path: Path | str, text: str | Iterable[str], what: str = "") -> None:
    """`text` in `path`, its folder made first, written whole or not at all (write_atomic);
    MachineError `cannot write [what ]PATH: cause` when the machine refuses (a full disk, a
    read-only folder): said once, and the run stops. `text` may be a stream of pieces."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    except OSError as exc:
        raise MachineError(f"cannot write {what + ' ' if what else ''}{path}: {exc.strerror or exc}") from None


def write_atomic(path: Path | str, text: str | bytes | Iterable[str] | Iterable[bytes]) -> None:
    """Write `text` to `path` whole or not at all: a temporary file beside it, flushed to disk,
    then renamed over it. A full disk or a crash leaves the old file (or none), never half.
    `text` may be a stream of pieces (a large plan), written as they come."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in [text] if isinstance(text, (str, bytes)) else text:
                f.write(piece if isinstance(piece, bytes) else piece.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
