"""The one reader and the one writer: every caller maps their single error to its own sentence."""

import os
from pathlib import Path

import pytest

from reconciler.desired.safefile import UnreadableFile, read_text, write_text
from reconciler.errors import MachineError


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
        with pytest.raises(UnreadableFile) as raised:
            read_text(tmp_path / name, 2 if name == "ok.yaml" else 100)
        assert (raised.value.kind, raised.value.why) == (kind, why)


def test_write_text_makes_the_folder_and_names_what_it_could_not_write(tmp_path: Path) -> None:
    write_text(tmp_path / "a" / "b" / "out.json", "{}\n")
    assert (tmp_path / "a" / "b" / "out.json").read_text() == "{}\n"
    (tmp_path / "file").write_text("")
    with pytest.raises(MachineError, match=f"^cannot write the record {tmp_path}/file/x.json: "):
        write_text(tmp_path / "file" / "x.json", "{}", "the record")
