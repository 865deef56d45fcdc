"""Benchmark the HTML status page: its size, time to interactive and time to filter, in headless Chromium.

    python bench/status_html.py [--entities 1000 10000] [--repeat 3]

The status is planned from the same generated world as bench/plan_engine.py (5-8 marketplaces
per entity, every state, 1 seller in 200 unreadable, 50 brands). For each size the page is
rendered, written to a temporary file and opened with `chromium --headless --dump-dom`:
- time to interactive: `performance.now()` when the page's script has run (filters wired,
  first rows drawn), from navigation start: the page's `data-ready-ms`;
- time to filter: one filter (`#label=brand=b7&state=blocked`, then a search `#q=seller-0001`)
  applied by the script, its `data-filter-ms`.
Chromium's own start-up is not counted. Targets at 10,000 entities: < 3 MB, interactive < 1 s.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan_engine import NOW, TODAY, entities, live_state  # noqa: E402

from reconciler.domain.model import DesiredState  # noqa: E402
from reconciler.domain.policy import Policy  # noqa: E402
from reconciler.engine.plan import plan  # noqa: E402
from reconciler.render.status import render_status, status_of  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def page(n: int, seed: int) -> str:
    rng = random.Random(seed)
    desired = DesiredState(entities(n, rng), "d" * 64)
    live = {e.seller_id: live_state(e, rng) for e in desired.entities}
    result = plan(desired, live, TODAY, Policy(), NOW, "sandbox")
    return render_status(status_of(result, {e.name: e.labels for e in desired.entities}), "html")


def measure(chromium: str, path: Path, suffix: str, profile: Path) -> dict[str, float | str]:
    proc = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", path.as_uri() + suffix],
                          capture_output=True, text=True, timeout=300)
    head = proc.stdout[:2000]
    found = dict(re.findall(r'data-(ready-ms|filter-ms|script-ms)="([\d.]+)"', head))
    if "ready-ms" not in found:
        raise SystemExit(f"the page's script did not run: {proc.stderr[-500:]}")
    shown = re.search(r'id="shown"[^>]*>([^<]*)<', proc.stdout)
    return {k: float(v) for k, v in found.items()} | {"shown": shown.group(1) if shown else "?"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--repeat", type=int, default=3, help="page loads per measure; the best is shown")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.entities:
            start = time.perf_counter()
            html = page(n, args.seed)
            built = time.perf_counter() - start
            path = Path(tmp) / f"status-{n}.html"
            path.write_text(html, encoding="utf-8")
            print(f"{n:>6} entities: page {len(html.encode()) / 1e6:.2f} MB (rendered in {built:.2f} s)")
            for label, suffix in (("open", ""), ("filter label+state", "#label=brand=b7&state=blocked"),
                                  ("search", "#q=seller-00012")):
                runs = [measure(chromium, path, suffix, Path(tmp) / f"profile-{n}-{i}") for i in range(args.repeat)]
                ready = min(r["ready-ms"] for r in runs)
                filt = min(r["filter-ms"] for r in runs)
                print(f"    {label:<20} interactive {ready:6.0f} ms  filter {filt:6.1f} ms  "
                      f"(best of {args.repeat}; shows {runs[0]['shown']})")


if __name__ == "__main__":
    main()
