"""The audit log: one JSON line per HTTP attempt (LWA, API calls, every retry).

Each line says what was asked of whom, where, and what came back: UTC time, seller,
operation, region (whose host and authorization the call used; LWA exchanges name the regions
of the token they exchange; a Secrets Manager call names its AWS region), method, path (never
the query or a body), status or error kind, `x-amzn-RequestId` and duration. Nothing else is
taken from a request, so no token or secret can reach the file.

`AuditLog` is the interface the client records through; `FileAuditLog` (the run's JSON-lines
file), `MemoryAuditLog` (tests) and `NullAuditLog` (no trail) are its implementations.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, TextIO

from ..desired.safefile import NotARegularFile, open_append
from ..domain.timestamps import utc_timestamp
from ..errors import MachineError

# json.dumps(value, separators=(",", ":")), without making the encoder again for every line
_compact = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(frozen=True)
class AuditEntry:
    time: datetime  # timezone-aware UTC
    seller_id: str
    operation: str
    method: str
    path: str
    status: int | None  # None when no answer came (error says why)
    error: str | None  # e.g. ReadTimeout, RemoteProtocolError
    request_id: str | None
    duration_ms: float
    region: str = ""  # NA | EU | FE (LWA: e.g. NA+EU+FE); AWS Secrets Manager: its region ("" if none)

    def to_json(self) -> dict[str, object]:
        return {
            "time": utc_timestamp(self.time, milliseconds=True),
            "sellerId": self.seller_id,
            "operation": self.operation,
            "region": self.region or None,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "error": self.error,
            "requestId": self.request_id,
            "durationMs": round(self.duration_ms, 1),
        }

    def line(self) -> str:
        return _compact(self.to_json())


class AuditLog(Protocol):
    """Where the client records every HTTP attempt."""

    def record(self, entry: AuditEntry) -> None:
        """Keep `entry`; MachineError when it cannot be kept (the run stops, saying so once)."""

    def close(self) -> None:
        """Called by AcornClient.aclose(); a log may reopen if it records again."""


class NullAuditLog:
    """Records nothing (for callers that do not want an audit trail)."""

    def record(self, entry: AuditEntry) -> None:
        pass

    def close(self) -> None:
        pass


class MemoryAuditLog:
    """Keeps entries and their JSON lines in memory (tests)."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.lines: list[str] = []

    def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)
        self.lines.append(entry.line())

    def close(self) -> None:
        pass


class FileAuditLog:
    """Appends JSON lines to `path`, creating its folder; each line is flushed as written.

    The file is opened on the first line (a run that calls nothing leaves no file) and kept
    open until close(): recording runs on the event loop, so it should cost a write, not a
    mkdir and an open per line. The flush per line means a crash loses nothing written.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file: TextIO | None = None

    def record(self, entry: AuditEntry) -> None:
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open_append(self.path)
            self._file.write(entry.line() + "\n")
            self._file.flush()
        except NotARegularFile as exc:
            raise MachineError(f"the audit log {self.path} {exc.strerror}; remove it or use --audit-log") from None
        except OSError as exc:  # a full disk, a folder gone read-only: the run stops, saying so once
            raise MachineError(f"cannot write the audit log {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            with contextlib.suppress(OSError):  # its last write failed already, and said so
                file.close()
