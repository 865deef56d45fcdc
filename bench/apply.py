"""Benchmark `acorn apply` at scale against the served sandbox, rate limits on.

    python bench/apply.py [--sellers 500] [--latency-ms 50] [--concurrency 16]

500 sellers x 3 marketplaces (DE, FR, IT: one EU region, so ONE createRegistration per
seller, EU VAT for each) are seeded into `acorn sandbox serve` on a free port, which adds
`--latency-ms` to every API call. `acorn apply --yes --force` runs as a subprocess against it.

The bound. Per seller apply makes: one LWA exchange, getMarketplaceParticipations and
listRegistrations (one page), then one createRegistration. Every count is within its
operation's burst (15, 10, 5), and rate limits are per seller, so no token bucket makes any
call wait: the rates (0.016/s, 2/s, 0.5/s) bound nothing here. What bounds the run is
the chain of round trips each seller needs, C sellers at a time:

    network bound = sellers x round trips per seller x latency / C

where the round trips on a seller's path are read (1 when the client overlaps the two reads,
2 when it does not; measured from the audit log) + 1 account read where account preflight
makes one (getAccount, in the EU: the plan asks for it once it knows a create is there, so it
is a round trip of its own) + 1 create. A rate-limit term is added
per seller for any call beyond its burst (none in this shape). The latency is a round trip as
this machine delivers it: the injected 50 ms, plus the sandbox's own handling and the machine's
(waking a core that slept through the wait), measured in the same run as the median of
sequential calls from a bare HTTP client (the standard library's, one connection) of a seller
of its own. Work that no contract sets (interpreter start, loading and planning the tree) is
measured as a floor: `acorn validate` on the same tree, cold (apply then loads it cold too, as
in a fresh checkout: the load cache is removed between them), plus the first wave's LWA exchange (a
seller's token is exchanged while it waits for its turn, so only the first C sellers wait for one).
Reported: wall time, the bound, the ratio, 429s from the audit log, and a check that the
sandbox holds exactly one registration per pair. Targets (issue 21): <= 1.15x bound, <= 1% throttled.

Beside it, what the machine allows: the same calls in the same order from a bare client with
next to no work of its own (bench/bare_apply.py), against a second sandbox seeded alike, as a
ratio to its own network bound plus the first wave's LWA exchange (it has no tree to load).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from reconciler.domain.contract import (
    ACCESS_TOKEN_HEADER,
    LIMITS,
    LWA_TOKEN_PATH,
    PARTICIPATIONS_PATH,
    REGION_HEADER,
)
from reconciler.domain.timestamps import parse_timestamp

sys.path.insert(0, str(Path(__file__).parent))
from bare_apply import bare_apply, bodies  # noqa: E402
from served import acorn, as_installed, refresh_token, start_sandbox  # noqa: E402
from validate import entity  # noqa: E402  (the same generated entity as the validate benchmark)

MARKETS = ["DE", "FR", "IT"]
RATES = {op: (limit.rate, limit.burst) for op, limit in LIMITS.items()}  # the contract's


def cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) a running process has used so far (Linux), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


CALIBRATION_SELLER = "ACALIBRATION1"  # a seller of the bare client's own (apply never reads it)
CALIBRATION_CALLS = 12  # within getMarketplaceParticipations' burst (15): no call is throttled


def round_trip(url: str) -> float:
    """Median seconds of a getMarketplaceParticipations round trip from a bare HTTP client
    (http.client, one kept connection, one call at a time)."""
    target = urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
    try:
        form = urlencode({"grant_type": "refresh_token", "refresh_token": "Atzr|IwEBIcalibration",
                          "client_id": "bench", "client_secret": "bench-secret"})
        conn.request("POST", LWA_TOKEN_PATH, form, {"content-type": "application/x-www-form-urlencoded"})
        token = json.loads(conn.getresponse().read())["access_token"]
        times = []
        for _ in range(CALIBRATION_CALLS):
            start = time.perf_counter()
            conn.request("GET", PARTICIPATIONS_PATH, headers={ACCESS_TOKEN_HEADER: token, REGION_HEADER: "EU"})
            answer = conn.getresponse()
            answer.read()
            times.append(time.perf_counter() - start)
            if answer.status != 200:
                raise SystemExit(f"the calibration call answered {answer.status}")
        return statistics.median(times)
    finally:
        conn.close()


def seed(url: str, root: Path, sellers: int, latency_ms: int) -> dict[str, str]:
    env = {**os.environ, "LWA_CLIENT_ID": "bench", "LWA_CLIENT_SECRET": "bench-secret", "NO_COLOR": "1"}
    entities = root / "desired" / "entities"
    entities.mkdir(parents=True)
    with httpx.Client(base_url=url, timeout=30) as admin:
        admin.post("/_sandbox/sellers", json={"sellerId": CALIBRATION_SELLER, "legalEntityName": "Calibration",
                                              "refreshToken": "Atzr|IwEBIcalibration"}).raise_for_status()
        for i in range(sellers):
            token = refresh_token(i)
            admin.post("/_sandbox/sellers", json={
                "sellerId": f"A{i:012d}", "legalEntityName": f"Seller {i} Trading Co., Ltd.",
                "refreshToken": token}).raise_for_status()
            env[f"ACORN_SELLER_{i}_REFRESH_TOKEN"] = token
            (entities / f"seller-{i:06d}.yaml").write_text(entity(i, MARKETS))
        admin.put("/_sandbox/faults", json={"latencyMs": latency_ms}).raise_for_status()
    return env


def timed(args: list[str], root: Path, env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU (user + system) seconds of `acorn ARGS` in a subprocess."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    proc = subprocess.run(acorn(*args), cwd=root, env=env, capture_output=True,
                          text=True)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def when(entry: dict) -> float:
    return parse_timestamp(entry["time"]).timestamp()


def analyse(audit: list[dict], latency: float, concurrency: int) -> dict:
    per_seller: dict[str, Counter] = defaultdict(Counter)
    for a in audit:
        per_seller[a["sellerId"]][a["operation"]] += 1
    sellers = len(per_seller)
    # Do a seller's two reads overlap? (then they cost one round trip, not two)
    starts: dict[tuple[str, str], tuple[float, float]] = {}
    for a in audit:
        if a["operation"] in ("getMarketplaceParticipations", "listRegistrations"):
            t = when(a)
            starts[(a["sellerId"], a["operation"])] = (t, t + a["durationMs"] / 1000)
    overlapped = sum(1 for s in per_seller if (s, "listRegistrations") in starts
                     and (s, "getMarketplaceParticipations") in starts
                     and starts[(s, "listRegistrations")][0] < starts[(s, "getMarketplaceParticipations")][1]
                     and starts[(s, "getMarketplaceParticipations")][0] < starts[(s, "listRegistrations")][1])
    read_trips = 1 if overlapped > sellers / 2 else 2
    creates = max(c["createRegistration"] for c in per_seller.values())
    # Account preflight (getAccount, EU only) reads the account once the plan knows it has a
    # create there: a round trip of its own between the reads and the create.
    account_trips = max(c["getAccount"] for c in per_seller.values())
    trips = read_trips + account_trips + creates
    # beyond a burst, a seller's calls of one operation are spaced 1/rate apart
    rate_wait = max(sum(max(0, n - RATES[op][1]) / RATES[op][0] for op, n in c.items() if op in RATES)
                    for c in per_seller.values())
    network = max(sellers * trips * latency / concurrency, rate_wait)
    lwa = [a["durationMs"] / 1000 for a in audit if a["operation"] == "lwaToken"]
    return {"sellers": sellers, "trips": trips, "read_trips": read_trips, "account_trips": account_trips,
            "rate_wait": rate_wait,
            "network": network, "lwa": max(lwa, default=0.0),
            "calls": Counter(a["operation"] for a in audit), "throttled": sum(1 for a in audit if a["status"] == 429),
            "attempts": len(audit)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=500)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    as_installed()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        proc, url = start_sandbox(root / "sandbox.sqlite")
        try:
            env = seed(url, root, args.sellers, args.latency_ms)
            (root / "acorn.yaml").write_text(f"concurrency: {args.concurrency}\n")
            floor, floor_cpu, validated = timed(["validate"], root, env)
            rtt = round_trip(url)
            shutil.rmtree(root / ".acorn", ignore_errors=True)  # apply loads the tree cold too, as the floor did
            if validated.returncode != 0:
                raise SystemExit(f"acorn validate failed: {validated.stdout[-2000:]}{validated.stderr[-2000:]}")
            audit_path = root / "audit.jsonl"
            sandbox_before = cpu_of(proc.pid)
            wall, cpu, applied = timed(["apply", "--yes", "--force", "--endpoint", url, "--audit-log", str(audit_path)],
                                  root, env)
            if applied.returncode != 0:
                raise SystemExit(f"acorn apply failed ({applied.returncode}): {applied.stderr[-2000:]}")
            sandbox_after = cpu_of(proc.pid)
            state = httpx.get(url + "/_sandbox/state", timeout=60).json()
            pairs = Counter((r["sellerId"], r["marketplaceId"]) for r in state["registrations"])
            audit = [json.loads(line) for line in audit_path.read_text().splitlines()]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        # The same calls from a bare client, against a sandbox seeded alike: what the machine allows
        proc, url = start_sandbox(root / "bare.sqlite")
        try:
            seed(url, root / "bare", args.sellers, args.latency_ms)
            bare_rtt = round_trip(url)
            creates = bodies(root / "desired")
            bare_reads, bare_creates, bare_cpu = bare_apply(
                url, creates, {s: refresh_token(int(s[1:])) for s in creates}, args.concurrency)  # seller i: A{i:012d}
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    a = analyse(audit, rtt, args.concurrency)
    injected = a["network"] * args.latency_ms / 1000 / rtt
    bound = a["network"] + floor + a["lwa"]
    api_calls = a["attempts"] - a["calls"]["lwaToken"]
    print(f"sellers: {args.sellers} x {len(MARKETS)} marketplaces (one EU create each), "
          f"{args.latency_ms} ms added latency, concurrency {args.concurrency}, rate limits on; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
    print(f"calls: {dict(a['calls'])}; 429s: {a['throttled']} of {api_calls} API calls "
          f"({100 * a['throttled'] / max(1, api_calls):.2f}%, target <= 1%)")
    print(f"sandbox: {len(pairs)} pairs, {sum(pairs.values())} registrations, "
          f"duplicates {sum(n - 1 for n in pairs.values())}, missing {args.sellers * len(MARKETS) - len(pairs)}")
    print(f"acorn apply wall: {wall:.2f} s")
    print(f"rate limits: every per-seller count within its burst -> they make no call wait "
          f"(largest per-seller rate wait {a['rate_wait']:.2f} s)")
    print(f"round trip of a bare client: {1000 * rtt:.1f} ms ({args.latency_ms} ms injected + "
          f"{1000 * rtt - args.latency_ms:.1f} ms of the sandbox's handling and the machine)")
    print(f"network bound: {a['sellers']} sellers x {a['trips']} round trips "
          f"({a['read_trips']} read + {a['account_trips']} account + 1 create) "
          f"x {1000 * rtt:.1f} ms / {args.concurrency} = {a['network']:.2f} s")
    print(f"floor no contract sets: acorn validate {floor:.2f} s + the first wave's LWA exchange {a['lwa']:.3f} s")
    print(f"bound: {bound:.2f} s -> {wall / bound:.2f}x (target <= 1.15x); "
          f"network bound alone: {wall / a['network']:.2f}x; with the injected {args.latency_ms} ms alone "
          f"as the round trip: {wall / (injected + floor + a['lwa']):.2f}x")
    bare_network = a["network"] * bare_rtt / rtt
    bare_bound = bare_network + a["lwa"]
    print(f"the same calls in the same order from a bare client (asyncio streams, {bare_cpu:.2f} s of CPU in all): "
          f"reads {bare_reads:.2f} s + creates {bare_creates:.2f} s against its network bound {bare_network:.2f} s "
          f"(round trip {1000 * bare_rtt:.1f} ms) + the first wave's LWA exchange: "
          f"{(bare_reads + bare_creates) / bare_bound:.2f}x, what this machine allows; acorn apply {wall / bound:.2f}x")
    print(f"acorn apply CPU: {cpu:.2f} s ({1000 * cpu / a['attempts']:.2f} ms per HTTP attempt, start-up "
          f"included; {1000 * (cpu - floor_cpu) / a['attempts']:.2f} ms beyond acorn validate's {floor_cpu:.2f} s; "
          f"on {os.cpu_count()} cores shared with the sandbox)")
    if sandbox_before is not None and sandbox_after is not None:
        print(f"sandbox CPU during the run: {sandbox_after - sandbox_before:.2f} s "
              f"({1000 * (sandbox_after - sandbox_before) / a['attempts']:.2f} ms per HTTP attempt)")


if __name__ == "__main__":
    main()
