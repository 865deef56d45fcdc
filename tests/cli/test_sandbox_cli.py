"""`acorn sandbox serve`: prints its URL, serves, stops cleanly on Ctrl-C; loopback only
unless told otherwise."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import httpx

from tests.served_sandbox import start, stop


def test_serve_prints_its_url_serves_and_stops_on_ctrl_c(tmp_path):
    state = tmp_path / "served.sqlite"
    served = start(state, "--demo", cwd=tmp_path)
    try:
        assert served.url.startswith("http://127.0.0.1:")
        state_now = httpx.get(served.url + "/_sandbox/state", timeout=10).json()
        assert len(state_now["sellers"]) == 6  # --demo seeded the demo world
        served.proc.send_signal(signal.SIGINT)
        out, _ = served.proc.communicate(timeout=15)
    finally:
        stop(served.proc)
    assert served.proc.returncode == 0, out
    assert "sandbox stopped" in out and "Traceback" not in out
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


def test_a_busy_port_is_an_error_exiting_1(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", str(port),
                               "--state", str(tmp_path / "s.sqlite")], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr == f"error: cannot listen on 127.0.0.1:{port}: address already in use\n"
    assert not (tmp_path / "s.sqlite").exists()


def test_an_address_of_another_machine_is_an_error_exiting_1(run_acorn, tmp_path):
    # 192.0.2.1 (TEST-NET-1) is on no interface here: binding fails, and no name is looked up.
    result = run_acorn("sandbox", "serve", "--host", "192.0.2.1", "--allow-remote", "--port", "0",
                       "--state", str(tmp_path / "s.sqlite"))
    assert result.code == 1
    assert result.err.endswith("error: cannot listen on 192.0.2.1:0: cannot assign requested address\n")
    assert not (tmp_path / "s.sqlite").exists()


def test_an_unknown_host_is_an_error_exiting_1(run_acorn, tmp_path, monkeypatch):
    def no_such_name(*args, **kwargs):  # what the resolver answers, without asking a DNS server
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    result = run_acorn("sandbox", "serve", "--host", "no-such-host.invalid", "--allow-remote", "--port", "0",
                       "--state", str(tmp_path / "s.sqlite"))
    assert result.code == 1
    assert result.err.endswith("error: cannot listen on no-such-host.invalid:0: name or service not known\n")
    assert not (tmp_path / "s.sqlite").exists()
