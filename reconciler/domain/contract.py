"""The ACORN-i contract's operations and their rate limits: what the sandbox enforces and
the client paces itself by, written once (acorn-i-api.md, "Operations", and the Sellers
API's published limit for marketplace participations)."""

from __future__ import annotations

from dataclasses import dataclass

CREATE_REGISTRATION = "createRegistration"
LIST_REGISTRATIONS = "listRegistrations"
GET_REGISTRATION = "getRegistration"
GET_PARTICIPATIONS = "getMarketplaceParticipations"


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second; x-amzn-RateLimit-Limit is str(rate): "0.5", "2.0", "0.016"
    burst: int


LIMITS: dict[str, Limit] = {
    CREATE_REGISTRATION: Limit(0.5, 5),
    LIST_REGISTRATIONS: Limit(2.0, 10),
    GET_REGISTRATION: Limit(2.0, 10),
    GET_PARTICIPATIONS: Limit(0.016, 15),
}
