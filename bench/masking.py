"""Benchmark the one secret matcher: cleaning a text costs the same whatever the number of
secrets in the run (issue 21 point 5: one matcher, built once as secrets are added).

    python bench/masking.py [--texts 20000]

Cleans the same texts (an API error message and a request id, as every answer's id is
cleaned) with 10, 1,000, 10,000 and 100,000 refresh tokens registered (each in its raw and
encoded forms; they share their first characters, as LWA tokens do), and prints the time per
text for each, for tokens of two shapes: LWA's own (`Atzr|...`, as every real refresh token
is: looked up only where a text says "Atz") and any other (a test fleet's, or a secret store's:
up to 64 forms, about 10 secrets, each form is searched for; past that, the text's slices
are looked up in the index). The yardstick is the 1,000-secret run of the same
process, so the machine's load cancels out. Target: 100,000 secrets <= 1.5x 1,000 secrets.
"""

from __future__ import annotations

import argparse
import time

from reconciler.client.redact import Redactor

TEXTS = ("createRegistration for seller A1ALPHA0000001 failed: 400 InvalidInput: taxRegistrations[0].number: "
         "the check digit does not match (request id 5f0c2a8e-1b7d-4c3e-9a61-0d2f4e8b7c15)",
         "5f0c2a8e-1b7d-4c3e-9a61-0d2f4e8b7c15")


def per_text(secrets: int, texts: int, shape: str) -> float:
    redactor = Redactor()
    # refresh tokens that share a long prefix, as LWA tokens do
    redactor.add(*(f"{shape}bench-refresh-token-of-seller-{i:06d}-x" for i in range(secrets)))
    redactor.add(*(f"client-secret-{i:06d}/with+signs" for i in range(min(secrets, 10))))
    start = time.perf_counter()
    for i in range(texts):
        redactor.text(TEXTS[i % 2])
    return (time.perf_counter() - start) / texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20000)
    args = parser.parse_args()
    for shape, name in (("Atzr|IwEBI", "LWA-shaped"), ("", "other")):
        times = {n: min(per_text(n, args.texts, shape) for _ in range(3)) for n in (10, 1_000, 10_000, 100_000)}
        for n, t in times.items():
            print(f"{name:>10} {n:>7,} secrets: {t * 1e6:6.1f} us per text "
                  f"({t / times[1_000]:.2f}x the 1,000-secret run)")
        print(f"{name:>10} 100,000 vs 1,000 secrets: {times[100_000] / times[1_000]:.2f}x (target <= 1.5)")


if __name__ == "__main__":
    main()
