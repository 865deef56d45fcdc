"""The long fuzz run, started by hand: every parser-boundary fuzz test with many examples,
and schemathesis against the served sandbox with many examples per operation.

    python bench/fuzz.py [--examples 2000]

Prints, per test file, the wall time and the result; exits 1 if any found a failure. The
suite runs the same tests with a few examples each (tests/fuzzing.py) to stay fast.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUZZ_TESTS = ["tests/desired/test_fuzz_parsers.py", "tests/engine/test_fuzz_plan_json.py",
              "tests/sandbox/test_fuzz_requests.py", "tests/sandbox/test_sandbox_schemathesis.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per test (schemathesis: per operation)")
    args = parser.parse_args()
    env = {**os.environ, "ACORN_FUZZ_EXAMPLES": str(args.examples)}
    failed = 0
    for test in FUZZ_TESTS:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
                              cwd=REPO, env=env, capture_output=True, text=True)
        took = time.perf_counter() - started
        last = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"{test}: {args.examples} examples, {took:.1f} s: {'ok' if proc.returncode == 0 else 'FAILED'} ({last})")
        if proc.returncode != 0:
            failed += 1
            print(proc.stdout[-4000:], proc.stderr[-2000:], sep="\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
