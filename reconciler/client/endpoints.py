"""Where calls go: per-region hosts and the LWA endpoint for each endpoint mode.

    embedded   the in-process sandbox (one base URL, called through httpx.ASGITransport)
    regional   the SP-API host of each region, production or sandbox by `environment`;
               LWA at `lwa.endpoint`
    <base URL> every region and LWA at that URL (e.g. a served sandbox)

Which transport carries the calls is decided here too, once; the client does not know.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass

import httpx

from ..desired.settings import Settings
from ..domain import catalogue
from ..domain.contract import (
    ACCOUNT_REGIONS,
    CREATE_REGISTRATION,
    GET_ACCOUNT,
    GET_PARTICIPATIONS,
    GET_REGISTRATION,
    LIST_REGISTRATIONS,
    LWA_TOKEN_PATH,
)
from .transport import NetworkTransport, ShardedPools

# Where each operation is offered and the roles the application needs for it (at least one).
# Sellers API: the developer guide's "Roles for the Sellers API v1" table (Sellers API page).
# ACORN-i's operations are our contract (docs/acorn-i-api.md). Adding a role to an application
# makes every seller authorize it again ("Renew Authorizations"), so acorn asks for none it can do without.
ROLES = {
    GET_ACCOUNT: "Account Information Service Provider, or Finance and Accounting",
    GET_PARTICIPATIONS: ("Selling Partner Insights, Product Listing, or any other role the Sellers API "
                         "page lists for it (some in FE only)"),
    LIST_REGISTRATIONS: "ACORN-i Onboarding (docs/acorn-i-api.md)",
    GET_REGISTRATION: "ACORN-i Onboarding (docs/acorn-i-api.md)",
    CREATE_REGISTRATION: "ACORN-i Onboarding (docs/acorn-i-api.md)",
}


def offers_account(region: str) -> bool:
    """Whether SP-API offers getAccount in `region` (EU only)."""
    return region in ACCOUNT_REGIONS


@dataclass(frozen=True)
class Endpoints:
    mode: str  # embedded | regional | base-url
    lwa: str  # base URL of LWA (the token path is appended)
    hosts: tuple[tuple[str, str], ...]  # (region, base URL), catalogue region order

    def host(self, region: str) -> str:
        return dict(self.hosts)[region]

    @property
    def lwa_token_url(self) -> str:
        return self.lwa + LWA_TOKEN_PATH


def resolve_endpoints(settings: Settings, embedded_base_url: str | None = None) -> Endpoints:
    """The endpoints of `settings` (pure); embedded mode needs the in-process sandbox's base URL,
    which the CLI passes in (the client does not know the sandbox)."""
    if settings.endpoint == "regional":
        hosts = tuple((region, urls[settings.environment]) for region, urls in catalogue.REGION_HOSTS.items())
        return Endpoints("regional", settings.lwa_endpoint.rstrip("/"), hosts)
    if settings.endpoint == "embedded":
        if embedded_base_url is None:
            raise ValueError("embedded mode needs the embedded sandbox's base URL")
        base, mode = embedded_base_url, "embedded"
    else:
        base, mode = settings.endpoint, "base-url"
    base = base.rstrip("/")
    return Endpoints(mode, base, tuple((region, base) for region in catalogue.REGIONS))


POOLS = 8  # connection pools; see ShardedPools


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's TLS settings, httpx's defaults (certifi's CA store, or SSL_CERT_FILE /
    SSL_CERT_DIR): loading a CA store takes 20 ms, so it is loaded once, whatever the number
    of pools and clients a command opens (a run against a served sandbox opens two)."""
    return httpx.create_ssl_context()


def network_transport() -> httpx.AsyncBaseTransport:
    """The transport to real hosts (the embedded sandbox's transport is plugged in by the CLI)."""
    # Retries are ours (backoff, Retry-After, audit per attempt), not the connection pool's.
    return ShardedPools([NetworkTransport(tls_context()) for _ in range(POOLS)])
