"""Support of the apply tests: the served sandbox's admin calls (the sandbox itself runs as
`acorn sandbox serve` in a subprocess: tests/served_sandbox.py), small generated desired
trees with their sellers seeded, and `acorn` run as a real subprocess (for kill -9 and
concurrent runs)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.domain import catalogue
from tests import served_sandbox, tax_examples

APP_ENV = {"LWA_CLIENT_ID": "acorn-apply-test", "LWA_CLIENT_SECRET": "apply-test-client-secret"}
TAX = {"UK": "{scheme: UK_VAT, number: GB123456782}", "US": "{scheme: US_W8BENE, completedOn: 2025-03-01}",
       "CA": '{scheme: CA_GST_HST, number: "123456782RT0001"}'}


class Admin(served_sandbox.Admin):
    """The admin calls, and what the apply tests ask of the sandbox's state."""

    def pairs(self) -> Counter:
        """(sellerId, marketplace code) -> how many registrations the sandbox holds."""
        return Counter((r["sellerId"], catalogue.BY_ID[r["marketplaceId"]].code) for r in self.registrations())

    def wait_for_registrations(self, at_least: int, timeout: float = 30) -> None:
        """Readiness poll (not a timing sleep): returns once `at_least` registrations exist."""
        deadline = time.monotonic() + timeout
        while len(self.registrations()) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {at_least} registrations after {timeout} s")
            time.sleep(0.02)


@dataclass(frozen=True)
class Seller:
    name: str
    seller_id: str
    marketplaces: tuple[str, ...]
    participations: tuple[str, ...] = ()
    account_name: str | None = None  # the seeded account's legal name; differs -> LEGAL_NAME_MISMATCH

    @property
    def legal_name(self) -> str:
        return f"{self.name.title()} Trading Ltd"

    @property
    def env_name(self) -> str:
        return f"ACORN_{self.name.upper().replace('-', '_')}_REFRESH_TOKEN"

    @property
    def refresh_token(self) -> str:
        return f"Atzr|apply-test-{self.seller_id}"


def entity_yaml(s: Seller) -> str:
    """A valid entity that passes preflight for any of UK, US, CA and the EU VAT marketplaces."""
    taxes = [TAX[m] if m in TAX else f"{{scheme: EU_VAT, country: {m}, number: {tax_examples.EU_VAT[m]}}}"
             for m in s.marketplaces]
    if "CA" in s.marketplaces and "US" not in s.marketplaces:
        taxes.append(TAX["US"])  # Amazon.ca asks for the U.S. tax interview too
    sha = hashlib.sha256(s.name.encode()).hexdigest()
    return f"""apiVersion: acorn/v1
kind: Entity
metadata:
  name: {s.name}
spec:
  sellerId: {s.seller_id}
  legalEntityName: {s.legal_name}
  credentials:
    refreshToken: {{env: {s.env_name}}}
  businessRegistration:
    country: GB
    number: "01234567"
    document: {{uri: docs/{s.name}.pdf, sha256: {sha}}}
  legalRepresentative:
    name: Ada Test
    idDocument: {{type: passport, expiresOn: 2040-01-31}}
  taxRegistrations:
""" + "".join(f"    - {t}\n" for t in taxes) + f"""  marketplaces: [{", ".join(s.marketplaces)}]
"""


@dataclass
class World:
    """A repository folder with desired/ for `sellers`, seeded into the sandbox."""

    root: Path
    url: str
    admin: Admin
    sellers: list[Seller]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def desired(self) -> Path:
        return self.root / "desired" / "entities"

    def wanted(self) -> Counter:
        """Exactly one registration per desired pair that is not already a store."""
        return Counter((s.seller_id, m) for s in self.sellers for m in s.marketplaces if m not in s.participations)

    def settings(self, **values: object) -> None:
        (self.root / "acorn.yaml").write_text("".join(f"{k}: {v}\n" for k, v in values.items()))

    def args(self, *args: str) -> list[str]:
        return [*args, "--endpoint", self.url, "--audit-log", str(self.root / "audit.jsonl")]

    def popen(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "reconciler", *self.args(*args)], cwd=self.root,
                                env={**os.environ, **self.env, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        proc = self.popen(*args)
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def make_world(root: Path, url: str, admin: Admin, sellers: Sequence[Seller]) -> World:
    world = World(root, url, admin, list(sellers), dict(APP_ENV))
    world.desired.mkdir(parents=True)
    for s in sellers:
        (world.desired / f"{s.name}.yaml").write_text(entity_yaml(s))
        admin.seller(s.seller_id, s.refresh_token, s.account_name or s.legal_name, s.participations)
        world.env[s.env_name] = s.refresh_token
    return world
