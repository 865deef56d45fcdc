"""Loading the desired tree: every file checked, every problem collected, then one error.

`list_tree` and `read_tree` are the file-system edge; `load` is a pure function of the files'
texts. A judged load (validate) reads each file where it is checked, on every core, and not at
all when the cache's index knows it unchanged.
The format is docs/desired-state.md.
"""

from __future__ import annotations

import ctypes
import fnmatch
import functools
import hashlib
import marshal
import multiprocessing
import os
import posixpath
import re
import stat
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..domain import catalogue
from ..domain.countries import ISO_3166_ALPHA2
from ..domain.gcpause import paused_gc
from ..domain.model import (
    Acknowledgement,
    BusinessRegistration,
    Credentials,
    DesiredState,
    Document,
    DocumentRef,
    Entity,
    IdDocument,
    LegalRepresentative,
    MarketplaceAccount,
    RegionCredential,
    SecretRef,
    Source,
    Submission,
    TaxRegistration,
    source_label,
)
from ..domain.suggest import COUNTRY_ALIASES, MARKETPLACE_ALIASES, did_you_mean
from ..domain.tokens import looks_like_token
from ..errors import DesiredStateError, Problem
from . import schema, yamlsource
from .loadcache import LoadCache, Status
from .locate import TemplateRows, parse_dotted
from .safefile import DEFAULT_FILE_BYTES, UnreadableFile, read_text
from .yamlsource import KeyPath, dotted

_SECRET_MESSAGE = ("looks like a literal secret; secrets are never written here: reference it "
                   "as {env: NAME} or {file: PATH} (the value is not shown)")


@dataclass(frozen=True)
class SourceFile:
    """One file of the tree: `path` as shown to the user, `relpath` inside the desired folder,
    and its `text`, or None while it is not read (a judged load reads it where it is checked)."""

    path: str
    relpath: str
    text: str | None = None


def list_tree(desired: Path) -> list[SourceFile]:
    """The files of the tree under `desired`, not read: `entities/*.yaml` and `templates/*.yaml.j2`.
    A missing or wrong desired folder is a DesiredStateError at once (there is no tree to read)."""
    if not desired.is_dir():
        raise DesiredStateError([Problem(str(desired), 1, 1, "(folder)", "the desired folder does not exist")])
    if not (desired / "entities").is_dir() and not (desired / "templates").is_dir():
        raise DesiredStateError([Problem(str(desired), 1, 1, "(folder)",
                                         "has neither entities/ nor templates/: is --desired the desired folder?")])
    kinds = (("entities", "*.y*ml"), ("templates", "*.j2"))
    return [SourceFile(os.path.join(folder, name), f"{sub}/{name}")
            for sub, pattern in kinds for folder in [str(desired / sub)] for name in _listed(folder, pattern)]


def read_tree(desired: Path, max_file_bytes: int = DEFAULT_FILE_BYTES) -> tuple[list[SourceFile], list[Problem]]:
    """Read the tree's files (`list_tree`; the file-system edge): the files read, and a problem
    for each that could not be."""
    files: list[SourceFile] = []
    problems: list[Problem] = []
    for listed in list_tree(desired):
        read = _read(listed, max_file_bytes)
        if isinstance(read, Problem):
            problems.append(read)
        else:
            files.append(read)
    return files, problems


def _read(f: SourceFile, max_file_bytes: int) -> SourceFile | Problem:
    """`f` with its text, or the problem reading it. Only regular files of at most `max_file_bytes`
    are read: a FIFO, a device, a folder or a huge file is a problem naming it, never a hang or
    an out-of-memory, and it hides no other problem. Text that is not UTF-8 is read as a NUL,
    which the parser reports with the file's name."""
    try:
        return SourceFile(f.path, f.relpath, read_text(f.path, max_file_bytes))
    except UnreadableFile as exc:  # a folder named x.yaml, a FIFO, a dangling link, no permission
        if exc.kind != "undecodable":
            return Problem(f.path, 1, 1, "(file)", exc.why)
        return SourceFile(f.path, f.relpath, "\x00")


def _listed(folder: str, pattern: str) -> list[str]:
    """The names in `folder` matching `pattern`, sorted (as `sorted(Path(folder).glob(pattern))`,
    a tenth of its time on 100,000 files: names compare as text, and no Path is made)."""
    try:
        return sorted(fnmatch.filter(os.listdir(folder), pattern))
    except (FileNotFoundError, NotADirectoryError):
        return []


def digest(files: Iterable[SourceFile]) -> str:
    """sha256 over every file's path and text (the files read): it changes exactly when the tree does."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.relpath):
        assert f.text is not None, f"{f.path} is not read"
        h.update(f.relpath.encode() + b"\0" + f.text.encode() + b"\0")
    return h.hexdigest()


PARALLEL_FROM = 2_000  # files; below this a process pool costs more than it saves
CHUNK = 100  # files a process takes at a time: the processes finish within a chunk of each other,
# whichever core the machine slows, and taking one (a shared counter) costs nothing beside them


def load(files: list[SourceFile], workers: int | None = None, root: Path | None = None,
         unreadable: Iterable[Problem] = (), cache: LoadCache | None = None, *, release: bool = False) -> DesiredState:
    """Every entity of the tree; DesiredStateError with every problem of every file.

    Files are independent, so a large tree is loaded on every core (`workers`, default
    the CPU count); the result does not depend on how it was split. `root`, the repository
    on disk, lets document paths be checked for symbolic links that leave it. With a `cache`,
    a file whose result is known (same text, same acorn, same settings) is not checked again.
    """
    state, problems = load_partial(files, workers, root, cache, release=release)
    problems = [*unreadable, *problems]  # the files read_tree could not read, then the rest
    if problems:
        raise DesiredStateError(problems)
    return state


def load_partial(files: list[SourceFile], workers: int | None = None, root: Path | None = None,
                 cache: LoadCache | None = None, *, release: bool = False) -> tuple[DesiredState, list[Problem]]:
    """The entities that loaded, and every problem of the tree: one broken file does not
    hide the others (validate preflights them, `plan --entity` plans them). An entity
    involved in a uniqueness problem is left out with it. The digest covers every file.

    `release`: the caller hands `files` over; the list is emptied once every text has been
    hashed and checked, so a tree's texts and its entities are not in memory together."""
    tree_digest = digest(files)
    results = _load_cached(files, workers or os.cpu_count() or 1, root, cache, release, None)
    problems = [p for _, found in results for p in found]
    entities = [e for loaded, _ in results for e in loaded]
    kept, clashes = _unique(entities, [_identity(e) for e in entities])
    kept.sort(key=lambda e: e.name)
    return DesiredState(tuple(kept), tree_digest), problems + clashes


