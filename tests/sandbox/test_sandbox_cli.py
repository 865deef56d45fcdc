"""`acorn sandbox serve`: prints its URL, serves, stops cleanly on Ctrl-C; loopback only
unless told otherwise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx


def test_serve_prints_its_url_serves_and_stops_on_ctrl_c(tmp_path):
    state = tmp_path / "served.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0", "--demo",
                             "--state", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=tmp_path)
    try:
        line = proc.stdout.readline()
        assert line.startswith("ACORN-i sandbox listening on http://127.0.0.1:"), line
        url = line.split("listening on ", 1)[1].split()[0]
        state_now = httpx.get(url + "/_sandbox/state", timeout=10).json()
        assert len(state_now["sellers"]) == 6  # --demo seeded the demo world
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "sandbox stopped" in out and "Traceback" not in err
    assert state.exists()


def test_a_non_loopback_host_needs_allow_remote(run_acorn, tmp_path):
    result = run_acorn("sandbox", "serve", "--host", "0.0.0.0", "--state", str(tmp_path / "s.sqlite"))
    assert result.code == 1
    assert "--allow-remote" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "s.sqlite").exists()


def test_sandbox_is_an_acorn_command(run_acorn):
    result = run_acorn("sandbox", "serve", "--help")
    assert result.code == 0
    for option in ("--host", "--port", "--state", "--review-seconds", "--no-rate-limits", "--allow-remote"):
        assert option in result.out
