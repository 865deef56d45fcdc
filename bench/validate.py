"""Benchmark `acorn validate` end to end: N generated entity files, wall time and peak RSS.

    python bench/validate.py [--entities 10000] [--marketplaces 5]

Target on a 2-core machine: 10,000 entities in at most 3 s wall and 300 MB peak RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARKETPLACES = ["US", "CA", "DE", "FR", "UK", "IT", "ES", "JP"]
TAX = {"US": "{scheme: US_W8BENE, completedOn: 2025-03-01}", "CA": '{scheme: CA_GST_HST, number: "123456782RT0001"}',
       "UK": "{scheme: UK_VAT, number: GB123456782}"}


# Numbers that pass their check digits (every one is checked, as a real tree's would be).
EU_VAT = {"DE": "DE123456788", "FR": "FR11123456782", "IT": "IT12345670017", "ES": "ESB12345674"}


def uscc(i: int) -> str:
    """A distinct unified social credit code per entity, its check character computed."""
    from stdnum.cn import uscc as module

    body = f"9144{i:013d}"
    return body + module.calc_check_digit(body)


def entity(i: int, markets: list[str]) -> str:
    name = f"seller-{i:06d}"
    taxes = [TAX[m] if m in TAX else f"{{scheme: EU_VAT, country: {m}, number: {EU_VAT[m]}}}"
             for m in markets if m != "JP"]
    sha = hashlib.sha256(name.encode()).hexdigest()
    return f"""# yaml-language-server: $schema=../../schemas/entity.schema.json
apiVersion: acorn/v1
kind: Entity
metadata:
  name: {name}
  labels: {{brand: b{i % 50}}}
spec:
  sellerId: A{i:012d}
  legalEntityName: Seller {i} Trading Co., Ltd.
  credentials:
    refreshToken: {{env: ACORN_SELLER_{i}_REFRESH_TOKEN}}
  businessRegistration:
    country: CN
    number: "{uscc(i)}"
    document: {{uri: docs/{name}/license.pdf, sha256: {sha}}}
  legalRepresentative:
    name: Rep {i}
    idDocument: {{type: passport, expiresOn: 2030-06-30}}
  taxRegistrations:
""" + "".join(f"    - {t}\n" for t in taxes) + f"""  documents:
    - {{kind: translation, of: businessRegistration, language: ja, uri: docs/{name}/license-ja.pdf, sha256: {sha}}}
  marketplaces: [{", ".join(markets)}]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--marketplaces", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        entities = Path(tmp) / "desired" / "entities"
        entities.mkdir(parents=True)
        markets = MARKETPLACES[: args.marketplaces]
        for i in range(args.entities):
            (entities / f"seller-{i:06d}.yaml").write_text(entity(i, markets))
        cmd = [sys.executable, "-m", "reconciler", "validate", "--desired", str(entities.parent)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        wall = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    last = (proc.stdout.strip().splitlines() or [""])[-1]
    print(f"entities: {args.entities} x {args.marketplaces} marketplaces")
    print(f"exit code: {proc.returncode} ({last})")
    print(f"wall: {wall:.2f} s  (target <= 3 s)")
    print(f"peak RSS: {peak_mb:.0f} MB  (target <= 300 MB)")
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
