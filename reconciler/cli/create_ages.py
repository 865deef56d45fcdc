"""When each desired create first appeared: the edge that feeds `engine.triage`.

Two sources, the first that knows wins:
- git: the date of the commit that brought the entity's file (or template) onto the checked-out
  branch (a file with uncommitted changes is left to the record below), the default branch in
  the drift workflow. One `git log --first-parent` over the
  desired folder answers for every file; a merge counts at its own date, so a change waits from
  the day it was merged, not from the day it was written on its branch. A later commit to the
  file restarts its clock (a conservative reading: it may have added the marketplace).
- `.acorn/first-seen.json`: the time the first plan showed the create (on the sandbox's clock
  against a sandbox), written by every command that plans. It covers files git does not
  know (uncommitted, or no git at all).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping
from datetime import datetime
from json.encoder import encode_basestring_ascii  # json's own (C) string encoder
from pathlib import Path

from ..desired.safefile import DEFAULT_FILE_BYTES, UnreadableFile, read_text, write_text
from ..domain.timestamps import parse_timestamp, utc_timestamp
from ..engine.first_seen import first_seen, next_record
from ..engine.plan import Plan
from ..errors import MachineError
from .gitrepo import is_shallow

FIRST_SEEN_FILE = "first-seen.json"
__all__ = ["first_seen", "git_dates", "read_first_seen", "record_first_seen"]


def git_dates(desired: Path) -> dict[Path, datetime]:
    """Resolved file path -> the date of the newest first-parent commit that touched it; empty
    when git or the repository is not there, or the clone is shallow (its dates are not the files')."""
    if is_shallow(desired):
        return {}
    try:
        top = subprocess.run(["git", "-C", str(desired), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=30)
        if top.returncode != 0:
            return {}
        log = subprocess.run(["git", "-C", str(desired), "log", "--first-parent", "--diff-merges=first-parent",
                              "--format=%x1e%cI", "--name-only", "HEAD", "--", "."],
                             capture_output=True, text=True, timeout=120)
        status = subprocess.run(["git", "-C", str(desired), "status", "--porcelain", "--no-renames", "-z", "--", "."],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return {}
    if log.returncode != 0 or status.returncode != 0:
        return {}
    root = Path(top.stdout.strip())
    # A file changed since its last commit is not what git dated: its record decides.
    dirty = {(root / entry[3:]).resolve() for entry in status.stdout.split("\0") if len(entry) > 3}
    dates: dict[Path, datetime] = {}
    for record in log.stdout.split("\x1e")[1:]:
        lines = [line for line in record.splitlines() if line.strip()]
        if not lines:
            continue
        when = parse_timestamp(lines[0])
        for name in lines[1:]:
            dates.setdefault((root / name).resolve(), when)  # newest first: keep the first seen
    return {path: when for path, when in dates.items() if path not in dirty}


def read_first_seen(state_dir: Path) -> dict[str, datetime]:
    """`.acorn/first-seen.json`; a missing file or one that is not JSON is an empty record. A FIFO,
    a device or a folder in its place is a MachineError naming it (never a read that hangs)."""
    path = state_dir / FIRST_SEEN_FILE
    try:
        text = read_text(path, DEFAULT_FILE_BYTES)
    except UnreadableFile as exc:
        if exc.kind == "unreadable":
            raise MachineError(f"the first-seen record {path} {exc.why}; remove it") from None
        return {}  # none yet, or garbled: started afresh
    try:
        raw = json.loads(text)
        return {k: parse_timestamp(v) for k, v in raw.items()}
    except (ValueError, AttributeError, TypeError):
        return {}


def record_first_seen(state_dir: Path, plan: Plan, now: datetime) -> dict[str, datetime]:
    """Note `now` for each create of `plan` not noted yet; forget the planned entities' pairs
    that are no longer creates (a later create starts afresh; decided in engine.first_seen).
    Written atomically."""
    seen = read_first_seen(state_dir)
    kept = next_record(seen, plan, now)
    if kept != seen:
        write_text(state_dir / FIRST_SEEN_FILE, _record_text(kept), "the first-seen record")
    return kept


def _record_text(record: Mapping[str, datetime], lines_a_piece: int = 1000) -> Iterator[str]:
    """`json.dumps(record, indent=0)` with the keys sorted, the same bytes, as a stream of pieces:
    a 100,000-entity plan notes half a million creates, whose one string, sorted items and a
    timestamp text each (of a few distinct times) would be the run's peak of memory."""
    if not record:
        yield "{}"
        return
    stamps: dict[datetime, str] = {}
    lines: list[str] = []
    opening = "{\n"
    for k in sorted(record):
        when = record[k]
        stamp = stamps.get(when)
        if stamp is None:
            stamp = stamps[when] = encode_basestring_ascii(utc_timestamp(when))
        lines.append(f"{encode_basestring_ascii(k)}: {stamp}")
        if len(lines) == lines_a_piece:
            yield opening + ",\n".join(lines)
            opening = ",\n"
            lines.clear()
    yield (opening + ",\n".join(lines) if lines else "") + "\n}"