Judge = Callable[[Entity], Any]  # an entity -> plain (marshal-able) data about it, kept beside it


@dataclass(frozen=True)
class Judged:
    """An entity as a judge saw it, without the entity: what validate needs of a whole tree."""

    name: str
    judged: Any  # the judge's plain result


def judge_partial(files: list[SourceFile], judge: Judge, workers: int | None = None, root: Path | None = None,
                  cache: LoadCache | None = None, *, release: bool = False,
                  max_file_bytes: int = DEFAULT_FILE_BYTES) -> tuple[list[Judged], list[Problem]]:
    """`load_partial`, with each entity handed to `judge` where it is loaded (on every core)
    and only the judge's result kept: no entity crosses back, nor is made again from the
    cache (a `cache` for judged loads must be salted with whatever the judge depends on).
    An entity involved in a uniqueness problem is left out with it."""
    results = _load_cached(files, workers or os.cpu_count() or 1, root, cache, release, judge, max_file_bytes)
    problems = [p for _, found in results for p in found]
    slims = [s for loaded, _ in results for s in loaded]
    kept, clashes = _unique(slims, [(s[0], s[1], s[2], s[3], s[4]) for s in slims])
    judged = sorted((Judged(s[0], s[6]) for s in kept), key=lambda j: j.name)
    return judged, problems + clashes


Loaded = tuple[list[Any], list[Problem]]  # entities (or, judged, their plain form) and problems
# A file's result as plain data (lists, dicts, text, numbers), marshalled: what crosses from a
# worker process (ten times faster than pickling the dataclasses) and what the cache keeps; a
# few compact bytes a file until it becomes entities. Once loaded:
# [[[data, source path, line, numbers, places, template lines, row], ...],
#  [[path, line, column, key, message, row], ...]]
# (`_load_plain` says what each holds)
PlainResult = list[Any]


def _load_cached(files: list[SourceFile], workers: int, root: Path | None, cache: LoadCache | None,
                 release: bool, judge: Judge | None, limit: int = DEFAULT_FILE_BYTES) -> list[Loaded]:
    """Each file's result: from the cache where it is known (and its document links still stay
    in the repository), else checked, on every core. A file not read yet (`text` None) is read
    where it is checked, unless the cache's index knows it unchanged (`limit`: its size bound).
    Each result is let go of as soon as it is made into entities (or, with a `judge`, judged
    entities), and (`release`) each text once it is hashed and checked."""
    _forget_links()  # links may have changed since the last load
    with paused_gc():  # acyclic values only; worker processes inherit the pause
        results, keys, carried, todo, pending = _from_cache_or_pending(files, root, cache, release, judge)
        fresh: list[Checked | None] = list(_load_all(pending, workers, root, judge, cache, limit))
        if cache:
            for i, f, checked in zip(todo, pending, fresh, strict=True):
                assert checked is not None
                key = checked[1] or keys[i]
                if key and checked[3]:  # found by its text: kept as found
                    cache.get(key)
                elif key:  # a file that could not be read has no key: it is not kept
                    cache.put(key, checked[0])
                cache.remember(f.path, checked[2], key)
            for path, status, key in carried:  # found unchanged through the index: indexed again
                cache.remember(path, status, key)
            cache.save()  # before the entities are made: the results are let go of as they are used
        del pending
        _give_back_memory()
        for n, i in enumerate(todo):
            checked, fresh[n] = fresh[n], None
            assert checked is not None
            results[i] = _from_blob(checked[0], judge is not None)
            _every_so_often_give_back(n)
    _forget_links()
    return [r for r in results if r is not None]


def _from_cache_or_pending(files: list[SourceFile], root: Path | None, cache: LoadCache | None, release: bool,
                           judge: Judge | None) -> tuple[list[Loaded | None], list[str],
                                                                     list[tuple[str, Status | None, str]],
                                                                     list[int], list[SourceFile]]:
    """The results found in the cache; the key of every file known so far (a file not read yet
    and not in the index is keyed where it is read); (path, status, key) of each file found
    through the index; the indexes and files left to check."""
    count = len(files)
    results: list[Loaded | None] = [None] * count
    mode = "judged\0" if judge else ""  # a judged result is another shape: never taken for the other
    keys, statuses = _keys(files, cache, mode)
    found: list[object] = [cache.get(k) if k else None for k in keys] if cache else [None] * count
    waiting: dict[int, SourceFile | Problem] = {i: files[i] for i in range(count) if not isinstance(found[i], bytes)}
    names = [SourceFile(f.path, f.relpath) for f in files]
    carried: list[tuple[str, Status | None, str]] = []
    if release:
        files.clear()  # the texts of the files found in the cache go now, the others once checked
        _give_back_memory()
    for i in range(count):
        blob, found[i] = found[i], None
        if i not in waiting:
            results[i] = _from_cache(blob, root, judge is not None)
            if results[i] is None:  # a link changed under a cached file (rare): read and check it again
                waiting[i] = names[i] if release else files[i]  # its text let go of: read where checked
            elif i in statuses:
                carried.append((names[i].path, statuses[i], keys[i]))
        del blob
        _every_so_often_give_back(i)
    for i, unread in [(i, w) for i, w in waiting.items() if isinstance(w, Problem)]:
        results[i] = [], [unread]
        del waiting[i]
    todo = sorted(waiting)
    pending = [w for i in todo for w in [waiting.pop(i)] if isinstance(w, SourceFile)]
    return results, keys, carried, todo, pending


