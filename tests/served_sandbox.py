"""`acorn sandbox serve --port 0` in a subprocess, as a user runs it, and its admin calls: for
tests that need the sandbox over real HTTP in another process (the client's, apply's kill -9
and concurrent runs, the serve command itself).

Readiness is the URL line the command prints once its socket is bound, never a sleep.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from reconciler.domain import catalogue
from reconciler.domain.contract import ACCESS_TOKEN_HEADER, LWA_TOKEN_PATH, REGION_HEADER, SELLER_REGISTRATIONS_PATH


@dataclass(frozen=True)
class ServedProcess:
    url: str
    proc: subprocess.Popen  # stdout carries stderr too


def start(state: Path, *args: str, cwd: Path | None = None) -> ServedProcess:
    """Starts the sandbox over the state file `state` and returns once it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", "0",
                             "--state", str(state), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed once the socket is bound
    found = re.search(r"listening on (http://\S+)", line)
    if not found:
        stop(proc)
        raise RuntimeError(f"the sandbox did not start: {line}{proc.stdout.read()}")
    return ServedProcess(found.group(1), proc)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def served_sandbox(state: Path, *args: str) -> Iterator[str]:
    """The served sandbox for the block; yields its base URL, stops it after."""
    served = start(state, *args)
    try:
        yield served.url
    finally:
        stop(served.proc)


class Admin:
    """The sandbox's /_sandbox calls, synchronously."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def _ok(self, response: httpx.Response) -> dict:
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._ok(self.http.post("/_sandbox/reset"))

    def seller(self, seller_id: str, refresh_token: str, name: str = "Shenzhen Acme Trading Co., Ltd.",
               participations: Sequence[str] = (), regions: Sequence[str] | None = None) -> None:
        """`regions`: where `refresh_token` is authorized (default: every region)."""
        self._ok(self.http.post("/_sandbox/sellers", json={
            "sellerId": seller_id, "legalEntityName": name, "refreshToken": refresh_token,
            "participations": list(participations), "replace": True,  # seeding sets the seller, there or not
            **({"regions": list(regions)} if regions is not None else {})}))

    def advance(self, seconds: float) -> None:
        self._ok(self.http.post("/_sandbox/clock", json={"advanceSeconds": seconds}))

    def faults(self, **faults: object) -> None:
        self._ok(self.http.put("/_sandbox/faults", json=faults))

    def access_token(self, refresh_token: str) -> str:
        """An access token of the seller holding `refresh_token` (for seeding through the API)."""
        return self._ok(self.http.post(LWA_TOKEN_PATH, data={
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": "acorn-seeding", "client_secret": "seeding"}))["access_token"]

    def create(self, access_token: str, seller_id: str, body: dict) -> list[dict]:
        """createRegistration through the API, as a seller's history is made."""
        region = catalogue.BY_ID[body["marketplaceIds"][0]].region  # its marketplaces' region's host
        response = self.http.post(SELLER_REGISTRATIONS_PATH.format(sellerId=seller_id), json=body,
                                  headers={ACCESS_TOKEN_HEADER: access_token, REGION_HEADER: region})
        return self._ok(response)["registrations"]

    def state(self) -> dict:
        return self._ok(self.http.get("/_sandbox/state"))

    def registrations(self) -> list[dict]:
        return self.state()["registrations"]


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps; `also` is told of
    each sleep (e.g. to move the sandbox clock along with it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.also: Callable[[float], None] | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.also is not None:
            self.also(seconds)
