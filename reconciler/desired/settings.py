"""Repository settings: `acorn.yaml`, then ACORN_* environment variables, then flags."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..domain.model import SecretRef
from ..domain.policy import DEFAULT_ID_MIN_VALID_DAYS, Policy
from ..errors import ConfigError, DesiredStateError, Problem
from . import schema, yamlsource
from .locate import Location
from .safefile import DEFAULT_FILE_BYTES, DEFAULT_SECRET_FILE_BYTES, UnreadableFile, read_text
from .verdict import ERROR, SETTINGS_INVALID, Finding, client_secret_findings

ENVIRONMENTS = ("sandbox", "production")


@dataclass(frozen=True)
class Settings:
    environment: str = "sandbox"
    endpoint: str = "embedded"  # embedded | regional | a base URL
    lwa_endpoint: str = "https://api.amazon.com"
    lwa_client_id: SecretRef = SecretRef("env", "LWA_CLIENT_ID")
    lwa_client_secret: SecretRef = SecretRef("env", "LWA_CLIENT_SECRET")
    aws_region: str | None = None    # secrets.aws.region: where {aws: ...} references are read
    aws_endpoint: str | None = None  # secrets.aws.endpoint
    concurrency: int = 16
    max_creates: int = 50
    stale_pending_days: int = 14
    unapplied_create_days: int = 2  # a desired create unapplied longer is drift (acorn drift)
    id_document_min_valid_days: int = DEFAULT_ID_MIN_VALID_DAYS
    throttle_budget_seconds: float = 600.0  # how long one call may wait out 429s before giving up
    lwa_client_secret_rotated_on: date | None = None  # rotate every 180 days (SP-API)
    max_file_bytes: int = DEFAULT_FILE_BYTES
    max_secret_file_bytes: int = DEFAULT_SECRET_FILE_BYTES
    waves_above: int | None = None  # waves.above: apply goes in waves when it has more creates than this
    waves: str = "1,10%,rest"       # waves.sizes: the waves apply submits (docs/apply.md)
    halt_on: str = "25%"            # waves.haltOn: a wave stops the run when one reason code rejects more
    source: str = field(default="acorn.yaml", compare=False)  # the file read (--config), as named
    places: tuple[tuple[str, int, int], ...] = field(default=(), compare=False)  # (dotted key, line, column)

    def at(self, key: str) -> tuple[int, int]:
        """(line, column) where `key` is written in the file; 1:1 when it is not."""
        return next(((line, col) for k, line, col in self.places if k == key), (1, 1))

    @property
    def policy(self) -> Policy:
        """The part of the settings that the plan engine decides by."""
        return Policy(self.stale_pending_days, self.id_document_min_valid_days, self.lwa_client_secret_rotated_on,
                      self.environment)


def _ref(raw: dict[str, Any] | None, default: SecretRef) -> SecretRef:
    return SecretRef.from_mapping(raw) if raw else default


def parse_settings(text: str, source: str) -> Settings:
    """Settings from the text of an acorn.yaml (pure); problems raise DesiredStateError."""
    doc, problems = yamlsource.parse(text, source, empty_ok=True)  # every key has a default
    if doc is None:
        raise DesiredStateError(problems, where=source)
    problems = schema.check(doc, source, "settings")
    if problems:
        raise DesiredStateError(problems, where=source)
    raw: dict[str, Any] = doc.data  # type: ignore[assignment]
    lwa = raw.get("lwa", {})
    aws = raw.get("secrets", {}).get("aws", {})
    defaults = Settings()
    return Settings(
        environment=raw.get("environment", defaults.environment),
        endpoint=raw.get("endpoint", ""),
        lwa_endpoint=lwa.get("endpoint", defaults.lwa_endpoint),
        lwa_client_id=_ref(lwa.get("clientId"), defaults.lwa_client_id),
        lwa_client_secret=_ref(lwa.get("clientSecret"), defaults.lwa_client_secret),
        aws_region=aws.get("region"),
        aws_endpoint=aws.get("endpoint"),
        concurrency=raw.get("concurrency", defaults.concurrency),
        max_creates=raw.get("maxCreates", defaults.max_creates),
        stale_pending_days=raw.get("stalePendingDays", defaults.stale_pending_days),
        unapplied_create_days=raw.get("unappliedCreateDays", defaults.unapplied_create_days),
        id_document_min_valid_days=raw.get("preflight", {}).get(
            "idDocumentMinValidDays", defaults.id_document_min_valid_days),
        throttle_budget_seconds=float(raw.get("throttleBudgetSeconds", defaults.throttle_budget_seconds)),
        lwa_client_secret_rotated_on=_date(lwa.get("clientSecretRotatedOn"), source,
                                           doc.where(("lwa", "clientSecretRotatedOn"))),
        max_file_bytes=raw.get("limits", {}).get("fileBytes", defaults.max_file_bytes),
        max_secret_file_bytes=raw.get("limits", {}).get("secretFileBytes", defaults.max_secret_file_bytes),
        waves_above=raw.get("waves", {}).get("above"),
        waves=raw.get("waves", {}).get("sizes", defaults.waves),
        halt_on=raw.get("waves", {}).get("haltOn", defaults.halt_on),
        source=source,
        places=tuple((".".join(path), *doc.where(path)) for path in _PLACES if _written(raw, path)),
    )


_PLACES = (("environment",), ("endpoint",), ("lwa", "endpoint"), ("lwa", "clientSecretRotatedOn"),
           ("secrets", "aws", "endpoint"))


def _written(raw: object, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(raw, dict) or part not in raw:
            return False
        raw = raw[part]
    return True


def _date(value: str | None, source: str, where: tuple[int, int] = (1, 1)) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DesiredStateError([Problem(source, *where, "lwa.clientSecretRotatedOn",
                                         "is not a real date (YYYY-MM-DD)")], where=source) from None


def _check_url(name: str, url: str) -> None:
    """Raise ConfigError unless `url` is an http(s) URL with a host and a valid port (checked
    here, so a typo is a config error at once and not a traceback from the first call)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # an unclosed IPv6 bracket, say
        why = str(exc)
    else:
        port = parts.netloc.rpartition("]")[2].rpartition("@")[2].partition(":")[2]
        if parts.scheme not in ("http", "https"):
            why = "it must start with http:// or https://"
        elif not host:
            why = "it has no host"
        elif "%" in host or any(c.isspace() for c in host):
            why = f"the host {host!r} is not valid"
        elif port and not port.isdigit():
            why = f"the port {port!r} is not a number"
        elif port and not 1 <= int(port) <= 65535:
            why = f"port {int(port)} is not in 1-65535"
        else:
            return
    raise ConfigError(f"{name} {url!r} is not a valid URL: {why}")


