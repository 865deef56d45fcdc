"""The one exception tree of acorn; the CLI renders each once, with its exit code.

    AcornError                  anything a user can cause; never shown as a traceback
    ├── RunStopping             stops the whole run wherever it happens (reads, account reads,
    │                           applies): never one seller's warning or one pair's failure.
    │                           Exactly these are: MachineError, BreakerOpen, EndpointUnusable,
    │                           ApplicationCredentialsError and its ApplicationAccessError
    │                           (marked ◆ below)
    ├── DesiredStateError       the desired tree is invalid (carries every Problem found)
    ├── ConfigError             acorn.yaml, flags or environment are wrong
    ├── MachineError ◆          the machine failed acorn: a full disk, a read-only folder, a
    │                           state file it cannot use (stops the run: never one per seller)
    ├── SecretError             a referenced secret cannot be resolved (never holds the value)
    ├── PlanFileError           a saved plan is unreadable or stale
    ├── SafetyError             a safety gate refused (maxCreates, confirmation)
    └── ApiError                ACORN-i / LWA answered with an error or could not be reached
        ├── AlreadyExists       409: an open registration exists (apply reports it, never resubmits)
        ├── AuthError           LWA refused an entity-region's refresh token
        │   └── RegionUnauthorized  403: the seller has not authorized the app in that region
        ├── ApplicationCredentialsError ◆  LWA refused the application itself: the run stops
        │   └── ApplicationAccessError ◆  SP-API refuses the application itself in a region (an
        │                           expired client secret, a missing role, a wrong host or path, a
        │                           suspended app): one finding for the run, not one per seller
        ├── RoleMissing         a 403 an operation gets for lack of a role the app does not hold:
        │                           a per-region warning on what it would have checked (not ◆)
        ├── BreakerOpen ◆       the run's breaker opened: too many calls in a row failed
        └── EndpointUnusable ◆  no call can be sent to the endpoint (a malformed URL or port)
"""

from __future__ import annotations

from dataclasses import dataclass

from .domain import safetext
from .domain.contract import CONFLICT
from .domain.model import source_label


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a source file: rendered `path:line:column: key: message`. `path` is the
    file; `row` the template row the finding is about (a template's rendered entity), if any."""

    path: str
    line: int
    column: int
    key: str
    message: str
    row: str = ""  # "" when not a template row (a str either way: problems sort)

    @property
    def label(self) -> str:
        """`path`, or `path (row NAME)` for a template row: how a person reads where it is."""
        return source_label(self.path, self.row)

    def __str__(self) -> str:
        # Each part may hold text from the file (a key, a file name): never a raw control or a line break.
        return f"{safetext.line(self.label)}:{self.line}:{self.column}: {safetext.line(self.key)}: " \
               f"{safetext.line(self.message)}"


class AcornError(Exception):
    """Base of every error a user can cause; `exit_code` is what the CLI exits with."""

    exit_code = 1


class RunStopping(AcornError):
    """An error that stops the run wherever it is raised: code that turns other errors into a
    seller's warning or a pair's failure re-raises this one (`except RunStopping: raise`)."""


class DesiredStateError(AcornError):
    def __init__(self, problems: list[Problem], where: str = "the desired state"):
        self.problems = sorted(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [str(p) for p in self.problems]
        super().__init__("\n".join(lines + [f"{len(self.problems)} {noun} in {where}."]))


class ConfigError(AcornError):
    pass


class MachineError(RunStopping):
    """A file acorn must write or keep (audit log, state, output) cannot be: names path and cause."""


class SecretError(AcornError):
    pass


class PlanFileError(AcornError):
    pass


class SafetyError(AcornError):
    pass


class ApiError(AcornError):
    """An error answer or an unreachable service. Never carries a token."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 request_id: str | None = None):
        self.status = status
        self.code = code
        self.request_id = request_id
        self.message = message  # without the request id, for views that show it in a column
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(message + suffix)


class AlreadyExists(ApiError):
    """409: the seller already has an open registration (or a store) in these marketplaces."""

    def __init__(self, message: str, *, marketplace_ids: tuple[str, ...], registration_ids: tuple[str, ...],
                 request_id: str | None = None) -> None:
        super().__init__(message, status=409, code=CONFLICT, request_id=request_id)
        self.marketplace_ids = marketplace_ids
        self.registration_ids = registration_ids


class AuthError(ApiError):
    pass


class RegionUnauthorized(AuthError):
    """SP-API's 403 for a seller that has not authorized the app in `region` (or lacks a role)."""

    def __init__(self, message: str, *, region: str, status: int | None = 403, code: str | None = None,
                 request_id: str | None = None) -> None:
        super().__init__(message, status=status, code=code, request_id=request_id)
        self.region = region


class ApplicationCredentialsError(ApiError, RunStopping):
    """LWA's invalid_client / unauthorized_client: the app's id or secret, the same for every seller."""


class ApplicationAccessError(ApplicationCredentialsError):
    """SP-API refuses the application itself, whatever the seller: the run stops at the first sign
    (a RunStopping error through ApplicationCredentialsError)."""


class RoleMissing(ApiError):
    """An operation the application lacks the role for (getAccount without the Account Information
    Service Provider role): a warning on what it would have checked, asked once per region and run."""


class BreakerOpen(ApiError, RunStopping):
    """The run's breaker opened: calls failed several times in a row across every seller (the
    service is down, not flaky), so the run stops rather than fail each seller in turn."""


class EndpointUnusable(ApiError, RunStopping):
    """The endpoint's URL cannot be sent to at all (malformed, a port past 65535): wrong for
    every seller, so the run stops."""
