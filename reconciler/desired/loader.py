"""Loading the desired tree: every file checked, every problem collected, then one error.

`read_tree` is the file-system edge; `load` is a pure function of the files' texts.
The format is docs/desired-state.md.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
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
)
from ..domain.suggest import COUNTRY_ALIASES, MARKETPLACE_ALIASES, did_you_mean
from ..domain.tokens import looks_like_token
from ..errors import DesiredStateError, Problem
from . import entity_templates, schema, yamlsource
from .locate import TemplateRows, parse_dotted
from .safefile import DEFAULT_FILE_BYTES, UnreadableFile, read_text
from .yamlsource import KeyPath, dotted

_SECRET_MESSAGE = ("looks like a literal secret; secrets are never written here: reference it "
                   "as {env: NAME} or {file: PATH} (the value is not shown)")


@dataclass(frozen=True)
class SourceFile:
    """One file of the tree: `path` as shown to the user, `relpath` inside the desired folder."""

    path: str
    relpath: str
    text: str


def read_tree(desired: Path, max_file_bytes: int = DEFAULT_FILE_BYTES) -> tuple[list[SourceFile], list[Problem]]:
    """Read `entities/*.yaml` and `templates/*.yaml.j2` under `desired` (the file-system edge):
    the files read, and a problem for each that could not be.

    Only regular files of at most `max_file_bytes` are read: a FIFO, a device, a folder or a huge
    file is a problem naming it, never a hang or an out-of-memory, and it hides no other problem.
    A missing or wrong desired folder is a DesiredStateError at once (there is no tree to read)."""
    if not desired.is_dir():
        raise DesiredStateError([Problem(str(desired), 1, 1, "(folder)", "the desired folder does not exist")])
    if not (desired / "entities").is_dir() and not (desired / "templates").is_dir():
        raise DesiredStateError([Problem(str(desired), 1, 1, "(folder)",
                                         "has neither entities/ nor templates/: is --desired the desired folder?")])
    files, problems = [], []
    for sub, pattern in (("entities", "*.y*ml"), ("templates", "*.j2")):
        for path in sorted((desired / sub).glob(pattern)):
            try:
                text = read_text(path, max_file_bytes)
            except UnreadableFile as exc:  # a folder named x.yaml, a FIFO, a dangling link, no permission
                if exc.kind != "undecodable":
                    problems.append(Problem(str(path), 1, 1, "(file)", exc.why))
                    continue
                text = "\x00"  # the parser reports it, with the file's name
            files.append(SourceFile(str(path), f"{sub}/{path.name}", text))
    return files, problems


def digest(files: Iterable[SourceFile]) -> str:
    """sha256 over every file's path and text: it changes exactly when the tree does."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.relpath):
        h.update(f.relpath.encode() + b"\0" + f.text.encode() + b"\0")
    return h.hexdigest()


PARALLEL_FROM = 2_000  # files; below this a process pool costs more than it saves


def load(files: list[SourceFile], workers: int | None = None, root: Path | None = None,
         unreadable: Iterable[Problem] = ()) -> DesiredState:
    """Every entity of the tree; DesiredStateError with every problem of every file.

    Files are independent, so a large tree is loaded on every core (`workers`, default
    the CPU count); the result does not depend on how it was split. `root`, the repository
    on disk, lets document paths be checked for symbolic links that leave it.
    """
    state, problems = load_partial(files, workers, root)
    problems = [*unreadable, *problems]  # the files read_tree could not read, then the rest
    if problems:
        raise DesiredStateError(problems)
    return state


def load_partial(files: list[SourceFile], workers: int | None = None,
                 root: Path | None = None) -> tuple[DesiredState, list[Problem]]:
    """The entities that loaded, and every problem of the tree: one broken file does not
    hide the others (validate preflights them, `plan --entity` plans them). An entity
    involved in a uniqueness problem is left out with it. The digest covers every file."""
    with paused_gc():  # acyclic values only; worker processes inherit the pause
        results = _load_all(files, workers or os.cpu_count() or 1, root)
    problems = [p for _, found in results for p in found]
    entities = [e for loaded, _ in results for e in loaded]
    clashes = _uniqueness(entities)
    if clashes:
        involved = {(p.path, p.row) for p in clashes}
        names = {e.name for e in entities if (e.source.path, e.source.row or "") in involved}
        entities = [e for e in entities if e.name not in names and (e.source.path, e.source.row or "") not in involved]
        problems += clashes
    entities.sort(key=lambda e: e.name)
    return DesiredState(tuple(entities), digest(files)), problems


