"""The loader's content-addressed cache (`.acorn/load-cache.bin`): a file already checked is not
parsed again.

Each file's result (its entities as plain data, or its problems) is kept under a key that is
the sha256 of everything the result depends on: the file's path and text, and the run's salt,
which covers acorn's version, the source of the loader and its rules (reconciler/desired and
reconciler/domain), the JSON Schemas, the repository folder and the settings the caller says
change a verdict. Change any of them and the file is checked again. Only the entries the last
load used are kept, so the file holds one tree's worth.

A judged load (validate) need not even read an unchanged file: beside the results, the cache
keeps each file's key under its path with the file's status as it was read (size, modification
and change times in nanoseconds, inode, device), as git's index does. A file whose status is the
same is taken to have the same text; any write changes its change time, which no tool can set
back, and a file replaced by another has another inode. A file that had changed less than two
seconds before its status was taken is not indexed (a second write in the same tick of a coarse
clock could keep its times), so it is read again next time.

The file is marshal data (five times faster to read than JSON) signed with HMAC-SHA256 by a
key kept outside the repository, in the user's cache folder ($XDG_CACHE_HOME/acorn/cache-key,
else ~/.cache/acorn/), and read only once the signature holds: a cache committed to a
repository, or edited by hand, cannot make a bad file pass (nor reach marshal); it is ignored,
as is any cache that cannot be read. Where no key can be kept, nothing is cached.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path

from .. import __version__
from .safefile import UnreadableFile, read_regular, read_text, write_atomic

CACHE_FILE = "load-cache.bin"
MAX_CACHE_BYTES = 1024 * 1024 * 1024
_FORMAT = 2
RACY_NS = 2_000_000_000  # a file changed this close to being read is read again next time

Plain = object  # a file's result as plain data (lists, dicts, text, numbers: see loader.PlainResult)
Status = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device


def status(path: str) -> Status | None:
    """What the index compares: the file's status (links followed, as reading follows them)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev


@cache
def code_digest() -> str:
    """sha256 of acorn's version, the loader's and the rules' source, and the schemas."""
    h = hashlib.sha256(f"{__version__}\0{_FORMAT}\0{sys.version}\0".encode())
    package = resources.files("reconciler")
    for folder in ("desired", "domain"):
        for item in sorted(package.joinpath(folder).iterdir(), key=lambda p: p.name):
            if item.name.endswith(".py"):
                h.update(item.name.encode() + b"\0" + item.read_bytes())
    for item in sorted(package.joinpath("schemas").iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            h.update(item.name.encode() + b"\0" + item.read_bytes())
    return h.hexdigest()


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "acorn" / "cache-key"


def _signing_key() -> bytes | None:
    """The user's key (made on first use, readable by the user only); None where none can be kept."""
    path = _key_file()
    try:
        return bytes.fromhex(read_text(path, 1024).strip())
    except (UnreadableFile, ValueError):
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key.hex())
        return key
    except OSError:
        return None


class LoadCache:
    """The results of the files checked before, for one salt; `save` keeps those used since."""

    def __init__(self, state_dir: Path, salt: Iterable[str] = (), clock: Callable[[], int] = time.time_ns) -> None:
        self.path = state_dir / CACHE_FILE
        self.salt = hashlib.sha256("\0".join([code_digest(), *salt]).encode()).digest()
        self._key = _signing_key()
        self._clock = clock
        self._old: dict[str, Plain] = {}
        self._index: dict[str, tuple[Status, str]] = {}
        if self._key:
            self._old, self._index = self._read()
        self._new: dict[str, Plain] = {}
        self._used: list[str] = []  # the keys found: their results are given away, not kept
        self._indexed: dict[str, tuple[Status, str]] = {}  # this load's index
        self.hits = 0

    def key(self, path: str, relpath: str, text: str) -> str:
        h = hashlib.sha256(self.salt)
        h.update(f"{path}\0{relpath}\0".encode())
        h.update(text.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def known(self, path: str) -> tuple[str | None, Status | None]:
        """The key of the file at `path` if its status is the one it was read with last time
        (then it is not read again), and its status now (not taken where nothing is indexed:
        the file is read where it is checked, and its status taken then)."""
        if not self._index:
            return None, None
        now = status(path)
        entry = self._index.get(path)
        return (entry[1] if entry is not None and now is not None and entry[0] == now else None), now

    def settled(self, path: str) -> Status | None:
        """The status of the file at `path`, taken before it is read, if it can index the file:
        the file last changed long enough before now that any later write must change its
        times (RACY_NS); None otherwise, or where it cannot be had."""
        now = status(path)
        return now if now is not None and max(now[1], now[2]) < self._clock() - RACY_NS else None

    def remember(self, path: str, read_as: Status | None, key: str | None) -> None:
        """`key` is the key of the text read from `path` with the settled status `read_as`:
        kept for the next load (nothing is kept without either)."""
        if key and read_as is not None:
            self._indexed[path] = (read_as, key)

    def get(self, key: str) -> Plain | None:
        """The result kept for `key`, handed over (the cache keeps no copy: at 100,000 files the
        results and the entities made of them would not both fit in memory)."""
        found = self._old.pop(key, None)
        if found is not None:
            self.hits += 1
            self._used.append(key)
        return found

    def peek(self, key: str) -> Plain | None:
        """The result kept for `key`, left in place (a worker process looks; `get` takes)."""
        return self._old.get(key)

    def put(self, key: str, result: Plain) -> None:
        self._new[key] = result

    def save(self) -> None:
        """Write the entries of this load (atomically), then forget them; a failure to write only
        costs speed. Nothing is written when every entry was found and none is stale; otherwise
        the entries found are read again from the file they came from."""
        new, stale, index = self._new, bool(self._old), self._indexed
        self._new, self._old = {}, {}
        if self._key is None or (not new and not stale and index == self._index):
            return
        if self._used:
            kept = self._read()[0]
            new.update((k, kept[k]) for k in self._used if k in kept)
            del kept
        body = marshal.dumps((self.salt, new, index))
        del new
        seal = hmac.new(self._key, body, hashlib.sha256).hexdigest().encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, [seal, b"\n", body])  # pieces: the body is never copied
        except OSError:
            pass

    def _read(self) -> tuple[dict[str, Plain], dict[str, tuple[Status, str]]]:
        """The results and the index in the file, if this user's acorn wrote it for this salt."""
        try:
            raw = read_regular(self.path, MAX_CACHE_BYTES)
        except OSError:
            return {}, {}
        cut = raw.find(b"\n")
        seal, body = raw[:max(cut, 0)], memoryview(raw)[cut + 1:]  # a view: the body is never copied
        assert self._key is not None
        if not hmac.compare_digest(seal, hmac.new(self._key, body, hashlib.sha256).hexdigest().encode()):
            return {}, {}  # not written by this user's acorn: ignored, every file is checked
        try:
            salt, data, index = marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            return {}, {}
        if salt != self.salt or not isinstance(data, dict) or not isinstance(index, dict):
            return {}, {}
        return data, index
