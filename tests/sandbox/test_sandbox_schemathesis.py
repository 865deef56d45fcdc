"""The served sandbox fuzzed against schemas/acorn-i.openapi.yaml by schemathesis: every check,
a valid access token, a short run here (bench/fuzz.py runs a long one by hand), 0 failures.

The admin calls (tag sandbox-only) are left out: a fuzzed `reset` would revoke the token the
run tests with, and they answer loopback test tooling only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests import REPO
from tests.served_sandbox import served_sandbox

SPEC = REPO / "schemas" / "acorn-i.openapi.yaml"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SELLER = "A3EXAMPLEACME01"  # a demo seller


def schemathesis_run(url: str, token: str, examples: int, report: Path,
                     seed: int = 20261202) -> subprocess.CompletedProcess:
    cli = "from schemathesis.cli import schemathesis; schemathesis()"
    return subprocess.run(
        [sys.executable, "-c", cli, "--config-file", str(CONFIG), "run", str(SPEC), "--url", url,
         "-H", f"x-amz-access-token: {token}", "--checks", "all", "--exclude-tag", "sandbox-only",
         "--max-examples", str(examples), "--seed", str(seed), "--workers", "1", "--no-color",
         "--report", "junit", "--report-dir", str(report)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "SCHEMATHESIS_HOOKS": ""}, cwd=report)


def access_token(url: str) -> str:
    answer = httpx.post(f"{url}/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": f"sandbox-refresh-{SELLER}",
        "client_id": "schemathesis", "client_secret": "schemathesis"})
    answer.raise_for_status()
    return answer.json()["access_token"]


def test_schemathesis_finds_nothing(tmp_path):
    with served_sandbox(tmp_path / "state.sqlite", "--demo", "--no-rate-limits") as url:
        proc = schemathesis_run(url, access_token(url), int(os.environ.get("ACORN_FUZZ_EXAMPLES", "8")), tmp_path)
    summary = proc.stdout[proc.stdout.rfind("SUMMARY"):]
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "failures" not in summary.lower() or " 0 failures" in summary.lower(), summary
