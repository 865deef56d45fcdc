"""Benchmark `acorn validate` end to end against the YAML parse floor, measured in the same run.

    python bench/validate.py [--entities 10000] [--marketplaces 5] [--repeat 3] [--tree DIR]

N generated entity files (every number passes its check digits). Each round runs, one after
the other so the machine's load hits all alike:
- the floor: libyaml's compose (`yaml.compose`, CSafeLoader) of every file, on one core, in a
  fresh process (reading the files included, Python's start-up not);
- `acorn validate` cold (no cache: .acorn/ and the signing key removed first);
- `acorn validate` warm (the same tree again: every file from .acorn/load-cache.bin).
Reported: medians of wall and CPU seconds, peak RSS, the ratio cold/floor and the load average.
Targets (issue 21) at 10,000 entities: cold <= 1.2x the floor, <= 150 MB; at 100,000: <= 11x the
10,000 time, <= 500 MB. `--tree DIR` keeps the generated tree there (and reuses it).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from served import acorn, as_installed  # noqa: E402

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


def entity(i: int, markets: list[str], token_file: bool = False) -> str:
    """Entity i's file; `token_file`: its refresh token is read from secrets/seller-i.token,
    not an environment variable (100,000 variables would not fit in a process's environment)."""
    name = f"seller-{i:06d}"
    taxes = [TAX[m] if m in TAX else f"{{scheme: EU_VAT, country: {m}, number: {EU_VAT[m]}}}"
             for m in markets if m != "JP"]
    sha = hashlib.sha256(name.encode()).hexdigest()
    token = f"{{file: secrets/seller-{i}.token}}" if token_file else f"{{env: ACORN_SELLER_{i}_REFRESH_TOKEN}}"
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
    refreshToken: {token}
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


FLOOR = """
import glob, sys, time, yaml
files = sorted(glob.glob(sys.argv[1] + "/entities/*.yaml"))
start = time.perf_counter()
for path in files:
    with open(path, encoding="utf-8") as fh:
        yaml.compose(fh.read(), Loader=yaml.CSafeLoader)
print(time.perf_counter() - start)
"""


def generate(desired: Path, count: int, markets: list[str]) -> None:
    entities = desired / "entities"
    entities.mkdir(parents=True, exist_ok=True)
    if len(list(entities.glob("*.yaml"))) == count:
        return
    for i in range(count):
        (entities / f"seller-{i:06d}.yaml").write_text(entity(i, markets))


def timed(cmd: list[str], env: dict[str, str], stdout: Path | None = None) -> tuple[float, float, float, str, int]:
    """Wall s, CPU s (user + system of the process and its workers), peak RSS MB (its largest
    process), stdout, exit code: from wait4, so each figure is this command's alone. A large
    output goes to the file `stdout` (then "" is returned): held here, it would count in the
    next command's peak (a child's maxrss starts from its parent's RSS at the fork)."""
    start = time.perf_counter()
    with open(stdout, "wb") if stdout else contextlib.nullcontext(subprocess.PIPE) as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        out, err = proc.stdout.read() if proc.stdout else b"", proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(err.decode()[-2000:], file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode(), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--marketplaces", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="generate the tree here (kept, and reused when complete)")
    args = parser.parse_args()
    python = as_installed()  # the floor runs in the same Python as acorn
    with tempfile.TemporaryDirectory() as tmp:
        root = (args.tree or Path(tmp) / "repo").resolve()
        desired = root / "desired"
        generate(desired, args.entities, MARKETPLACES[: args.marketplaces])
        env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(Path(tmp) / "user-cache")}
        validate = acorn("validate", "--desired", str(desired))
        rows: dict[str, list[tuple[float, float, float]]] = {"floor": [], "cold": [], "warm": []}
        last = ""
        for _ in range(args.repeat):
            wall, _cpu, rss, out, _code = timed([python, "-c", FLOOR, str(desired)], env)
            rows["floor"].append((float(out), _cpu, rss))
            shutil.rmtree(root / ".acorn", ignore_errors=True)
            shutil.rmtree(Path(tmp) / "user-cache", ignore_errors=True)
            for kind in ("cold", "warm"):
                wall, cpu, rss, out, code = timed(validate, env)
                if code != 0:
                    raise SystemExit(f"acorn validate failed ({code})")
                rows[kind].append((wall, cpu, rss))
                last = (out.strip().splitlines() or [""])[-1]
    print(f"entities: {args.entities} x {args.marketplaces} marketplaces ({last}); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {args.repeat}")
    floor = statistics.median(r[0] for r in rows["floor"])
    for kind, label in (("floor", "libyaml compose, 1 core (floor)"), ("cold", "acorn validate, cold"),
                        ("warm", "acorn validate, warm (cache)")):
        wall = statistics.median(r[0] for r in rows[kind])
        cpu = statistics.median(r[1] for r in rows[kind])
        rss = max(r[2] for r in rows[kind])
        ratio = f"{wall / floor:.2f}x floor" if kind != "floor" else "1.00x"
        print(f"{label:34s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {rss:5.0f} MB  {ratio}")
    rounds = ", ".join(f"{c[0] / f[0]:.2f}" for f, c in zip(rows["floor"], rows["cold"], strict=True))
    print(f"cold/floor per round: {rounds} (target <= 1.2); warm target < 0.5 s")


if __name__ == "__main__":
    main()
