"""The sandbox's state in one SQLite file: sellers, access tokens, registrations, the clock.

One connection per application, guarded by a lock; every write is one transaction begun
IMMEDIATE, so a create either fully commits or leaves nothing, and two creates with one
clientToken (even from two processes on the same file) make one registration set: the
second finds the first's row under the UNIQUE (seller, clientToken) key and replays it.
Review decisions are computed when read (`review.py`) and stored the first time, so a
decision never changes afterwards; preflight's part of a decision is stored at create
(`pending_reasons`), so deciding reads only the seller record.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..domain import catalogue
from ..domain.contract import OPEN_STATUSES
from ..domain.live import IN_REVIEW, SUBMITTED
from ..domain.model import Reason
from ..errors import ConfigError, MachineError
from . import review
from .records import RegistrationRecord, SellerRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sellers (
    seller_id TEXT PRIMARY KEY, legal_entity_name TEXT NOT NULL, refresh_token TEXT UNIQUE,
    participations TEXT NOT NULL, related_account INTEGER NOT NULL, extra TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS region_tokens (
    refresh_token TEXT NOT NULL, region TEXT NOT NULL, seller_id TEXT NOT NULL,
    PRIMARY KEY (refresh_token, region));
CREATE TABLE IF NOT EXISTS access_tokens (
    token_hash TEXT PRIMARY KEY, seller_id TEXT NOT NULL, client_id TEXT NOT NULL,
    expires_at REAL NOT NULL, regions TEXT NOT NULL DEFAULT '["NA","EU","FE"]');
-- every LWA exchange purges the expired tokens: by this index, not a scan of every token
-- (at 100,000 sellers the scan was 5-10 ms of the event loop per exchange)
CREATE INDEX IF NOT EXISTS access_tokens_by_expiry ON access_tokens (expires_at);
CREATE TABLE IF NOT EXISTS creates (
    seller_id TEXT NOT NULL, client_token TEXT NOT NULL, body_hash TEXT NOT NULL,
    PRIMARY KEY (seller_id, client_token));
CREATE TABLE IF NOT EXISTS registrations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, registration_id TEXT NOT NULL UNIQUE,
    seller_id TEXT NOT NULL, marketplace_id TEXT NOT NULL, legal_entity_name TEXT NOT NULL,
    client_token TEXT NOT NULL, submission_digest TEXT NOT NULL, created_at REAL NOT NULL,
    review_seconds REAL NOT NULL, status TEXT, reasons TEXT NOT NULL DEFAULT '[]',
    updated_at REAL, pending_reasons TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS registrations_by_seller ON registrations (seller_id, seq);
"""

_COLUMNS = ("seq, registration_id, seller_id, marketplace_id, legal_entity_name, client_token, "
            "submission_digest, created_at, review_seconds, status, reasons, updated_at, pending_reasons")
_INSERT_COLUMNS = _COLUMNS.replace("seq, ", "")


@dataclass(frozen=True)
class Conflict:
    """A marketplace a create may not touch: participating, or an open registration."""

    marketplace_id: str
    registration_id: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class CreateOutcome:
    kind: str  # created | replayed | mismatch | conflict
    registrations: tuple[RegistrationRecord, ...] = ()
    conflicts: tuple[Conflict, ...] = ()


def new_registration_id() -> str:
    return "REG-" + secrets.token_hex(8).upper()


@lru_cache(maxsize=4096)  # few distinct reason lists exist; listings parse them repeatedly
def _reasons(text: str) -> tuple[Reason, ...]:
    return tuple(Reason(code, message) for code, message in json.loads(text))


def _reasons_text(reasons: tuple[Reason, ...]) -> str:
    """The stored form of a reason list (what `_reasons` reads back)."""
    return json.dumps([[r.code, r.message] for r in reasons])


def _state_error(path: Path, exc: sqlite3.Error) -> ConfigError | MachineError:
    """The state file could not be opened: not a database (start over), or out of reach."""
    if isinstance(exc, sqlite3.OperationalError):  # locked, unreadable, read-only: deleting may be wrong
        return MachineError(f"cannot open sandbox state {path} (sqlite: {exc})")
    return ConfigError(f"sandbox state {path} is not a sandbox database (sqlite: {exc}); delete it to start over")


def _record(row: tuple) -> RegistrationRecord:
    return RegistrationRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                              row[9], _reasons(row[10]), row[11], _reasons(row[12]))


_SELLER_COLUMNS = "seller_id, legal_entity_name, refresh_token, participations, related_account, extra"