def _keys(files: list[SourceFile], cache: LoadCache | None, mode: str) -> tuple[list[str], dict[int, Status | None]]:
    """Each file's cache key ("" where not known before it is read: not read yet, and not
    indexed unchanged), and the status of each file not read yet."""
    keys: list[str] = [""] * len(files)
    statuses: dict[int, Status | None] = {}
    for i, f in enumerate(files if cache else ()):
        assert cache is not None
        if f.text is not None:
            keys[i] = cache.key(f.path, mode + f.relpath, f.text)
        else:
            known, statuses[i] = cache.known(f.path)
            keys[i] = known or ""
    return keys, statuses


def _from_cache(blob: object, root: Path | None, judged: bool) -> Loaded | None:
    """A cached result, unless it is not one or a document link of its entities changed."""
    loaded = _from_blob(blob, judged) if isinstance(blob, bytes) else None
    if loaded is None or any(_links_leave(e[5] if judged else _local_uris(e), root) for e in loaded[0]):
        return None
    return loaded


def _give_back_memory() -> None:
    """Return freed heap pages to the system (glibc's malloc_trim): a tree's texts and results
    are many ~1 KB blocks between which the entities' memory is not placed, so without this
    the process would keep their pages while it builds 100,000 entities. Elsewhere a no-op."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _every_so_often_give_back(n: int) -> None:
    if n and n % 20_000 == 0:
        _give_back_memory()


def _local_uris(entity: Entity) -> list[str]:
    """The entity's document paths inside the repository (decoded): what a link on disk can move."""
    uris = [entity.submission.business_registration.document.uri] + [d.uri for d in entity.submission.documents]
    return [_decoded(u) for u in uris if not u.startswith(("https://", "s3://"))]


def _links_leave(local_uris: list[str], root: Path | None) -> bool:
    """A cached entity's document paths are checked again: a symbolic link may have changed."""
    return root is not None and any(_link_problem(u, root) for u in local_uris)


_PENDING: list[SourceFile] = []  # the files a load's worker processes check (inherited by fork)
_CACHE: list[LoadCache] = []  # and the cache they look a file up in once they have read it
# A file's result once checked: its marshalled PlainResult; for a file read where it was
# checked, its cache key and its status as read (else None twice); whether it came from the cache.
Checked = tuple[bytes, str | None, Status | None, bool]


def _load_all(files: list[SourceFile], workers: int, root: Path | None, judge: Judge | None,
              cache: LoadCache | None, limit: int) -> list[Checked]:
    """Each file checked, in order: this process and `workers - 1` forked ones take CHUNK files
    at a time from a shared counter until none is left (a static split left one core idle
    whenever the other ran slower)."""
    fork = _fork()
    workers = min(workers, -(-len(files) // CHUNK))  # a process per chunk at most: no fork left idle
    if fork is None or workers < 2 or len(files) < PARALLEL_FROM:
        return _load_files(files, root, judge, cache, limit)
    _PENDING[:] = files
    _CACHE[:] = [cache] if cache else []
    _NEXT[:] = [fork.Value("q", 0)]
    results: list[Checked | None] = [None] * len(files)
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=fork) as pool:
            futures = [pool.submit(_load_chunks, root, judge, limit) for _ in range(workers - 1)]
            for lo, checked in _load_chunked(root, judge, limit):  # this process takes chunks too
                results[lo:lo + len(checked)] = checked
            for future in futures:
                for lo, checked in marshal.loads(future.result()):
                    results[lo:lo + len(checked)] = checked
    finally:
        _PENDING.clear()
        _CACHE.clear()
        _NEXT.clear()
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]  # every chunk was taken once (asserted)


_NEXT: list[Any] = []  # the index of the next chunk, shared by the processes of one load


def _fork() -> BaseContext | None:
    """Linux's fork start method: the workers inherit the files to check (_PENDING) rather than
    being sent them. Python 3.14 makes forkserver Linux's default, macOS spawns (fork there can
    crash a child of a process that used the system's frameworks) and Windows cannot fork:
    there, a load runs in one process."""
    return multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None


def _load_chunked(root: Path | None, judge: Judge | None, limit: int) -> list[tuple[int, list[Checked]]]:
    """(first index, results) of each chunk this process took, until no chunk is left."""
    files, cache, counter = _PENDING, _CACHE[0] if _CACHE else None, _NEXT[0]
    done: list[tuple[int, list[Checked]]] = []
    while True:
        with counter.get_lock():
            lo = counter.value
            counter.value = lo + CHUNK
        if lo >= len(files):
            return done
        done.append((lo, _load_files(files[lo:lo + CHUNK], root, judge, cache, limit)))


def _load_chunks(root: Path | None, judge: Judge | None, limit: int) -> bytes:
    return marshal.dumps(_load_chunked(root, judge, limit))


def _load_files(files: list[SourceFile], root: Path | None, judge: Judge | None, cache: LoadCache | None,
                limit: int) -> list[Checked]:
    return [_check(f, root, judge, cache, limit) for f in files]


