"""Benchmark `acorn plan` when SP-API throttles every seller: 300 sellers x 3 regions against
the served sandbox with every getMarketplaceParticipations bucket drained beforehand.

    python bench/throttled_plan.py [--sellers 300] [--rate-scale 2] [--concurrency 16]

The sandbox runs the published rates `--rate-scale` times faster (`serve --rate-scale`), and
acorn knows it (ACORN_RATE_SCALE). Each seller's participations quota in each region is spent
(its burst of 15 used up with the same application id), so every first participations read
is a 429 as SP-API sends it: QuotaExceeded, no Retry-After, no rate header. The client must
then wait for the refill at the published rate, 0.016 requests per second, i.e. one request
every 62.5 s / scale, per seller and region, all buckets refilling at once.

Reported: the wall time of `acorn plan` against that bound (62.5 s / scale: no plan can read
a drained seller sooner; target within 1.2x), the 429 count, and that every seller was read
in every region (no seller or page skipped, no error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from served import acorn, as_installed, refresh_token, start_sandbox  # noqa: E402
from validate import entity  # noqa: E402  (the same generated entity as the validate benchmark)

from reconciler.domain import catalogue  # noqa: E402
from reconciler.domain.contract import (  # noqa: E402
    ACCESS_TOKEN_HEADER,
    LIMITS,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    REGION_HEADER,
)

MARKETS = ["US", "DE", "JP"]  # one per region: NA, EU, FE
CLIENT_ID = "bench-throttled"  # the sandbox's buckets are per application: drain with the client's id


async def drain(url: str, sellers: int) -> int:
    """Spend every seller's participations burst in every region; answers the calls made."""
    burst = LIMITS["getMarketplaceParticipations"].burst
    gate = asyncio.Semaphore(32)
    made = 0

    async def one(http: httpx.AsyncClient, i: int) -> None:
        nonlocal made
        async with gate:
            answer = await http.post(LWA_TOKEN_PATH, data={
                "grant_type": "refresh_token", "refresh_token": refresh_token(i),
                "client_id": CLIENT_ID, "client_secret": "bench-secret"})
            token = answer.raise_for_status().json()["access_token"]
            for region in catalogue.REGIONS:
                for _ in range(burst):
                    response = await http.get(PARTICIPATIONS_PATH, headers={ACCESS_TOKEN_HEADER: token,
                                                                             REGION_HEADER: region})
                    made += 1
                    if response.status_code == 429:  # drained already (the refill is slow)
                        break

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        await asyncio.gather(*(one(http, i) for i in range(sellers)))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=300)
    parser.add_argument("--rate-scale", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    as_installed()
    bound = 1 / (LIMITS["getMarketplaceParticipations"].rate * args.rate_scale)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        proc, url = start_sandbox(root / "sandbox.sqlite", "--rate-scale", str(args.rate_scale))
        try:
            env = {**os.environ, "LWA_CLIENT_ID": CLIENT_ID, "LWA_CLIENT_SECRET": "bench-secret", "NO_COLOR": "1",
                   "ACORN_RATE_SCALE": str(args.rate_scale)}
            entities = root / "desired" / "entities"
            entities.mkdir(parents=True)
            with httpx.Client(base_url=url, timeout=30) as admin:
                for i in range(args.sellers):
                    admin.post("/_sandbox/sellers", json={
                        "sellerId": f"A{i:012d}", "legalEntityName": f"Seller {i} Trading Co., Ltd.",
                        "refreshToken": refresh_token(i), "participations": MARKETS}).raise_for_status()
                    env[f"ACORN_SELLER_{i}_REFRESH_TOKEN"] = refresh_token(i)
                    (entities / f"seller-{i:06d}.yaml").write_text(entity(i, MARKETS))
            started = time.perf_counter()
            drained = asyncio.run(drain(url, args.sellers))
            drain_wall = time.perf_counter() - started
            (root / "acorn.yaml").write_text(f"concurrency: {args.concurrency}\n")
            started = time.perf_counter()
            plan = subprocess.run(acorn("plan", "--endpoint", url, "--format", "json",
                                        "--audit-log", str(root / "audit.jsonl")),
                                  cwd=root, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - started
            if plan.returncode not in (0, 2):
                raise SystemExit(f"acorn plan failed ({plan.returncode}): {plan.stderr[-2000:]}")
            audit = [json.loads(line) for line in (root / "audit.jsonl").read_text().splitlines()]
            result = json.loads(plan.stdout)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    throttled = sum(1 for x in audit if x["status"] == 429)
    reads = sum(1 for x in audit if x["operation"] == "getMarketplaceParticipations" and x["status"] == 200)
    skipped = [e["name"] for e in result["entities"]
               if e.get("error") or any(p["state"] != "live" for p in e["pairs"])]
    print(f"sellers: {args.sellers} x {len(MARKETS)} regions, rate scale {args.rate_scale}, "
          f"concurrency {args.concurrency}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"drained beforehand: {drained} participations calls in {drain_wall:.1f} s")
    print(f"HTTP attempts: {len(audit)}, 429s: {throttled}, participations read: {reads} of "
          f"{args.sellers * len(MARKETS)}")
    print(f"acorn plan wall: {wall:.2f} s; bound (one refill at 0.016/s x {args.rate_scale:g}): {bound:.2f} s "
          f"-> {wall / bound:.2f}x (target <= 1.2x)")
    print(f"sellers not read in full: {len(skipped)}" + (f" ({', '.join(skipped[:5])}...)" if skipped else ""))


if __name__ == "__main__":
    main()
