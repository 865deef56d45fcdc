"""Benchmark `acorn plan` at scale against the served sandbox with added latency.

    python bench/plan.py [--sellers 1000] [--latency-ms 50] [--sequential-sample 100]

1,000 sellers x 8 desired marketplaces are seeded into `acorn sandbox serve` (rate limits
on), which adds 50 ms to every API call. Reported: the wall time of `acorn plan` against
the ideal (API calls x latency / concurrency), and against a sequential client
(concurrency 1) measured in the same run on a sample of sellers and scaled linearly
(a full sequential run would take minutes). Then the pure engine on 10,000 entities.
Targets: within 1.5x of ideal, at least 10x faster than sequential, engine at most 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from served import start_sandbox  # noqa: E402
from validate import entity  # noqa: E402  (the same generated entity as the validate benchmark)

MARKETS = ["US", "CA", "UK", "DE", "FR", "IT", "ES", "JP"]


def run_plan(root: Path, url: str, env: dict[str, str], concurrency: int, names: list[str] | None = None) -> float:
    (root / "acorn.yaml").write_text(f"concurrency: {concurrency}\n")
    args = [sys.executable, "-m", "reconciler", "plan", "--endpoint", url, "--format", "json",
            "--audit-log", str(root / f"audit-{concurrency}.jsonl")]
    for name in names or []:
        args += ["--entity", name]
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise SystemExit(f"acorn plan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall


def audit_counts(path: Path) -> tuple[int, int, int]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    api = [x for x in lines if x["operation"] != "lwaToken"]
    return len(lines), len(api), sum(1 for x in lines if x["status"] == 429)


def engine_benchmark() -> None:
    proc = subprocess.run([sys.executable, str(Path(__file__).parent / "plan_engine.py")],
                          capture_output=True, text=True)
    print(proc.stdout.strip() or proc.stderr.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sequential-sample", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        proc, url = start_sandbox(root / "sandbox.sqlite")
        try:
            env = {**os.environ, "LWA_CLIENT_ID": "bench", "LWA_CLIENT_SECRET": "bench-secret", "NO_COLOR": "1"}
            entities = root / "desired" / "entities"
            entities.mkdir(parents=True)
            with httpx.Client(base_url=url, timeout=30) as admin:
                for i in range(args.sellers):
                    seller = f"A{i:012d}"
                    token = f"bench-refresh-{i}"
                    admin.post("/_sandbox/sellers", json={
                        "sellerId": seller, "legalEntityName": f"Seller {i} Trading Co., Ltd.",
                        "refreshToken": token, "participations": MARKETS[i % 3: i % 3 + 2]}).raise_for_status()
                    env[f"ACORN_SELLER_{i}_REFRESH_TOKEN"] = token
                    (entities / f"seller-{i:06d}.yaml").write_text(entity(i, MARKETS))
                admin.put("/_sandbox/faults", json={"latencyMs": args.latency_ms}).raise_for_status()

            wall = run_plan(root, url, env, args.concurrency)
            attempts, api_calls, throttled = audit_counts(root / f"audit-{args.concurrency}.jsonl")
            ideal = api_calls * args.latency_ms / 1000 / args.concurrency

            sample = [f"seller-{i:06d}" for i in range(min(args.sequential_sample, args.sellers))]
            seq_wall = run_plan(root, url, env, 1, sample) * args.sellers / len(sample)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"sellers: {args.sellers} x {len(MARKETS)} marketplaces, {args.latency_ms} ms added latency, "
          f"concurrency {args.concurrency}")
    print(f"HTTP attempts: {attempts} ({api_calls} API calls + LWA), 429s: {throttled}")
    print(f"acorn plan wall: {wall:.2f} s")
    print(f"ideal (API calls x latency / concurrency): {ideal:.2f} s -> {wall / ideal:.2f}x ideal (target <= 1.5x)")
    print(f"sequential client (scaled from {len(sample)} sellers): {seq_wall:.1f} s -> "
          f"{seq_wall / wall:.1f}x faster (target >= 10x)")
    engine_benchmark()


if __name__ == "__main__":
    main()