def _check(f: SourceFile, root: Path | None, judge: Judge | None, cache: LoadCache | None, limit: int) -> Checked:
    """One file checked; a file not read yet is read first (its status taken before its text),
    then looked up in the cache by its text."""
    key, read_as = None, None
    if f.text is None:
        read_as = cache.settled(f.path) if cache else None  # taken before the text is read
        read = _read(f, limit)
        if isinstance(read, Problem):
            return marshal.dumps([[], [_plain_problem(read)]]), None, None, False
        f = read
        assert f.text is not None
        if cache:
            key = cache.key(f.path, ("judged\0" if judge else "") + f.relpath, f.text)
            known = cache.peek(key)
            if isinstance(known, bytes) and _from_cache(known, root, judge is not None) is not None:
                return known, key, read_as, True
    result = _judge_file(f, root, judge) if judge else _load_file(f, root)
    return marshal.dumps(result), key, read_as, False


def _judge_file(f: SourceFile, root: Path | None, judge: Judge) -> PlainResult:
    """A file's result with each entity judged here and only what a judged load keeps:
    [[name, sellerId, path, line, row, local document paths, judged], ...], problems."""
    plains, problems = _load_file(f, root, later=True)
    slims = []
    for plain in plains:
        e = _entity(plain[0], _PlacedLater(plain[1], plain[2], plain[6], plain[3]))
        slims.append([e.name, e.seller_id, e.source.path, e.source.line, e.source.row, _local_uris(e), judge(e)])
    return [slims, problems]


def _load_file(f: SourceFile, root: Path | None = None, *, later: bool = False) -> PlainResult:
    text = f.text
    assert text is not None, f"{f.path} is not read"
    if f.relpath.startswith("templates/"):
        from . import entity_templates  # Jinja2 (30 ms to import) only for a tree that has templates
        rendered, problems = entity_templates.render(f.path, text)
        rows = TemplateRows(f.path, text) if rendered else None  # places follow each field to its row
        entities = []
        for r in rendered:
            entity, found = _load_plain(r.text, r.path, r.name, r.line_offset, root, rows, row=r.name, later=later)
            problems += found
            entities += [entity] if entity else []
        return [entities, [_plain_problem(p) for p in problems]]
    if f.relpath.endswith(".yml"):
        return [[], [[f.path, 1, 1, "(file)", "entity files end in .yaml; rename it so it is loaded"]]]
    stem = f.relpath.rsplit("/", 1)[-1].removesuffix(".yaml")
    entity, problems = _load_plain(text, f.path, stem, root=root, later=later)
    return [[entity] if entity else [], [_plain_problem(p) for p in problems]]


def _plain_problem(p: Problem) -> list[object]:
    return [p.path, p.line, p.column, p.key, p.message, p.row]


def _from_blob(blob: bytes, judged: bool = False) -> Loaded | None:
    """A file's entities (`judged`: judged entities, kept plain) and problems from their
    marshalled plain form; None if it is not one."""
    try:
        plain = marshal.loads(blob)
        entities = plain[0] if judged else [_entity(e[0], _source(e[1:])) for e in plain[0]]
        return entities, [Problem(*p) for p in plain[1]]
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, EOFError):
        return None


def load_entity(text: str, source: str, expected_name: str, line_offset: int = 0, root: Path | None = None,
                rows: TemplateRows | None = None, row: str | None = None) -> tuple[Entity | None, list[Problem]]:
    """One entity from one document's text (the file `source`, or its template `row`), or every
    problem it has. A template's row (`rows`, `line_offset`) places each field at the row's own
    line where the template line writes a row variable as it is (desired/locate.py), else at
    the template's line."""
    plain, problems = _load_plain(text, source, expected_name, line_offset, root, rows, row)
    if plain is None:
        return None, problems
    return _entity(plain[0], _source(plain[1:])), []


def _source(plain: list[Any]) -> Source:
    """A Source from its plain form: [path, line, numbers, places, template lines, row]."""
    path, line, numbers, places, template_lines, row = plain
    return Source.of(path, line, numbers, places, template_lines, row)


def _load_plain(text: str, source: str, expected_name: str, line_offset: int = 0, root: Path | None = None,
                rows: TemplateRows | None = None, row: str | None = None, *,
                later: bool = False) -> tuple[list[Any] | None, list[Problem]]:
    """`load_entity`, the entity as plain data (what crosses from a worker and what the cache keeps):
    [data, source, line, [[number key, line, column]], [[place key, line, column]], [[key, template line]], row].
    `later` (an entity judged where it is loaded): its places are a function that works them out."""
    if "\x00" in text:
        return None, [Problem(source, 1, 1, "(file)", "not UTF-8 text", row or "")]
    doc, problems = yamlsource.parse(text, source)
    if doc is None:
        return None, _shift(problems, line_offset, row)
    secret_paths = _secret_paths(text, doc.data)
    problems = [Problem(source, *doc.where(p, key=_secret_key(p[-1], p[:-1])), _secret_shown(p), _SECRET_MESSAGE)
                for p in secret_paths]
    problems += schema.check(doc, source, "entity", skip=frozenset(secret_paths))
    problems += _semantics(doc, source, expected_name, {p.key for p in problems}, root)
    if problems:
        if rows is None or row is None:
            return None, _shift(problems, line_offset, row)
        return None, [_followed(p, rows, row, doc, line_offset) for p in problems]
    line = doc.where(("metadata", "name"))[0] + line_offset
    if later:
        return [doc.data, source, line, functools.partial(_places, doc, line_offset, rows, row), [], [], row], []
    return [doc.data, source, line, *_places(doc, line_offset, rows, row), row], []