def _seller(row: tuple | None) -> SellerRecord | None:
    if row is None:
        return None
    return SellerRecord.with_extra(row[0], row[1], row[2], tuple(json.loads(row[3])), bool(row[4]),
                                   json.loads(row[5]))


class Store:
    def __init__(self, path: Path) -> None:
        """Opens (creating when missing) the state at `path`; ConfigError or MachineError when it cannot."""
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the folder of sandbox state {path}: {exc.strerror or exc}") from None
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE) where they matter.
        if path.is_dir():
            raise MachineError(f"sandbox state {path} is a folder, not a file; remove it or use another path")
        try:
            self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
        except sqlite3.Error as exc:
            raise _state_error(path, exc) from None
        try:
            self._open()
        except sqlite3.Error as exc:
            self._conn.close()
            raise _state_error(path, exc) from None
        except (ConfigError, MachineError):  # a MachineError is no ConfigError: both close the connection
            self._conn.close()
            raise
        self._tokens: dict[str, tuple[str, str, float, tuple[str, ...]]] = {}
        self._secret: str | None = None

    def _open(self) -> None:
        # sqlite reads the file only now: a file that is not a database fails on this first query.
        tables = {row[0] for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:  # another program's database: never add our tables to it
            raise ConfigError(f"sandbox state {self.path} is another program's SQLite database "
                              f"(tables {', '.join(sorted(tables)[:5])}); name a new file with --state")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        with self._write():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._conn.execute(statement)
            # State files from before per-region authorization: their tokens act in every region.
            for table, column, sql in (("sellers", "extra", "TEXT NOT NULL DEFAULT '{}'"),
                                       ("access_tokens", "regions", """TEXT NOT NULL DEFAULT '["NA","EU","FE"]'""")):
                if column not in {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql}")
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(registrations)")}
            if "pending_reasons" not in columns:  # a state file from before pending_reasons
                # Its undecided registrations are then decided on the seller record's reasons alone.
                self._conn.execute("ALTER TABLE registrations ADD COLUMN pending_reasons TEXT NOT NULL DEFAULT '[]'")
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('clock_offset', '0')")
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('token_secret', ?)", (secrets.token_hex(32),))

    # -- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested uses join the outer one (it commits or rolls back all)."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # read-only file or folder, full disk, I/O error
                raise MachineError(f"cannot write sandbox state {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @property
    def token_secret(self) -> str:
        """The key that signs nextTokens (a new one on reset, which voids old tokens)."""
        if self._secret is None:
            self._secret = self.meta("token_secret") or ""
        return self._secret

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def seed_once(self, seed: "Callable[[Store], None]") -> bool:
        """Run `seed` on a state file that was never seeded, in the same transaction as the
        mark (two processes opening a new file seed it once, and never half); True when it ran."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone():
                return False
            db.execute("INSERT INTO meta VALUES ('seeded', '1')")
            seed(self)
            return True

    def reset(self) -> None:
        """Empties everything (the clock too); the file keeps its 'seeded' mark."""
        with self._write() as db:
            for table in ("sellers", "region_tokens", "access_tokens", "creates", "registrations"):
                db.execute(f"DELETE FROM {table}")
            db.execute("UPDATE meta SET value = '0' WHERE key = 'clock_offset'")
            db.execute("UPDATE meta SET value = ? WHERE key = 'token_secret'", (secrets.token_hex(32),))
            self._tokens.clear()
            self._secret = None

    # -- sellers and tokens -----------------------------------------------------------

    def put_seller(self, seller: SellerRecord) -> None:
        """Adds or replaces; its refresh tokens now act for it alone."""
        with self._write() as db:
            if seller.refresh_token is not None:
                db.execute("UPDATE sellers SET refresh_token = NULL WHERE refresh_token = ? AND seller_id != ?",
                           (seller.refresh_token, seller.seller_id))
            db.execute("DELETE FROM region_tokens WHERE seller_id = ?", (seller.seller_id,))
            for region, token in seller.region_tokens:
                db.execute("INSERT OR REPLACE INTO region_tokens VALUES (?, ?, ?)", (token, region, seller.seller_id))
            db.execute(f"INSERT OR REPLACE INTO sellers ({_SELLER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                       (seller.seller_id, seller.legal_entity_name, seller.refresh_token,
                        json.dumps(list(seller.participations)), int(seller.related_account),
                        json.dumps(seller.extra())))

    def seller(self, seller_id: str) -> SellerRecord | None:
        with self._lock:
            return _seller(self._conn.execute(f"SELECT {_SELLER_COLUMNS} FROM sellers WHERE seller_id = ?",
                                              (seller_id,)).fetchone())

    def seller_by_refresh_token(self, token: str) -> SellerRecord | None:
        """The seller a refresh token acts for (its one token, or one of its regions' tokens)."""
        with self._lock:
            row = self._conn.execute(f"SELECT {_SELLER_COLUMNS} FROM sellers WHERE refresh_token = ?",
                                     (token,)).fetchone()
            if row is None:
                found = self._conn.execute("SELECT seller_id FROM region_tokens WHERE refresh_token = ?",
                                           (token,)).fetchone()
                if found is not None:
                    row = self._conn.execute(f"SELECT {_SELLER_COLUMNS} FROM sellers WHERE seller_id = ?",
                                             (found[0],)).fetchone()
            return _seller(row)

    def sellers(self) -> tuple[SellerRecord, ...]:
        with self._lock:
            rows = self._conn.execute(f"SELECT {_SELLER_COLUMNS} FROM sellers ORDER BY seller_id").fetchall()
        return tuple(_seller(r) for r in rows)  # type: ignore[misc]

    def add_access_token(self, token_hash: str, seller_id: str, client_id: str, expires_at: float,
                         regions: tuple[str, ...] = catalogue.REGIONS) -> None:
        with self._write() as db:
            db.execute("DELETE FROM access_tokens WHERE expires_at < ?", (expires_at - 7 * 86400,))
            db.execute("INSERT INTO access_tokens VALUES (?, ?, ?, ?, ?)",
                       (token_hash, seller_id, client_id, expires_at, json.dumps(list(regions))))
        self._tokens[token_hash] = (seller_id, client_id, expires_at, regions)

    def access_token(self, token_hash: str) -> tuple[str, str, float, tuple[str, ...]] | None:
        """(seller, application, expires at, regions) of an access token, by its hash."""
        found = self._tokens.get(token_hash)
        if found is None:
            with self._lock:
                row = self._conn.execute("SELECT seller_id, client_id, expires_at, regions FROM access_tokens "
                                         "WHERE token_hash = ?", (token_hash,)).fetchone()
            if row is None:
                return None
            found = self._tokens[token_hash] = (row[0], row[1], row[2], tuple(json.loads(row[3])))
        return found

    # -- registrations ----------------------------------------------------------------

    def insert_registration(self, reg: RegistrationRecord) -> None:
        """Insert as given (the demo world's fixed registrations)."""
        with self._write() as db:
            self._insert(db, reg)

    def _insert(self, db: sqlite3.Connection, reg: RegistrationRecord) -> None:
        db.execute(f"INSERT INTO registrations ({_INSERT_COLUMNS}) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (reg.registration_id, reg.seller_id, reg.marketplace_id, reg.legal_entity_name,
                    reg.client_token, reg.submission_digest, reg.created_at, reg.review_seconds,
                    reg.status, _reasons_text(reg.reasons),
                    reg.updated_at, _reasons_text(reg.pending_reasons)))

    def _resolve(self, records: Iterable[RegistrationRecord], now: float) -> list[RegistrationRecord]:
        """Statuses as of `now`; decisions that fell due are computed and stored once, all in
        one write transaction, each seller record read once."""
        out: list[RegistrationRecord | None] = []
        due: list[tuple[int, RegistrationRecord]] = []
        for reg in records:
            current = review.progress(reg, now)
            if current is None:
                due.append((len(out), reg))
            out.append(current)
        if due:
            sellers: dict[str, SellerRecord | None] = {}
            with self._write() as db:
                for i, reg in due:
                    if reg.seller_id not in sellers:
                        sellers[reg.seller_id] = self.seller(reg.seller_id)
                    out[i] = self._store_decision(db, review.decide(reg, sellers[reg.seller_id]))
        return out  # type: ignore[return-value]

    def _store_decision(self, db: sqlite3.Connection, decided: RegistrationRecord) -> RegistrationRecord:
        changed = db.execute("UPDATE registrations SET status = ?, reasons = ?, updated_at = ? "
                             "WHERE registration_id = ? AND status IS NULL",
                             (decided.status, _reasons_text(decided.reasons),
                              decided.updated_at, decided.registration_id)).rowcount
        if not changed:  # decided meanwhile by another process: its answer stands
            decided = _record(db.execute(f"SELECT {_COLUMNS} FROM registrations WHERE registration_id = ?",
                                         (decided.registration_id,)).fetchone())
        return decided

    def decide_now(self, registration_id: str, status: str, reasons: tuple[Reason, ...],
                   now: float) -> tuple[RegistrationRecord | None, bool]:
        """Decide a registration under review at `now` (a user driving the sandbox): the record
        and whether this call decided it. (None, False) when there is no such registration; the
        record unchanged and False when it was decided already (either way: never re-decided)."""
        with self._write() as db:
            current = self.registration(registration_id, now)
            if current is None or current.status not in (SUBMITTED, IN_REVIEW):
                return current, False
            db.execute("UPDATE registrations SET status = ?, reasons = ?, updated_at = ? WHERE registration_id = ?",
                       (status, _reasons_text(reasons), now, registration_id))
            return current.with_status(status, now, reasons), True

    def registration(self, registration_id: str, now: float) -> RegistrationRecord | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM registrations WHERE registration_id = ?",
                                     (registration_id,)).fetchone()
            return self._resolve([_record(row)], now)[0] if row else None

    def all_registrations(self, now: float) -> list[RegistrationRecord]:
        with self._lock:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM registrations ORDER BY seq").fetchall()
            return self._resolve(map(_record, rows), now)

    def list_registrations(self, seller_id: str, now: float, *, after_seq: int = 0, limit: int = 20,
                           marketplace_ids: frozenset[str] | None = None,
                           statuses: frozenset[str] | None = None) -> tuple[list[RegistrationRecord], bool]:
        """One page in creation order after `after_seq`; True when more follow.

        A stored status is filtered in SQL; an undecided one is computed, so rows are read
        and resolved in batches until limit + 1 match (or none are left)."""
        sql = f"SELECT {_COLUMNS} FROM registrations WHERE seller_id = ? AND seq > ?"
        args: list[object] = [seller_id]
        if marketplace_ids:
            sql += f" AND marketplace_id IN ({','.join('?' * len(marketplace_ids))})"
            args.extend(sorted(marketplace_ids))
        if statuses is not None:
            sql += f" AND (status IS NULL OR status IN ({','.join('?' * len(statuses))}))"
            args.extend(sorted(statuses))
        sql += " ORDER BY seq LIMIT ?"
        found: list[RegistrationRecord] = []
        with self._lock:
            while len(found) <= limit:
                rows = self._conn.execute(sql, [args[0], after_seq, *args[1:], limit + 1]).fetchall()
                for reg in self._resolve(map(_record, rows), now):
                    if statuses is None or reg.status in statuses:
                        found.append(reg)
                if len(rows) <= limit:
                    break
                after_seq = rows[-1][0]
        return found[:limit], len(found) > limit

    def create(self, seller_id: str, client_token: str, body_hash: str,
               new: list[RegistrationRecord], now: float) -> CreateOutcome:
        """Idempotent create of `new` (one per marketplace) in one transaction."""
        with self._write() as db:
            row = db.execute("SELECT body_hash FROM creates WHERE seller_id = ? AND client_token = ?",
                             (seller_id, client_token)).fetchone()
            if row is not None:
                if row[0] != body_hash:
                    return CreateOutcome("mismatch")
                return CreateOutcome("replayed", self._by_token(db, seller_id, client_token, now))
            conflicts = self._conflicts(db, seller_id, [r.marketplace_id for r in new], now)
            if conflicts:
                return CreateOutcome("conflict", conflicts=conflicts)
            db.execute("INSERT INTO creates VALUES (?, ?, ?)", (seller_id, client_token, body_hash))
            for reg in new:
                self._insert(db, reg)
            return CreateOutcome("created", self._by_token(db, seller_id, client_token, now))

    def _by_token(self, db: sqlite3.Connection, seller_id: str, client_token: str,
                  now: float) -> tuple[RegistrationRecord, ...]:
        """The registrations one create made, in creation order."""
        rows = db.execute(f"SELECT {_COLUMNS} FROM registrations WHERE seller_id = ? AND client_token = ? "
                          "ORDER BY seq", (seller_id, client_token)).fetchall()
        return tuple(self._resolve(map(_record, rows), now))

    def _conflicts(self, db: sqlite3.Connection, seller_id: str, marketplace_ids: list[str],
                   now: float) -> tuple[Conflict, ...]:
        seller = self.seller(seller_id)  # the same connection: it reads inside this transaction
        participating = set(seller.participations) if seller else set()
        rows = db.execute(f"SELECT {_COLUMNS} FROM registrations WHERE seller_id = ? AND marketplace_id IN "
                          f"({','.join('?' * len(marketplace_ids))}) ORDER BY seq",
                          [seller_id, *marketplace_ids]).fetchall()
        found: list[Conflict] = []
        for reg in self._resolve(map(_record, rows), now):
            if reg.status in OPEN_STATUSES:
                found.append(Conflict(reg.marketplace_id, reg.registration_id, reg.status))
        for mid in marketplace_ids:
            if catalogue.BY_ID[mid].code in participating:
                found.append(Conflict(mid))
        return tuple(found)
