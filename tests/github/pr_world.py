"""A pull request that introduces a transposed VAT number in one row of a template: the base
and head trees on disk and the PR's diff, as GitHub's pull-request files API gives it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

GOOD_VAT = "GB123456782"
TRANSPOSED_VAT = "GB123465782"  # two digits swapped: the check digit catches it
TEMPLATE = "desired/templates/brand.yaml.j2"


def template_text(rows: int, bad_row: int | None = None) -> str:
    lines = ["# one brand, one entity per row", "rows:"]
    for i in range(rows):
        vat = TRANSPOSED_VAT if i == bad_row else GOOD_VAT
        lines += [f"  - name: brand-{i:02d}", f"    sellerId: A{i:02d}BRAND0000UK", f"    vat: {vat}"]
    body = """---
apiVersion: acorn/v1
kind: Entity
metadata:
  name: {{ name }}
spec:
  sellerId: {{ sellerId }}
  legalEntityName: {{ (name | title) ~ " Ltd" | tojson }}
  credentials:
    refreshToken: {env: ACORN_BRAND_REFRESH_TOKEN}
  businessRegistration:
    country: GB
    number: "01234567"
    document: {uri: docs/{{ name }}.pdf, sha256: 3f0a9b5c2d7e8f1a4b6c9d0e2f3a5b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a}
  legalRepresentative:
    name: Ada Test
    idDocument: {type: passport, expiresOn: 2040-01-31}
  taxRegistrations: [{scheme: UK_VAT, number: {{ vat | tojson }}}]
  marketplaces: [UK]
"""
    return "\n".join(lines) + "\n" + body


@dataclass(frozen=True)
class PullRequest:
    root: Path  # the head's working tree
    patch: str  # the template's patch, as GitHub's files API gives it (hunks only)
    bad_line: int  # the line of the transposed number in the head's template

    @property
    def diff(self) -> str:
        """The whole PR as `git diff` prints it."""
        return f"diff --git a/{TEMPLATE} b/{TEMPLATE}\n--- a/{TEMPLATE}\n+++ b/{TEMPLATE}\n" + self.patch


def make_pull_request(root: Path, rows: int = 6, bad_row: int = 3) -> PullRequest:
    base, head = template_text(rows), template_text(rows, bad_row)
    (root / "desired" / "templates").mkdir(parents=True)
    (root / "desired" / "entities").mkdir()
    (root / TEMPLATE).write_text(head)
    diff = difflib.unified_diff(base.splitlines(), head.splitlines(), lineterm="", n=3)
    patch = "\n".join(list(diff)[2:]) + "\n"  # GitHub's patch starts at the first hunk
    bad_line = next(i for i, line in enumerate(head.splitlines(), 1) if TRANSPOSED_VAT in line)
    return PullRequest(root, patch, bad_line)