def _places(doc: yamlsource.Document, line_offset: int, rows: TemplateRows | None, row: str | None
            ) -> tuple[list[Any], list[Any], list[Any]]:
    """Where the entity's numbers and the fields a finding can name are written:
    [[key, line, column]] twice, and for a template's row [[key, template line]]."""
    if rows is None or row is None:
        numbers = [[dotted(p), at[0] + line_offset, at[1]] for p in _number_paths(doc.data) for at in [doc.where(p)]]
        places = [[dotted(p), at[0] + line_offset, at[1]] for p in _place_paths(doc.data) for at in [doc.where(p)]]
        return numbers, places, []
    number_paths, place_paths = _number_paths(doc.data), _place_paths(doc.data)
    followed = {p: rows.follow(row, doc, p, at[0] + line_offset, at[1])
                for p in number_paths + place_paths for at in [doc.where(p)]}
    numbers = [[dotted(p), *followed[p][:2]] for p in number_paths]
    places = [[dotted(p), *followed[p][:2]] for p in place_paths]
    template_lines = [[dotted(p), body] for p, (_, _, body) in followed.items() if body is not None]
    return numbers, places, template_lines


class _PlacedLater(Source):
    """A judged entity's Source (in its worker), whose places are worked out on first use:
    most entities have no finding to place, so most never are."""

    __slots__ = ("_place",)
    _place: Source | Callable[[], tuple[list[Any], list[Any], list[Any]]]

    def __init__(self, path: str, line: int, row: str | None,
                 place: Callable[[], tuple[list[Any], list[Any], list[Any]]]) -> None:
        super().__init__(path, line, row=row)
        object.__setattr__(self, "_place", place)

    def _placed(self) -> Source:
        placed = self._place
        if not isinstance(placed, Source):
            placed = _source([self.path, self.line, *placed(), self.row])
            object.__setattr__(self, "_place", placed)
        return placed

    def at(self, key: str) -> tuple[int, int]:
        return self._placed().at(key)

    def template_line(self, key: str) -> int | None:
        return self._placed().template_line(key)

    def writes(self, key: str) -> bool:
        return self._placed().writes(key)


def _followed(p: Problem, rows: TemplateRows, row: str, doc: yamlsource.Document, offset: int) -> Problem:
    """A template row's problem at the row's own line when its template line writes a row variable."""
    line, column, _ = rows.follow(row, doc, parse_dotted(p.key), p.line + offset, p.column)
    return Problem(p.path, line, column, p.key, p.message, row)


def _number_paths(data: object) -> list[KeyPath]:
    return [("spec", "businessRegistration", "number")] + _list_paths(data, ("spec", "taxRegistrations"), "number")


def _place_paths(data: object) -> list[KeyPath]:
    """The fields a verdict's finding can point at, where they are written."""
    out: list[KeyPath] = [("spec", "legalRepresentative", "idDocument", "expiresOn"), ("spec", "legalEntityName"),
                          ("spec", "businessRegistration", "country"), ("spec", "credentials", "refreshToken")]
    out += [("spec", "credentials", "refreshToken", r, "authorizedOn") for r in catalogue.REGIONS]
    out += [("spec", "credentials", "refreshToken", r) for r in catalogue.REGIONS]
    out += _list_paths(data, ("spec", "taxRegistrations"), "completedOn")
    for key in ("marketplaces", "taxRegistrations", "acknowledgements", "documents"):
        items = _at(data, ("spec", key))
        out += [("spec", key, i) for i in range(len(items) if isinstance(items, list) else 0)]
    return [p for p in out if _at(data, p) is not None]


def _shift(problems: list[Problem], offset: int, row: str | None) -> list[Problem]:
    """A rendered document's problems at the template file's lines, naming the row."""
    if not offset and row is None:
        return problems
    return [replace(p, line=p.line + offset, row=row or "") for p in problems]


def _secret_paths(text: str, data: object) -> list[KeyPath]:
    """`_literal_secrets` of the document; where the text cannot hold a token (no `Atz`, and no
    backslash that a double-quoted escape could spell one with), only spec.credentials is walked:
    the rest of the walk could find nothing."""
    if "Atz" in text or "\\" in text:
        return _literal_secrets(data, ())
    spec = data.get("spec") if isinstance(data, dict) else None
    if not isinstance(spec, dict) or "credentials" not in spec:
        return []
    return _literal_secrets(spec["credentials"], ("spec", "credentials"))


def _literal_secrets(value: object, path: KeyPath) -> list[KeyPath]:
    """Paths of secrets written literally: any value under spec.credentials (only
    a reference belongs there), any key there but a reference's own, and any LWA token, as a
    value or a key, anywhere. Nothing below such a path is looked at or reported."""
    if isinstance(value, dict):
        out: list[KeyPath] = []
        for key, item in value.items():
            here = path + (key,)
            out += [here] if _secret_key(key, path) else _literal_secrets(item, here)
        return out
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _literal_secrets(v, path + (i,))]
    in_credentials = path[:2] == ("spec", "credentials") and not _reference_key(path[-1], path[:-1])
    if (in_credentials and value is not None) or (isinstance(value, str) and looks_like_token(value)):
        return [path]
    return []


_REFERENCE_KINDS = ("env", "file", "aws")
_AWS_KEYS = ("secretId", "key")


_ACCOUNT_KEYS = ("marketplaces", "sellerId", "refreshToken")


def _reference_key(key: object, parent: KeyPath) -> bool:
    """A key a credential reference is made of: its kind, a field of an `aws` reference, a
    region entry's authorizedOn (`refreshToken: {NA: {env: A, authorizedOn: DATE}}`), or what a
    Far East account names besides its token (`accounts: [{marketplaces: [AU], sellerId, refreshToken}]`)."""
    if parent[:3] == ("spec", "credentials", "accounts"):
        if len(parent) == 4:
            return key in _ACCOUNT_KEYS
        if len(parent) == 5 and parent[4] == "marketplaces":
            return True
        if key == "authorizedOn":
            return len(parent) == 5 and parent[4] == "refreshToken"
    if key == "authorizedOn":
        return len(parent) == 4 and parent[3] in catalogue.REGIONS
    return key in _REFERENCE_KINDS or (parent[-1:] == ("aws",) and key in _AWS_KEYS)


