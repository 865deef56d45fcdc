"""Benchmark `acorn plan --offline` from 10,000 to 100,000 entities: linear time, bounded memory.

    python bench/plan_offline.py [--entities 10000 100000] [--marketplaces 5] [--trees DIR]

The same generated trees as bench/validate.py (every number passes its check digits). For each
size, `acorn plan --offline --format json --out plan.json` runs cold (no load cache) as a
subprocess, its standard output (the same JSON again) sent to a file; its wall and CPU seconds
and its peak RSS come from wait4, so each figure is that command's alone. The first size is
run again at the end: the machine's speed drifts over a long run, so a larger size is compared
with the mean of the two runs that bracket it.
Reported: wall, CPU, peak memory, the plan JSON's size, and each size's ratio to the first.
Targets (issue 21): at most 11x the time for 10x the entities, at most 1 GB; the plan JSON is
written as a stream (its size far above the peak memory shows it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from served import acorn, as_installed  # noqa: E402
from validate import MARKETPLACES, generate, timed  # noqa: E402


def run(root: Path, env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall s, CPU s, peak MB and plan bytes of one cold `plan --offline` of the tree at `root`."""
    shutil.rmtree(root / ".acorn", ignore_errors=True)
    out, shown = root / "plan.json", root / "plan-stdout.json"
    wall, cpu, rss, _, code = timed(
        acorn("plan", "--offline", "--desired", str(root / "desired"), "--format", "json", "--out", str(out)),
        env, stdout=shown)
    if code != 0:
        raise SystemExit(f"acorn plan --offline failed ({code})")
    size = out.stat().st_size
    out.unlink()
    shown.unlink()
    return wall, cpu, rss, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--marketplaces", type=int, default=5)
    parser.add_argument("--trees", type=Path, help="generate each tree under DIR/<entities> (kept, and reused)")
    args = parser.parse_args()
    as_installed()
    with tempfile.TemporaryDirectory() as tmp:
        base = (args.trees or Path(tmp)).resolve()
        env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(Path(tmp) / "user-cache")}
        sizes = list(args.entities)
        for n in sizes:
            generate(base / str(n) / "desired", n, MARKETPLACES[: args.marketplaces])
        order = sizes + sizes[:1] if len(sizes) > 1 else sizes  # the first size brackets the rest
        results: dict[int, list[tuple[float, float, float, int]]] = {n: [] for n in sizes}
        for n in order:
            results[n].append(run(base / str(n), env))
            wall, cpu, rss, size = results[n][-1]
            print(f"{n:>7} entities: wall {wall:7.2f} s  cpu {cpu:7.2f} s  peak {rss:5.0f} MB  "
                  f"plan JSON {size / 1e6:6.1f} MB", flush=True)
    first = sizes[0]
    wall0 = sum(r[0] for r in results[first]) / len(results[first])
    cpu0 = sum(r[1] for r in results[first]) / len(results[first])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"{first} entities: the mean of its {len(results[first])} runs")
    for n in sizes[1:]:
        wall, cpu, rss, size = results[n][0]
        print(f"{n} vs {first}: wall {wall / wall0:.2f}x, CPU {cpu / cpu0:.2f}x for {n / first:.0f}x the entities "
              f"(target <= {1.1 * n / first:.0f}x); peak {rss:.0f} MB (target <= 1024 MB); "
              f"plan JSON {size / 1e6:.1f} MB, {size / 1e6 / rss:.2f}x the peak (written as a stream)")


if __name__ == "__main__":
    main()
