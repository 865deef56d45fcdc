"""The one reader and the one writer: every caller maps their single error to its own sentence."""

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.desired.safefile import UnreadableFile, read_text, write_text
from reconciler.errors import MachineError


@contextlib.contextmanager
def never_hangs(what: str) -> Iterator[None]:
    """A FIFO opened the plain way waits for a peer forever: stop a regression with an error (the
    alarm interrupts the blocked open), not a hung test run. Not a time bound on the code."""
    def stop(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"{what} blocked")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(30)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_read_text_says_which_case_a_file_is(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "latin.yaml").write_bytes(b"caf\xe9")
    os.mkfifo(tmp_path / "pipe.yaml")
    assert read_text(tmp_path / "ok.yaml", 100) == "a: 1\n"
    cases = {"missing.yaml": ("missing", "cannot be read: No such file or directory"),
             "latin.yaml": ("undecodable", "is not UTF-8 text"),
             "pipe.yaml": ("unreadable", "is a FIFO (named pipe), not a regular file"),
             "ok.yaml": ("unreadable", "is larger than the limit of 2 bytes (5 bytes)")}
    for name, (kind, why) in cases.items():
        with pytest.raises(UnreadableFile) as raised, never_hangs("read_text"):
            read_text(tmp_path / name, 2 if name == "ok.yaml" else 100)
        assert (raised.value.kind, raised.value.why) == (kind, why)


def test_write_text_makes_the_folder_and_names_what_it_could_not_write(tmp_path: Path) -> None:
    write_text(tmp_path / "a" / "b" / "out.json", "{}\n")
    assert (tmp_path / "a" / "b" / "out.json").read_text() == "{}\n"
    (tmp_path / "file").write_text("")
    with pytest.raises(MachineError) as raised:
        write_text(tmp_path / "file" / "x.json", "{}", "the record")
    assert str(raised.value) == f"cannot write the record {tmp_path}/file/x.json: File exists"
    with pytest.raises(MachineError) as raised:
        write_text(tmp_path / "file" / "y.json", "{}")
    assert str(raised.value) == f"cannot write {tmp_path}/file/y.json: File exists"


@pytest.mark.parametrize("limit, size, why", [
    (1023, 1024, "is larger than the limit of 1023 bytes (1 KiB)"),
    (1024, 1025, "is larger than the limit of 1 KiB (1 KiB)"),
    (1536, 2048, "is larger than the limit of 1.5 KiB (2 KiB)"),
    (1024 * 1024 - 1, 1024 * 1024, "is larger than the limit of 1024 KiB (1 MiB)"),
    (4 * 1024 * 1024, 5 * 1024 * 1024, "is larger than the limit of 4 MiB (5 MiB)"),
])
def test_a_file_over_the_limit_is_refused_in_sizes_a_person_reads(tmp_path: Path, limit: int, size: int,
                                                                   why: str) -> None:
    (tmp_path / "big.yaml").write_bytes(b"x" * size)
    with pytest.raises(UnreadableFile) as raised:
        read_text(tmp_path / "big.yaml", limit)
    assert (raised.value.kind, raised.value.why) == ("unreadable", why)
    assert read_text(tmp_path / "big.yaml", size) == "x" * size  # at the limit exactly: read


def test_sizes_are_named_in_the_largest_unit_below_1024() -> None:
    from reconciler.desired.safefile import human

    assert [human(n) for n in (0, 1023, 1024, 1024 * 1024, 3 * 1024 ** 3, 2048 * 1024 ** 3)] == \
        ["0 bytes", "1023 bytes", "1 KiB", "1 MiB", "3 GiB", "2048 GiB"]


def test_a_write_that_fails_midway_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """The pieces go to a hidden `.NAME.*.tmp` beside the file (the same file system, so the
    rename that replaces it is atomic; a crash can leave it, and its name says whose it is); a
    failure midway removes it and leaves the old file as it was."""
    from reconciler.desired.safefile import write_atomic

    target = tmp_path / "plan.json"
    target.write_text("old\n")
    seen: list[str] = []

    def pieces():
        yield "new "
        seen.extend(sorted(p.name for p in tmp_path.iterdir()))
        raise RuntimeError("the stream broke")

    with pytest.raises(RuntimeError, match="the stream broke"):
        write_atomic(target, pieces())
    assert len(seen) == 2 and seen[1] == "plan.json"
    assert seen[0].startswith(".plan.json.") and seen[0].endswith(".tmp")
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"] and target.read_text() == "old\n"


def test_bytes_and_text_pieces_are_written_as_given(tmp_path: Path) -> None:
    from reconciler.desired.safefile import write_atomic

    write_atomic(tmp_path / "a.bin", b"\x00\xff")
    write_atomic(tmp_path / "b.txt", iter(["caf", "é\n"]))
    write_atomic(tmp_path / "c.bin", iter([b"\x01", b"\x02"]))
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\xff"
    assert (tmp_path / "b.txt").read_bytes() == "café\n".encode()
    assert (tmp_path / "c.bin").read_bytes() == b"\x01\x02"


def test_open_append_refuses_what_is_not_a_regular_file_without_blocking(tmp_path: Path) -> None:
    """An audit log named as a FIFO nobody reads, a folder or a device: said at once (a plain
    open of the FIFO would wait forever for a reader)."""
    from reconciler.desired.safefile import NotARegularFile, open_append

    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    cases = {tmp_path / "pipe": "is a FIFO (named pipe), not a regular file",
             tmp_path / "folder": "is a folder, not a regular file",
             Path("/dev/null"): "is a character device, not a regular file"}
    for path, why in cases.items():
        with pytest.raises(NotARegularFile) as raised, never_hangs("open_append"):
            open_append(path)
        assert raised.value.strerror == why  # what each caller words its own sentence with
    with pytest.raises(FileNotFoundError):
        open_append(tmp_path / "missing" / "audit.jsonl")


def test_open_append_creates_a_plain_file_and_appends(tmp_path: Path) -> None:
    from reconciler.desired.safefile import open_append

    old = os.umask(0o022)
    try:
        with open_append(tmp_path / "audit.jsonl") as f:
            f.write("one\n")
    finally:
        os.umask(old)
    with open_append(tmp_path / "audit.jsonl") as f:
        f.write("twö\n")
    assert (tmp_path / "audit.jsonl").read_text(encoding="utf-8") == "one\ntwö\n"
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o777 == 0o644  # read-write, never executable


def test_read_text_refuses_a_device_a_folder_and_a_file_that_lies_about_its_size(tmp_path: Path) -> None:
    """`/dev/zero` would fill memory, a /proc file says it is empty and is not: the limit counts
    the bytes read, not the size the file claims."""
    cases = {"/dev/zero": "is a character device, not a regular file",
             str(tmp_path): "is a folder, not a regular file",
             "/proc/self/status": "is larger than the limit of 16 bytes"}
    for path, why in cases.items():
        with pytest.raises(UnreadableFile) as raised:
            read_text(path, 16)
        assert (raised.value.kind, raised.value.why) == ("unreadable", why)
    assert "Name:" in read_text("/proc/self/status", 1024 * 1024)  # within the limit: read whole