def _secret_key(key: object, parent: KeyPath) -> bool:
    if isinstance(key, str) and looks_like_token(key):
        return True
    if parent[:2] != ("spec", "credentials") or len(parent) < 3:
        return False
    if len(parent) == 3 and key in catalogue.REGIONS:  # refreshToken: {NA: {...}}
        return False
    if parent == ("spec", "credentials", "accounts") and isinstance(key, int):  # accounts: [{...}]
        return False
    return not _reference_key(key, parent)


def _secret_shown(path: KeyPath) -> str:
    """Where a literal secret is, without it: below a credential, the credential's own key."""
    return dotted(path[:3] if path[:2] == ("spec", "credentials") else path)


def _semantics(doc: yamlsource.Document, source: str, expected_name: str, reported: set[str],  # noqa: C901  a flat list of independent checks; issue21 reworks the loader
               root: Path | None = None) -> list[Problem]:
    """The rules a schema cannot say. They look at whatever is well-formed even where the
    schema found problems elsewhere, so one run reports everything; a value already
    reported is not reported twice."""
    data = doc.data
    out: list[Problem] = []

    def problem(path: KeyPath, message: str) -> None:
        if dotted(path) not in reported:
            out.append(Problem(source, *doc.where(path), dotted(path), message))

    name = _at(data, ("metadata", "name"))
    if isinstance(name, str) and name != expected_name:
        problem(("metadata", "name"), f"must equal {expected_name!r}, the name of its file (or template row)")
    for path, message in _marketplace_problems(data):
        problem(path, message)
    out += _region_tokens(doc, source, reported)
    out += _account_marketplaces(doc, source, reported)
    for path, message in _value_problems(data, root):
        problem(path, message)
    return out


def _marketplace_problems(data: object) -> list[tuple[KeyPath, str]]:
    """Unknown and repeated marketplace codes, at their item."""
    markets = _at(data, ("spec", "marketplaces"))
    found: list[tuple[KeyPath, str]] = []
    seen: dict[str, int] = {}
    for i, code in enumerate(markets if isinstance(markets, list) else []):
        if not isinstance(code, str):
            continue
        if code not in catalogue.BY_CODE:
            hint = did_you_mean(code.upper(), catalogue.CODES, MARKETPLACE_ALIASES)
            found.append((("spec", "marketplaces", i),
                          f"unknown marketplace {code!r}{hint} (known: {', '.join(catalogue.CODES)})"))
        elif code in seen:
            found.append((("spec", "marketplaces", i), f"{code} is listed twice (first as item {seen[code]})"))
        seen.setdefault(code, i)
    return found


def _value_problems(data: object, root: Path | None) -> list[tuple[KeyPath, str]]:
    """Countries that are not ISO 3166-1 codes, impossible dates, document URIs refused."""
    found: list[tuple[KeyPath, str]] = []
    country = ("spec", "businessRegistration", "country")
    for path, value in [(country, _at(data, country))] + _list_values(data, ("spec", "taxRegistrations"), "country"):
        if isinstance(value, str) and len(value) == 2 and value.isupper() and value not in ISO_3166_ALPHA2:
            hint = did_you_mean(value, ISO_3166_ALPHA2, COUNTRY_ALIASES)
            found.append((path, f"{value} is not an ISO 3166-1 country code{hint}"
                                + (" (UK is the marketplace; the country is GB)" if value == "UK" else "")))
    expires = ("spec", "legalRepresentative", "idDocument", "expiresOn")
    tokens = ("spec", "credentials", "refreshToken")
    by_region = _at(data, tokens)
    for path, value in _list_values(data, ("spec", "taxRegistrations"), "completedOn") + [
            (expires, _at(data, expires))] + [
            ((*tokens, r, "authorizedOn"), _at(by_region, (r, "authorizedOn"))) for r in catalogue.REGIONS]:
        if isinstance(value, str) and _date(value) is None:
            found.append((path, "is not a real date (YYYY-MM-DD)"))
    document = ("spec", "businessRegistration", "document", "uri")
    for path, value in [(document, _at(data, document))] + _list_values(data, ("spec", "documents"), "uri"):
        reason = _uri_problem(value, root) if isinstance(value, str) else None
        if reason:
            found.append((path, reason))
    return found


def _region_tokens(doc: yamlsource.Document, source: str, reported: set[str]) -> list[Problem]:
    """With a refresh token per region, every region the marketplaces span needs its own:
    SP-API answers a region's host only with that region's authorization."""
    path = ("spec", "credentials", "refreshToken")
    tokens = _at(doc.data, path)
    markets = _at(doc.data, ("spec", "marketplaces"))
    if dotted(path) in reported or not isinstance(tokens, dict) or not isinstance(markets, list):
        return []
    if not tokens or not set(tokens) <= set(catalogue.REGIONS):
        return []  # the single-reference form, or a map the schema already refuses
    missing: dict[str, list[str]] = {}
    accounts = _at(doc.data, ("spec", "credentials", "accounts"))
    own: set[object] = set()
    for account in accounts if isinstance(accounts, list) else []:
        codes = account.get("marketplaces") if isinstance(account, dict) else None
        own.update(codes if isinstance(codes, list) else ())
    for code in markets:
        if isinstance(code, str) and code in catalogue.BY_CODE and code not in own:
            region = catalogue.by_code(code).region
            if region not in tokens:
                missing.setdefault(region, []).append(code)
    return [Problem(source, *doc.where(path, key=True), dotted(path),
                    f"no refresh token for region {region} (marketplaces {', '.join(codes)}): authorize the "
                    f"app in {region}'s Seller Central, then add {region}: {{env: NAME}} here")
            for region, codes in sorted(missing.items(), key=lambda kv: catalogue.REGIONS.index(kv[0]))]


