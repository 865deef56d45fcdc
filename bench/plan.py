"""Benchmark `acorn plan` against the served sandbox: calls per seller, time against its ideal
and against a sequential client, and how the time grows with the fleet.

    python bench/plan.py [--sellers 200] [--latency-ms 50] [--marketplaces US,CA,UK,DE,FR]
    python bench/plan.py --sellers 500 2000 --latency-ms 0        # growth: 4x the sellers
    python bench/plan.py --sellers 10000 100000 --latency-ms 0    # growth: 10x (slow to seed)
    python bench/plan.py --sellers 10000 --latency-ms 0 --status  # and `acorn status`, text and HTML
    python bench/plan.py --sellers 100000 --latency-ms 0 --seeded /tmp/seeded  # seed once, reuse after

Every size gets a fresh `acorn sandbox serve` (rate limits on) seeded with that many sellers,
each with a desired entity in the marketplaces given (default: two regions, NA and EU), and the
added latency on every API call. Reported per size: the wall time of `acorn plan` at the
default concurrency, the calls a seller costs (per operation, from the audit log), and with a
latency the ideal (API calls x latency / concurrency) and a sequential client (concurrency 1,
the same reads, measured on a sample of sellers in the same run and scaled linearly).
With several sizes: each one's time as a multiple of the first's, beside the size multiple; the
first size runs again at the end and the multiple is of its two runs' mean (the machine's speed
drifts during a long run).
Targets (issue 21): 200 sellers x 2 regions at 50 ms: >= 10x faster than sequential and
<= 1.1x the ideal; latency 0: 2,000 sellers <= 4.5x the time of 500; 100,000 <= 11x 10,000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from served import acorn, as_installed, refresh_token, start_sandbox  # noqa: E402
from validate import entity  # noqa: E402  (the same generated entity as the validate benchmark)

DEFAULT_CONCURRENCY = 16  # acorn.yaml's default (desired/settings.py)


def run_plan(root: Path, url: str, env: dict[str, str], concurrency: int | None, audit: Path,
             names: list[str] | None = None, command: tuple[str, ...] = ("plan", "--format", "json")
             ) -> tuple[float, float, float]:
    """Wall seconds of `acorn COMMAND` against the sandbox, its peak RSS in MB and its CPU seconds
    (user + system: its own, from wait4; they do not depend on what else the machine runs)."""
    (root / "acorn.yaml").write_text(f"concurrency: {concurrency}\n" if concurrency else "{}\n")
    audit.unlink(missing_ok=True)
    args = acorn(*command, "--endpoint", url, "--audit-log", str(audit))
    for name in names or []:
        args += ["--entity", name]
    start = time.perf_counter()
    # SIGINT as a terminal gives it (a benchmark started in the background inherits it ignored,
    # and then asyncio.run takes another path at its end)
    proc = subprocess.Popen(args, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this command's own peak RSS
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):
        raise SystemExit(f"acorn {command[0]} failed ({code}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float:
    """The CPU seconds (user + system) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def operations(path: Path) -> Counter[str]:
    """HTTP attempts per operation in an audit log (429s among them, as `429`)."""
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        counts[entry["operation"]] += 1
        counts["429"] += entry["status"] == 429
    return counts


async def seed(url: str, sellers: int, markets: list[str]) -> None:
    """Every seller into the sandbox, 32 at a time (one POST each, as `acorn sandbox seller add`)."""
    gate = asyncio.Semaphore(32)
    async with httpx.AsyncClient(base_url=url, timeout=60) as admin:
        async def one(i: int) -> None:
            async with gate:
                answer = await admin.post("/_sandbox/sellers", json={
                    "sellerId": f"A{i:012d}", "legalEntityName": f"Seller {i} Trading Co., Ltd.",
                    "refreshToken": refresh_token(i), "participations": markets[i % 2: i % 2 + 1]})
                answer.raise_for_status()
        await asyncio.gather(*(one(i) for i in range(sellers)))