def _load_all(files: list[SourceFile], workers: int, root: Path | None) -> list[tuple[list[Entity], list[Problem]]]:
    if workers < 2 or len(files) < PARALLEL_FROM:
        return _load_files(files, root)
    share = -(-len(files) // workers)
    chunks = [files[i:i + share] for i in range(0, len(files), share)]
    with ProcessPoolExecutor(len(chunks) - 1) as pool:
        futures = [pool.submit(_load_files, chunk, root) for chunk in chunks[1:]]
        results = _load_files(chunks[0], root)  # this process takes a share too, not just waits
        for future in futures:
            results += future.result()
    return results


def _load_files(files: list[SourceFile], root: Path | None = None) -> list[tuple[list[Entity], list[Problem]]]:
    return [_load_file(f, root) for f in files]


def _load_file(f: SourceFile, root: Path | None = None) -> tuple[list[Entity], list[Problem]]:
    if f.relpath.startswith("templates/"):
        rendered, problems = entity_templates.render(f.path, f.text)
        rows = TemplateRows(f.path, f.text) if rendered else None  # places follow each field to its row
        entities = []
        for r in rendered:
            entity, found = load_entity(r.text, r.path, r.name, r.line_offset, root, rows, row=r.name)
            problems += found
            entities += [entity] if entity else []
        return entities, problems
    if f.relpath.endswith(".yml"):
        return [], [Problem(f.path, 1, 1, "(file)", "entity files end in .yaml; rename it so it is loaded")]
    stem = f.relpath.rsplit("/", 1)[-1].removesuffix(".yaml")
    entity, problems = load_entity(f.text, f.path, stem, root=root)
    return ([entity] if entity else []), problems


def load_entity(text: str, source: str, expected_name: str, line_offset: int = 0, root: Path | None = None,
                rows: TemplateRows | None = None, row: str | None = None) -> tuple[Entity | None, list[Problem]]:
    """One entity from one document's text (the file `source`, or its template `row`), or every
    problem it has. A template's row (`rows`, `line_offset`) places each field at the row's own
    line where the template line writes a row variable as it is (desired/locate.py), else at
    the template's line."""
    if "\x00" in text:
        return None, [Problem(source, 1, 1, "(file)", "not UTF-8 text", row or "")]
    doc, problems = yamlsource.parse(text, source)
    if doc is None:
        return None, _shift(problems, line_offset, row)
    secret_paths = _literal_secrets(doc.data, ())
    problems = [Problem(source, *doc.where(p, key=_secret_key(p[-1], p[:-1])), _secret_shown(p), _SECRET_MESSAGE)
                for p in secret_paths]
    problems += schema.check(doc, source, "entity", skip=frozenset(secret_paths))
    problems += _semantics(doc, source, expected_name, {p.key for p in problems}, root)
    if problems:
        if rows is None or row is None:
            return None, _shift(problems, line_offset, row)
        return None, [_followed(p, rows, row, doc, line_offset) for p in problems]
    line = doc.where(("metadata", "name"))[0] + line_offset
    if rows is None or row is None:
        numbers = tuple((dotted(p), at[0] + line_offset, at[1]) for p in _number_paths(doc.data)
                        for at in [doc.where(p)])
        places = tuple((dotted(p), at[0] + line_offset, at[1]) for p in _place_paths(doc.data)
                       for at in [doc.where(p)])
        return _entity(doc.data, Source(source, line, numbers, places, row=row)), []  # type: ignore[arg-type]  # schema-checked
    followed = {p: rows.follow(row, doc, p, at[0] + line_offset, at[1])
                for p in _number_paths(doc.data) + _place_paths(doc.data) for at in [doc.where(p)]}
    numbers = tuple((dotted(p), *followed[p][:2]) for p in _number_paths(doc.data))
    places = tuple((dotted(p), *followed[p][:2]) for p in _place_paths(doc.data))
    template_lines = tuple((dotted(p), body) for p, (_, _, body) in followed.items() if body is not None)
    source_of = Source(source, line, numbers, places, template_lines, row)
    return _entity(doc.data, source_of), []  # type: ignore[arg-type]  # schema-checked


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
    out += [("spec", "credentials", "refreshToken", r, "authorizedOn") for r in catalogue.REGIONS
            if _at(data, ("spec", "credentials", "refreshToken", r, "authorizedOn")) is not None]
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
    markets = _at(data, ("spec", "marketplaces"))
    seen: dict[str, int] = {}
    for i, code in enumerate(markets if isinstance(markets, list) else []):
        if not isinstance(code, str):
            continue
        if code not in catalogue.BY_CODE:
            hint = did_you_mean(code.upper(), catalogue.CODES, MARKETPLACE_ALIASES)
            problem(("spec", "marketplaces", i),
                    f"unknown marketplace {code!r}{hint} (known: {', '.join(catalogue.CODES)})")
        elif code in seen:
            problem(("spec", "marketplaces", i), f"{code} is listed twice (first as item {seen[code]})")
        seen.setdefault(code, i)
    out += _region_tokens(doc, source, reported)
    out += _account_marketplaces(doc, source, reported)
    for path in [("spec", "businessRegistration", "country")] + _list_paths(data, ("spec", "taxRegistrations"),
                                                                          "country"):
        value = _at(data, path)
        if isinstance(value, str) and len(value) == 2 and value.isupper() and value not in ISO_3166_ALPHA2:
            hint = did_you_mean(value, ISO_3166_ALPHA2, COUNTRY_ALIASES)
            problem(path, f"{value} is not an ISO 3166-1 country code{hint}"
                          + (" (UK is the marketplace; the country is GB)" if value == "UK" else ""))
    for path in _list_paths(data, ("spec", "taxRegistrations"), "completedOn") + [
            ("spec", "legalRepresentative", "idDocument", "expiresOn")] + [
            ("spec", "credentials", "refreshToken", r, "authorizedOn") for r in catalogue.REGIONS]:
        value = _at(data, path)
        if isinstance(value, str) and _date(value) is None:
            problem(path, "is not a real date (YYYY-MM-DD)")
    for path in [("spec", "businessRegistration", "document", "uri")] + _list_paths(data, ("spec", "documents"), "uri"):
        value = _at(data, path)
        reason = _uri_problem(value, root) if isinstance(value, str) else None
        if reason:
            problem(path, reason)
    return out


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


def _date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _uri_problem(uri: str, root: Path | None = None) -> str | None:  # noqa: C901  one branch per kind of bad URI, each its own message
    """Why `uri` is not allowed: it must be https:// or s3://, or stay inside the repository
    (also once percent-escapes are decoded, and once symbolic links are followed: `root`,
    the repository, is given where the files are on disk)."""
    if uri.startswith(("https://", "s3://")):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in uri):
        return "must not contain control characters"
    decoded = uri
    for _ in range(3):  # %252e%252e is %2e%2e is ..: decode until nothing changes
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
    for form in dict.fromkeys((uri, decoded)):
        slashed = form.replace("\\", "/")
        if (_SCHEME.match(form) and form[1] != ":") or slashed.startswith("//"):
            return "must be a relative path inside the repository, or an https:// or s3:// URL"
        if slashed.startswith(("/", "~")) or (len(form) > 1 and form[1] == ":" and form[0].isalpha()):
            return "must be a relative path inside the repository, not an absolute path"
        normal = posixpath.normpath(slashed)
        if normal == ".." or normal.startswith("../"):
            return "escapes the repository (..); use a path inside it"
    if root is not None:
        base = root.resolve()
        target = (base / decoded.replace("\\", "/")).resolve()
        if not target.is_relative_to(base):
            return "leaves the repository through a symbolic link; use a path inside it"
    return None


