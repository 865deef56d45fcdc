"""`acorn sandbox serve`: the ACORN-i sandbox over HTTP, under uvicorn.

A thin shell: options become `create_app(...)` arguments; the listening URL is printed once
the socket is bound (so `--port 0` works); Ctrl-C stops it cleanly. The socket is bound here,
before uvicorn starts, so a busy port or an unknown host is a ConfigError (exit 1) and not
uvicorn's own exit 3.
"""

from __future__ import annotations

import socket
from pathlib import Path

import click

from ..errors import ConfigError
from .helptext import FullHelpGroup

DEFAULT_STATE = ".acorn/sandbox-served.sqlite"


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to HOST:PORT (the first address HOST resolves to); ConfigError if not."""
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {where}: {_reason(exc)}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: restart despite TIME_WAIT
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {where}: {_reason(exc)}") from None
    sock.set_inheritable(True)
    return sock


def _reason(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]  # "Address already in use" -> "address already in use"


@click.group("sandbox", cls=FullHelpGroup)
def command() -> None:
    """The local ACORN-i sandbox (the API contract, with admin calls under /_sandbox)."""


@command.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to bind (0: any free port; the URL is printed).")
@click.option("--state", "state", default=DEFAULT_STATE, show_default=True, type=click.Path(dir_okay=False),
              help="SQLite state file (created when missing; kept across restarts).")
@click.option("--review-seconds", default=300, show_default=True, type=click.IntRange(1),
              help="Sandbox-clock seconds until a registration's review is decided.")
@click.option("--no-rate-limits", is_flag=True, help="Do not enforce the contract's rate limits.")
@click.option("--demo", is_flag=True, help="Seed the demo world (as the embedded sandbox has) into a new state file.")
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address (admin calls stay loopback-only).")
def serve(host: str, port: int, state: str, review_seconds: int, no_rate_limits: bool, demo: bool,
          allow_remote: bool) -> None:
    """Serve the sandbox on HOST:PORT until Ctrl-C."""
    import uvicorn

    from ..sandbox.app import create_app
    from ..sandbox.demo import seed_demo_once
    from ..sandbox.http import is_loopback

    if not (is_loopback(host) or host == "localhost"):
        if not allow_remote:
            raise ConfigError(f"--host {host} is not a loopback address: the sandbox has no authentication "
                              "of its own; pass --allow-remote to bind it anyway")
        click.echo(f"warning: serving the sandbox on {host}, reachable from other machines "
                   "(admin calls still answer loopback clients only)", err=True)
    sock = _listen(host, port)
    try:
        app = create_app(Path(state), review_seconds=float(review_seconds), rate_limits=not no_rate_limits)
        if demo:
            seed_demo_once(app.sandbox)
    except BaseException:
        sock.close()
        raise

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:  # type: ignore[no-untyped-def]
            await super().startup(sockets=sockets)
            if self.started:
                bound = self.servers[0].sockets[0].getsockname()
                click.echo(f"ACORN-i sandbox listening on {_url(host, bound[1])} "
                           f"(state {state}; Ctrl-C stops)")

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="on", server_header=False)
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it handled, after a clean shutdown
        pass
    finally:
        sock.close()
    click.echo("sandbox stopped")