def one_size(sellers: int, args: argparse.Namespace, markets: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # the name says what was seeded: the sellers, their marketplaces, and the tokens' shape
        kept = args.seeded / f"sandbox-{sellers}-{'-'.join(markets)}-atzr.sqlite" if args.seeded else None
        seeded = kept is not None and kept.is_file()
        for suffix in ("", "-wal", "-shm") if seeded else ():  # a sandbox seeded before (the same sellers)
            if Path(f"{kept}{suffix}").is_file():
                shutil.copy(f"{kept}{suffix}", f"{root / 'sandbox.sqlite'}{suffix}")
        proc, url = start_sandbox(root / "sandbox.sqlite")
        try:
            env = {**os.environ, "LWA_CLIENT_ID": "bench", "LWA_CLIENT_SECRET": "bench-secret", "NO_COLOR": "1"}
            entities = root / "desired" / "entities"
            entities.mkdir(parents=True)
            secrets = root / "secrets"
            secrets.mkdir()
            for i in range(sellers):
                if args.token_files:
                    (secrets / f"seller-{i}.token").write_text(refresh_token(i))
                else:
                    env[f"ACORN_SELLER_{i}_REFRESH_TOKEN"] = refresh_token(i)
                (entities / f"seller-{i:06d}.yaml").write_text(entity(i, markets, args.token_files))
            if not seeded:
                asyncio.run(seed(url, sellers, markets))
            with httpx.Client(base_url=url, timeout=30) as admin:
                admin.put("/_sandbox/faults", json={"latencyMs": args.latency_ms}).raise_for_status()
            audit = root / "audit.jsonl"
            served = cpu_seconds(proc.pid)
            wall, peak, cpu = run_plan(root, url, env, args.concurrency, audit)
            served = cpu_seconds(proc.pid) - served
            counts = operations(audit)
            out: dict[str, object] = {"sellers": sellers, "wall": wall, "counts": counts, "peak": peak, "cpu": cpu,
                                      "served": served}
            if args.status:  # the same reads, rendered as the status page (text, then HTML)
                out["status"] = {fmt: run_plan(root, url, env, args.concurrency, audit,
                                               command=("status", "--format", fmt))[0] for fmt in ("text", "html")}
            if args.latency_ms and args.sequential_sample:
                sample = [f"seller-{i:06d}" for i in range(min(args.sequential_sample, sellers))]
                out["sequential"] = run_plan(root, url, env, 1, audit, sample)[0] * sellers / len(sample)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        for suffix in ("", "-wal", "-shm") if kept is not None and not seeded else ():  # plan and status only read
            if Path(f"{root / 'sandbox.sqlite'}{suffix}").is_file():
                shutil.copy(f"{root / 'sandbox.sqlite'}{suffix}", f"{kept}{suffix}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, nargs="+", default=[200])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=None, help="default: acorn's own (16)")
    parser.add_argument("--marketplaces", default="US,CA,UK,DE,FR")
    parser.add_argument("--sequential-sample", type=int, default=20)
    parser.add_argument("--status", action="store_true", help="also time `acorn status` (text and HTML)")
    parser.add_argument("--token-files", action="store_true",
                        help="refresh tokens in secrets/*.token files, not environment variables (on by itself "
                             "above 20,000 sellers: the environment holds about 2 MB)")
    parser.add_argument("--seeded", type=Path, metavar="DIR",
                        help="keep each size's seeded sandbox in DIR and start from it next time (seeding "
                             "100,000 sellers takes minutes; plan and status only read it)")
    args = parser.parse_args()
    as_installed()
    args.token_files = args.token_files or max(args.sellers) > 20_000  # every size alike, for the ratio
    markets = args.marketplaces.split(",")
    concurrency = args.concurrency or DEFAULT_CONCURRENCY
    print(f"marketplaces {','.join(markets)}, {args.latency_ms} ms added latency, concurrency {concurrency}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    # With several sizes the first runs again at the end, and each ratio is to the mean of its two
    # runs: a machine whose speed drifts during a long run (a 100,000-seller run takes a quarter
    # of an hour) weighs on the yardstick from both sides.
    sizes = args.sellers + args.sellers[:1] if len(args.sellers) > 1 else args.sellers
    walls: dict[int, list[float]] = {}
    for n in sizes:
        r = one_size(n, args, markets)
        counts: Counter[str] = r["counts"]  # type: ignore[assignment]
        wall = float(r["wall"])  # type: ignore[arg-type]
        walls.setdefault(n, []).append(wall)
        per = ", ".join(f"{op} {c / n:.2f}" for op, c in sorted(counts.items()) if op != "429")
        api = sum(c for op, c in counts.items() if op not in ("lwaToken", "429"))
        calls = sum(c for op, c in counts.items() if op != "429")
        cpu = float(r["cpu"])  # type: ignore[arg-type]
        print(f"{n:>7} sellers: plan {wall:7.2f} s, CPU {cpu:.2f} s ({cpu / n * 1000:.2f} ms a seller), "
              f"peak {float(r['peak']):.0f} MB (target <= 1 GB); "  # type: ignore[arg-type]
              f"calls a seller: {calls / n:.2f} ({per}); 429s: {counts['429']}", flush=True)
        served = float(r["served"])  # type: ignore[arg-type]
        print(f"         the served sandbox meanwhile: CPU {served:.2f} s ({served / n * 1000:.2f} ms a seller)")
        for fmt, took in dict(r.get("status") or {}).items():  # type: ignore[call-overload]
            print(f"         acorn status --format {fmt}: {took:.2f} s (target < 180 s at 10,000)")
        if args.latency_ms:
            ideal = api * args.latency_ms / 1000 / concurrency
            print(f"         ideal (API calls x latency / concurrency) {ideal:.2f} s -> {wall / ideal:.2f}x ideal "
                  "(target <= 1.1x)")
        if "sequential" in r:
            seq = float(r["sequential"])  # type: ignore[arg-type]
            print(f"         sequential client (concurrency 1, scaled from {min(args.sequential_sample, n)} sellers) "
                  f"{seq:.1f} s -> {seq / wall:.1f}x faster (target >= 10x)", flush=True)
    first = args.sellers[0]
    base = statistics.mean(walls[first])
    for n in args.sellers[1:]:
        print(f"{n:>7} sellers: {walls[n][0] / base:.2f}x the time of {first} sellers (their runs before and after: "
              f"{' and '.join(f'{w:.2f}' for w in walls[first])} s) for {n / first:g}x the sellers")


if __name__ == "__main__":
    main()
