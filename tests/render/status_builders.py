"""A plan with every state, an unreadable entity and hostile strings, built directly as
data (no files, no network), for the status renderings."""

from __future__ import annotations

from datetime import datetime, timezone

from reconciler.domain import catalogue
from reconciler.domain.model import Reason
from reconciler.engine.plan import EntityPlan, FieldDiff, Pair, Plan
from reconciler.render.status import Status, status_of

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=timezone.utc)
HOSTILE = '<script>alert("x")</script> & | \'quoted\''


def pair(code: str, state: str, status: str | None = None, rid: str | None = None,
         reasons: tuple[Reason, ...] = (), age: int | None = None, drift: tuple[FieldDiff, ...] = ()) -> Pair:
    return Pair(code, catalogue.by_code(code).marketplace_id, state, rid, status, reasons, age, drift)


def sample_plan() -> Plan:
    return Plan("sandbox", NOW, "d" * 64, (
        EntityPlan("acme", "A3EXAMPLEACME01", (
            pair("US", "live"),
            pair("CA", "live", "APPROVED", "REG-CA1"),
            pair("DE", "create"),
            pair("FR", "blocked", reasons=(Reason("MISSING_TAX_REGISTRATION", "FR requires EU_VAT with country FR"),)),
            pair("MX", "unmanaged", reasons=(Reason("NOT_IN_DESIRED", "the seller participates in MX"),)),
        )),
        EntityPlan("nord", "A1NORDLICHT0DE", (
            pair("DE", "live"),
            pair("FR", "pending", "IN_REVIEW", "REG-FR1", (Reason("STALE_PENDING", "IN_REVIEW for 20 days"),), 20),
            pair("FR", "drifted", "IN_REVIEW", "REG-FR1", (Reason("FIELD_DRIFT", "legalEntityName: 'A' -> 'B'"),),
                 drift=(FieldDiff("legalEntityName", "A", "B"),)),
            pair("IT", "attention", "ACTION_REQUIRED", "REG-IT1", (Reason("DOCUMENT_UNREADABLE", HOSTILE),)),
        )),
        EntityPlan("gone", "A9UNREADABLE00", error="LWA refused the refresh token of seller A9UNREADABLE00"),
    ))


LABELS = {"acme": (("brand", "acme"), ("team", "apac")), "nord": (("brand", "nord\"<i>|x"), ("team", "emea"))}


def sample_status() -> Status:
    return status_of(sample_plan(), LABELS)