def _account_marketplaces(doc: yamlsource.Document, source: str, reported: set[str]) -> list[Problem]:
    """Each Far East account's marketplaces are the entity's, and each is in one account only."""
    accounts = _at(doc.data, ("spec", "credentials", "accounts"))
    markets = _at(doc.data, ("spec", "marketplaces"))
    if not isinstance(accounts, list) or not isinstance(markets, list):
        return []
    out, seen = [], set()
    for i, account in enumerate(accounts):
        codes = account.get("marketplaces") if isinstance(account, dict) else None
        for j, code in enumerate(codes if isinstance(codes, list) else []):
            path = ("spec", "credentials", "accounts", i, "marketplaces", j)
            why = (f"{code} is not in spec.marketplaces" if code not in markets
                   else f"{code} is in another account already" if code in seen else None)
            seen.add(code)
            if why and dotted(path) not in reported:
                out.append(Problem(source, *doc.where(path), dotted(path), why))
    return out


def _at(data: object, path: KeyPath) -> object:
    """The value at `path`, or None where the document does not have that shape."""
    for part in path:
        if isinstance(data, dict) and part in data:  # noqa: SIM114  each arm narrows to its own type for mypy
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _list_paths(data: object, path: KeyPath, key: str) -> list[KeyPath]:
    """`path[i].key` for every item of the list at `path` that has `key`."""
    items = _at(data, path)
    return [path + (i, key) for i, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, dict) and key in item]


def _list_values(data: object, path: KeyPath, key: str) -> list[tuple[KeyPath, object]]:
    """(`path[i].key`, its value) for every item of the list at `path` that has `key`."""
    items = _at(data, path)
    return [(path + (i, key), item[key]) for i, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, dict) and key in item]


def _date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _uri_problem(uri: str, root: Path | None = None) -> str | None:  # noqa: C901  one branch per kind of bad URI, each its own message
    """Why `uri` is not allowed: it must be https:// or s3://, or stay inside the repository
    (also once percent-escapes are decoded, and once symbolic links are followed: `root`,
    the repository, is given where the files are on disk)."""
    if uri.startswith(("https://", "s3://")):
        return None
    if _CONTROL.search(uri):
        return "must not contain control characters"
    decoded = _decoded(uri)
    for form in dict.fromkeys((uri, decoded)):
        slashed = form.replace("\\", "/")
        if (_SCHEME.match(form) and form[1] != ":") or slashed.startswith("//"):
            return "must be a relative path inside the repository, or an https:// or s3:// URL"
        if slashed.startswith(("/", "~")) or (len(form) > 1 and form[1] == ":" and form[0].isalpha()):
            return "must be a relative path inside the repository, not an absolute path"
        normal = posixpath.normpath(slashed)
        if normal == ".." or normal.startswith("../"):
            return "escapes the repository (..); use a path inside it"
    return _link_problem(decoded, root)


_LINK_MESSAGE = "leaves the repository through a symbolic link; use a path inside it"


def _decoded(uri: str) -> str:
    decoded = uri
    for _ in range(3):  # %252e%252e is %2e%2e is ..: decode until nothing changes
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
    return decoded


def _link_problem(decoded: str, root: Path | None) -> str | None:
    """Whether a relative path, its symbolic links followed, leaves `root` (not known without it)."""
    if root is None:
        return None
    base, inside = _bases(root)
    relative = decoded.replace("\\", "/")
    joined = os.path.join(base, relative)
    if ".." not in joined and _real(inside + relative.partition("/")[0]) in _ABSENT:
        return None  # its first folder does not exist: no link below it, and the path stays inside
    # `a/../b` with `a` a link is resolved physically (as the OS would), never lexically
    target = os.path.realpath(joined) if ".." in joined else _real(os.path.normpath(joined))
    if target != base and not target.startswith(inside):
        return _LINK_MESSAGE
    return None


def _bases(root: Path) -> tuple[str, str]:
    """`root`'s real path, and the prefix of every path inside it (once per load)."""
    known = _BASES.get(root)
    if known is None:
        base = _real(os.path.abspath(root))
        known = _BASES[root] = (base, base.rstrip("/") + "/")
    return known


_REAL: dict[str, str] = {}  # path -> its real path, for one load (cleared at the start of each)
_ABSENT: set[str] = set()  # real paths found missing in this load: nothing below them is a link
_BASES: dict[Path, tuple[str, str]] = {}  # a repository -> its real path and the prefix inside it


def _forget_links() -> None:
    """What one load learnt of the disk's links: a link may change between loads."""
    _REAL.clear()
    _ABSENT.clear()
    _BASES.clear()


def _real(path: str) -> str:
    """os.path.realpath of a normalised absolute path, one lstat per path not met before in
    this load (none below a folder that does not exist): a tree's documents share their
    folders, so most components are known."""
    known = _REAL.get(path)
    if known is not None:
        return known
    parent, sep, name = path.rpartition(os.sep)  # os.path.split's work, without its generality
    if not sep or not name:
        return path
    real_parent = _real(parent or sep)
    real = here = real_parent + name if real_parent.endswith(sep) else real_parent + sep + name
    if real_parent in _ABSENT:
        _ABSENT.add(here)
    else:
        try:
            if stat.S_ISLNK(os.lstat(here).st_mode):
                real = os.path.realpath(here)
        except (FileNotFoundError, NotADirectoryError):
            _ABSENT.add(here)
        except OSError:
            pass  # unreadable: not followed, as os.path.islink says
    _REAL[path] = real
    return real


# One shared copy of a word many entities repeat (codes, schemes, kinds): at 100,000
# entities a copy each would be a sixth of the tree's memory.
_i = sys.intern


def _io(word: str | None) -> str | None:
    return sys.intern(word) if isinstance(word, str) else word