def _is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _check_transport(name: str, url: str) -> None:
    """Production credentials travel only over TLS: plain http:// is for this machine's sandbox.

    Checked when settings are resolved, before any secret is read, let alone sent."""
    parts = urlsplit(url)
    if parts.scheme == "http" and not _is_loopback_host(parts.hostname or ""):
        raise ConfigError(f"{name} {url!r} uses plain http:// to a host other than this machine: "
                          "production sends credentials there, so it must be https://")


def resolve_settings(file_settings: Settings | None, env: Mapping[str, str],
                     environment: str | None = None, endpoint: str | None = None) -> Settings:
    """Apply the override order (file < ACORN_ENVIRONMENT/ACORN_ENDPOINT < flags) and check."""
    base = file_settings or replace(Settings(), endpoint="")
    environment = environment or env.get("ACORN_ENVIRONMENT") or base.environment
    endpoint = endpoint or env.get("ACORN_ENDPOINT") or base.endpoint
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"environment must be sandbox or production, not {environment!r}")
    if not endpoint:
        endpoint = "embedded" if environment == "sandbox" else "regional"
    endpoint = endpoint.rstrip("/")
    if endpoint not in ("embedded", "regional") and not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"endpoint must be embedded, regional or a base URL (http://…), not {endpoint!r}")
    if endpoint not in ("embedded", "regional"):
        _check_url("endpoint", endpoint)
    if endpoint == "regional":  # the only mode that calls lwa.endpoint
        _check_url("lwa.endpoint", base.lwa_endpoint)
    if base.aws_endpoint:
        _check_url("secrets.aws.endpoint", base.aws_endpoint)
    if environment == "production" and endpoint == "embedded":
        raise ConfigError("environment production cannot use the embedded sandbox: "
                          "set endpoint to regional or a base URL")
    if environment == "production":
        if endpoint != "regional":
            _check_transport("endpoint", endpoint)
        else:
            _check_transport("lwa.endpoint", base.lwa_endpoint)
    return replace(base, environment=environment, endpoint=endpoint)


def settings_findings(settings: Settings, today: date, shown: str | None = None) -> tuple[Finding, ...]:
    """acorn.yaml's part of the verdict: a combination the docs call an error (production with
    the embedded sandbox, a URL that is not one, plain http:// in production) at its line, and
    the client secret's rotation. Judged on the file alone: the environment's overrides are a
    run's, not the repository's. `shown` names the file as annotations should (repo-relative)."""
    where = shown or settings.source
    found: list[Finding] = []
    try:
        resolve_settings(settings, {})
    except ConfigError as exc:
        message = str(exc)
        key = message.split(" ", 1)[0]
        if "embedded sandbox" in message and any(k == "endpoint" for k, _, _ in settings.places):
            key = "endpoint"  # production was written, then the endpoint that contradicts it
        elif key not in {".".join(p) for p in _PLACES}:
            key = "environment"
        found.append(Finding(SETTINGS_INVALID, ERROR, message, Location(where, *settings.at(key), key)))
    return tuple(found) + client_secret_findings(settings.lwa_client_secret_rotated_on, today, where,
                                                 *settings.at("lwa.clientSecretRotatedOn"))


def load_settings(config: Path | None, env: Mapping[str, str], *, environment: str | None = None,
                  endpoint: str | None = None, required: bool = False, offline: bool = False) -> Settings:
    """Read `config` (if it exists; an explicitly named missing file is an error) and resolve.

    `offline` commands (validate) never reach ACORN-i, so the endpoint is not resolved and a
    wrong ACORN_ENDPOINT does not fail them.
    """
    file_settings = None
    if config is not None:
        if config.exists():
            try:
                text = read_text(config, DEFAULT_FILE_BYTES)
            except UnreadableFile as exc:
                raise DesiredStateError([Problem(str(config), 1, 1, "(file)", exc.why)], where=str(config)) from None
            file_settings = parse_settings(text, str(config))
        elif required:
            raise ConfigError(f"config file {config} does not exist")
    if offline:
        return file_settings or Settings()
    try:
        return resolve_settings(file_settings, env, environment, endpoint)
    except ConfigError:
        if file_settings is not None:  # the file's own combination: said at its line, as validate says it
            wrong = [f.problem() for f in settings_findings(file_settings, date.min) if f.severity is ERROR]
            if wrong:
                raise DesiredStateError(wrong, where=str(config)) from None
        raise
