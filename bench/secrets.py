"""Benchmark resolving `{aws: ...}` references against moto's server (real HTTP).

    python bench/secrets.py [--sellers 1000]

1,000 sellers x 3 regions = 3,000 per-region refresh-token references, in two layouts:
  * one secret per (seller, region): 3,000 secrets, `{aws: {secretId: acorn/sellers/S/NA}}`;
  * one JSON secret per seller keyed by region: 1,000 secrets, `{aws: {secretId: acorn/sellers/S, key: NA}}`.
acorn's resolver (BatchGetSecretValue, 20 ids a call, 8 calls at once, each secret once) is
timed against the naive way, one GetSecretValue per reference, one after another. Reported:
calls, wall time, and the memory the resolution allocated (tracemalloc peak) and the
process's peak RSS. moto runs as a separate process (`python -m moto.server`), so its own
CPU and memory are not counted; it answers locally, so real AWS adds ~10-30 ms a call,
which widens the gap (150 calls vs 3,000).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from reconciler.client.credentials import Secrets  # noqa: E402
from reconciler.client.secretsmanager import AwsSecrets  # noqa: E402
from reconciler.domain.model import SecretRef  # noqa: E402

REGIONS = ("NA", "EU", "FE")
AWS_REGION = "eu-west-1"


def start_moto() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr
    assert stderr is not None
    for line in stderr:  # readiness is the URL line, never a sleep
        match = re.search(r"Running on (http://127\.0\.0\.1:\d+)", line)
        if match:
            # moto logs every request on stderr: keep draining it, or a full pipe stalls it
            threading.Thread(target=lambda: [None for _ in stderr], daemon=True).start()
            return proc, match[1]
    raise SystemExit("moto server did not start")


def client(url: str):
    return boto3.client("secretsmanager", region_name=AWS_REGION, endpoint_url=url,
                        aws_access_key_id="bench", aws_secret_access_key="bench")


def seed(url: str, secrets: dict[str, str]) -> None:
    admin = client(url)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda kv: admin.create_secret(Name=kv[0], SecretString=kv[1]), secrets.items()))


def acorn_resolve(url: str, refs: list[SecretRef]) -> tuple[float, int, int]:
    """Wall seconds, calls, tracemalloc peak bytes of prefetch + every resolve."""
    env = {"AWS_REGION": AWS_REGION, "AWS_ENDPOINT_URL_SECRETS_MANAGER": url}
    aws = AwsSecrets(env)
    aws._boto_client()  # the client's own set-up is not part of the resolution
    secrets = Secrets(env, Path("."), aws)
    tracemalloc.start()
    start = time.perf_counter()
    secrets.prefetch(refs)
    values = [secrets.resolve(r) for r in refs]
    wall = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(values) == len(refs) and all(v.startswith("Atzr|") for v in values)
    return wall, aws.calls, peak


def naive_resolve(url: str, refs: list[SecretRef]) -> tuple[float, int]:
    """One GetSecretValue per reference, one after another (no batching, no reuse)."""
    sm = client(url)
    start = time.perf_counter()
    for ref in refs:
        text = sm.get_secret_value(SecretId=ref.name)["SecretString"]
        value = json.loads(text)[ref.key] if ref.key else text
        assert value.startswith("Atzr|")
    return time.perf_counter() - start, len(refs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sellers", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    proc, url = start_moto()
    try:
        sellers = [f"S{i:05d}" for i in range(args.sellers)]
        seed(url, {f"acorn/sellers/{s}/{r}": f"Atzr|{s}-{r}" for s in sellers for r in REGIONS})
        seed(url, {f"acorn/sellers/{s}": json.dumps({r: f"Atzr|{s}-{r}" for r in REGIONS}) for s in sellers})
        layouts = {
            "one secret per reference": [SecretRef("aws", f"acorn/sellers/{s}/{r}") for s in sellers for r in REGIONS],
            "one JSON secret per seller": [SecretRef("aws", f"acorn/sellers/{s}", r) for s in sellers for r in REGIONS],
        }
        for name, refs in layouts.items():
            wall, calls, peak = acorn_resolve(url, refs)
            naive_wall, naive_calls = naive_resolve(url, refs)
            print(f"{name}: {len(refs):,} references, {len({r.name for r in refs}):,} secrets")
            print(f"  acorn (BatchGetSecretValue): {calls:,} calls, {wall:.2f} s, "
                  f"{peak / 2**20:.1f} MB allocated at peak")
            print(f"  one GetSecretValue each:     {naive_calls:,} calls, {naive_wall:.2f} s "
                  f"({naive_wall / wall:.1f}x acorn's time, {naive_calls / calls:.0f}x its calls)")
        print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