def _entity(data: dict[str, Any], source: Source) -> Entity:
    spec = data["spec"]
    br, rep = spec["businessRegistration"], spec["legalRepresentative"]
    submission = Submission(
        legal_entity_name=spec["legalEntityName"],
        business_registration=BusinessRegistration(
            _i(br["country"]), br["number"], DocumentRef(br["document"]["uri"], br["document"]["sha256"])),
        legal_representative=LegalRepresentative(
            rep["name"], IdDocument(_i(rep["idDocument"]["type"]),
                                    date.fromisoformat(rep["idDocument"]["expiresOn"]))),
        tax_registrations=tuple(
            TaxRegistration(_i(t["scheme"]), _io(t.get("country")), t.get("number"),
                            date.fromisoformat(t["completedOn"]) if "completedOn" in t else None)
            for t in spec.get("taxRegistrations", [])),
        documents=tuple(Document(_i(d["kind"]), d["uri"], d["sha256"], _io(d.get("of")), _io(d.get("language")))
                        for d in spec.get("documents", [])),
    )
    return Entity(
        name=data["metadata"]["name"],
        seller_id=spec["sellerId"],
        credentials=_credentials(spec["credentials"]["refreshToken"], spec["credentials"].get("accounts", ())),
        submission=submission,
        marketplaces=tuple(sys.intern(m) for m in spec["marketplaces"]),
        labels=tuple(sorted((_i(k), _i(v)) for k, v in data["metadata"].get("labels", {}).items())),
        source=source,
        acknowledgements=tuple(Acknowledgement(a["code"], a["marketplace"], a["reason"].strip(), i)
                               for i, a in enumerate(spec.get("acknowledgements", []))),
    )


def _region_credential(raw: dict[str, Any]) -> RegionCredential:
    entry = dict(raw)
    on = entry.pop("authorizedOn", None)
    return RegionCredential(SecretRef.from_mapping(entry), date.fromisoformat(on) if on else None)


def _credentials(raw: dict[str, Any], accounts: Iterable[dict[str, Any]] = ()) -> Credentials:
    """`{env: A}` (one token for every region) or `{NA: {env: A, authorizedOn: DATE}, ...}`, and
    the Far East accounts (`credentials.accounts`)."""
    named = tuple(MarketplaceAccount(tuple(a["marketplaces"]), _region_credential(a["refreshToken"]),
                                     a.get("sellerId")) for a in accounts)
    if not set(raw) <= set(catalogue.REGIONS):
        return Credentials(default=SecretRef.from_mapping(raw), accounts=named)
    regions = tuple((region, _region_credential(raw[region])) for region in catalogue.REGIONS if region in raw)
    return Credentials(regions=regions, accounts=named)


Identity = tuple[str, str, str, int, str | None]  # name, sellerId, path, line, template row


def _identity(e: Entity) -> Identity:
    return e.name, e.seller_id, e.source.path, e.source.line, e.source.row


def _unique(items: list[Any], identities: list[Identity]) -> tuple[list[Any], list[Problem]]:
    """The items whose entity shares no name and no sellerId, and a problem for each clash;
    every entity involved in a clash is left out with it."""
    clashes = _uniqueness(identities)
    if not clashes:
        return items, []
    involved = {(p.path, p.row) for p in clashes}
    names = {name for name, _, path, _, row in identities if (path, row or "") in involved}
    kept = [item for item, (name, _, path, _, row) in zip(items, identities, strict=True)
            if name not in names and (path, row or "") not in involved]
    return kept, clashes


def _uniqueness(identities: list[Identity]) -> list[Problem]:
    out: list[Problem] = []
    names: dict[str, Identity] = {}
    sellers: dict[str, Identity] = {}
    for e in identities:
        name, seller, path, line, row = e
        first = names.setdefault(name, e)
        if first is not e:
            out.append(Problem(path, line, 1, "metadata.name",
                               f"name {name!r} is already used by {source_label(first[2], first[4])}", row or ""))
        first = sellers.setdefault(seller, e)
        if first is not e:
            out.append(Problem(path, line, 1, "spec.sellerId",
                               f"sellerId is already used by {source_label(first[2], first[4])} ({first[0]})",
                               row or ""))
    return out


def load_desired(desired: Path, max_file_bytes: int = DEFAULT_FILE_BYTES,
                 cache: LoadCache | None = None) -> DesiredState:
    """Read and load the tree under `desired`; DesiredStateError with every problem of the tree."""
    files, unreadable = read_tree(desired, max_file_bytes)
    return load(files, root=desired.resolve().parent, unreadable=unreadable, cache=cache, release=True)


def load_desired_partial(desired: Path, max_file_bytes: int = DEFAULT_FILE_BYTES,
                         cache: LoadCache | None = None) -> tuple[DesiredState, list[Problem]]:
    """Read the tree under `desired`: the entities that loaded, and every problem (a file that
    could not be read among them)."""
    files, unreadable = read_tree(desired, max_file_bytes)
    state, problems = load_partial(files, root=desired.resolve().parent, cache=cache, release=True)
    return state, unreadable + problems


def judge_desired_partial(desired: Path, judge: Judge, max_file_bytes: int = DEFAULT_FILE_BYTES,
                          cache: LoadCache | None = None) -> tuple[list[Judged], list[Problem]]:
    """Read the tree under `desired` and judge each entity where it is loaded (`judge_partial`):
    the judged entities, and every problem (a file that could not be read among them)."""
    return judge_partial(list_tree(desired), judge, root=desired.resolve().parent, cache=cache, release=True,
                         max_file_bytes=max_file_bytes)


def problem_entity(p: Problem) -> str:
    """The entity name a problem is about, as far as its path tells: the template row, or the
    file's stem (a template header's problem names the template's stem)."""
    if p.row:
        return p.row
    return p.path.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