def _entity(data: dict[str, Any], source: Source) -> Entity:
    spec = data["spec"]
    br, rep = spec["businessRegistration"], spec["legalRepresentative"]
    submission = Submission(
        legal_entity_name=spec["legalEntityName"],
        business_registration=BusinessRegistration(
            br["country"], br["number"], DocumentRef(br["document"]["uri"], br["document"]["sha256"])),
        legal_representative=LegalRepresentative(
            rep["name"], IdDocument(rep["idDocument"]["type"], date.fromisoformat(rep["idDocument"]["expiresOn"]))),
        tax_registrations=tuple(
            TaxRegistration(t["scheme"], t.get("country"), t.get("number"),
                            date.fromisoformat(t["completedOn"]) if "completedOn" in t else None)
            for t in spec.get("taxRegistrations", [])),
        documents=tuple(Document(d["kind"], d["uri"], d["sha256"], d.get("of"), d.get("language"))
                        for d in spec.get("documents", [])),
    )
    return Entity(
        name=data["metadata"]["name"],
        seller_id=spec["sellerId"],
        credentials=_credentials(spec["credentials"]["refreshToken"], spec["credentials"].get("accounts", ())),
        submission=submission,
        marketplaces=tuple(spec["marketplaces"]),
        labels=tuple(sorted(data["metadata"].get("labels", {}).items())),
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


def _uniqueness(entities: list[Entity]) -> list[Problem]:
    out: list[Problem] = []
    names: dict[str, Entity] = {}
    sellers: dict[str, Entity] = {}
    for e in entities:
        first = names.setdefault(e.name, e)
        if first is not e:
            out.append(Problem(e.source.path, e.source.line, 1, "metadata.name",
                               f"name {e.name!r} is already used by {first.source.label}", e.source.row or ""))
        first = sellers.setdefault(e.seller_id, e)
        if first is not e:
            out.append(Problem(e.source.path, e.source.line, 1, "spec.sellerId",
                               f"sellerId is already used by {first.source.label} ({first.name})", e.source.row or ""))
    return out


def load_desired(desired: Path, max_file_bytes: int = DEFAULT_FILE_BYTES) -> DesiredState:
    """Read and load the tree under `desired`; DesiredStateError with every problem of the tree."""
    files, unreadable = read_tree(desired, max_file_bytes)
    return load(files, root=desired.resolve().parent, unreadable=unreadable)


def load_desired_partial(desired: Path, max_file_bytes: int = DEFAULT_FILE_BYTES) -> tuple[DesiredState, list[Problem]]:
    """Read the tree under `desired`: the entities that loaded, and every problem (a file that
    could not be read among them)."""
    files, unreadable = read_tree(desired, max_file_bytes)
    state, problems = load_partial(files, root=desired.resolve().parent)
    return state, unreadable + problems


def problem_entity(p: Problem) -> str:
    """The entity name a problem is about, as far as its path tells: the template row, or the
    file's stem (a template header's problem names the template's stem)."""
    if p.row:
        return p.row
    return p.path.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
