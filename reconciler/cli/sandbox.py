"""`acorn sandbox`: serve the ACORN-i sandbox over HTTP (uvicorn), and drive a sandbox
(embedded, or served with --endpoint): sellers, clock, reviews, state.

A thin shell: options become `create_app(...)` arguments; the listening URL is printed once
the socket is bound (so `--port 0` works); Ctrl-C stops it cleanly. The socket is bound here,
before uvicorn starts, so a busy port or an unknown host is a ConfigError (exit 1) and not
uvicorn's own exit 3.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
from pathlib import Path

import click

from ..desired.loader import load_desired_partial
from ..desired.schema import seller_id_rule
from ..domain import catalogue
from ..domain.masking import mask
from ..domain.suggest import MARKETPLACE_ALIASES, did_you_mean
from ..errors import AcornError, ConfigError
from ..sandbox.context import DEFAULT_REVIEW_SECONDS
from .helptext import FullHelpGroup
from .sandbox_control import admin_call
from .workspace import Workspace, tree_options, workspace

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


def serve_guide(url: str) -> str:
    """What a user needs next, printed by `sandbox serve` without --demo (no sellers seeded)."""
    return (f"No demo world (--demo seeds one). Add your sellers, each printing its refresh token once:\n"
            f"  acorn sandbox seller add acme-sz --seller-id A3EXAMPLEACME01 --participates US --endpoint {url}\n"
            f"Then point acorn here; the sandbox accepts any LWA client id and secret, but they must be set:\n"
            f"  export LWA_CLIENT_ID=sandbox LWA_CLIENT_SECRET=sandbox\n"
            f"  export ACORN_ACME_SZ_REFRESH_TOKEN=<the token seller add printed>\n"
            f"  acorn plan --endpoint {url}")


@click.group("sandbox", cls=FullHelpGroup)
def command() -> None:
    """The local ACORN-i sandbox (the API contract, with admin calls under /_sandbox)."""


@command.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to bind (0: any free port; the URL is printed).")
@click.option("--state", "state", default=DEFAULT_STATE, show_default=True, type=click.Path(dir_okay=False),
              help="SQLite state file (created when missing; kept across restarts).")
@click.option("--review-seconds", default=int(DEFAULT_REVIEW_SECONDS), show_default=True, type=click.IntRange(1),
              help="Sandbox-clock seconds until a registration's review is decided.")
@click.option("--no-rate-limits", is_flag=True, help="Do not enforce the contract's rate limits.")
@click.option("--rate-scale", default=1.0, show_default=True, type=click.FloatRange(min=0.001, max=100000),
              help="Run the published rates this many times faster (tests, benchmarks); the client then "
                   "needs ACORN_RATE_SCALE set alike.")
@click.option("--demo", is_flag=True, help="Seed the demo world (as the embedded sandbox has) into a new state file.")
@click.option("--allow-remote", is_flag=True,
              help="Allow binding a non-loopback address (admin calls stay loopback-only).")
def serve(host: str, port: int, state: str, review_seconds: int, no_rate_limits: bool, rate_scale: float,
          demo: bool, allow_remote: bool) -> None:
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
        app = create_app(Path(state), review_seconds=float(review_seconds), rate_limits=not no_rate_limits,
                         rate_scale=rate_scale)
        if demo:
            seed_demo_once(app.sandbox)
    except BaseException:
        sock.close()
        raise

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                bound = self.servers[0].sockets[0].getsockname()
                url = _url(host, bound[1])
                click.echo(f"ACORN-i sandbox listening on {url} "
                           f"(state {state}; Ctrl-C stops)")
                if not demo:
                    click.echo(serve_guide(url))

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="on", server_header=False)
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it handled, after a clean shutdown
        pass
    finally:
        sock.close()
    click.echo("sandbox stopped")


# --- driving a sandbox: sellers, clock, reviews, state -----------------------------------------

def _drive_options(f):
    """Where the sandbox is: the embedded one of this repository, or --endpoint URL."""
    f = click.option("--endpoint", help="A served sandbox's base URL (default: the embedded sandbox, "
                                        ".acorn/sandbox.sqlite).")(f)
    return tree_options(f)


def _ws(desired: str | None, config: str | None, endpoint: str | None) -> Workspace:
    """The workspace in environment sandbox: these commands never act on production."""
    return workspace(desired, config, environment="sandbox", endpoint=endpoint)


def _where(ws: Workspace) -> str:
    if ws.settings.endpoint == "embedded":
        return f"the embedded sandbox ({os.path.relpath(ws.state_dir / 'sandbox.sqlite')})"
    return f"the sandbox at {ws.settings.endpoint}"


def _codes(text: str | None, known: tuple[str, ...], what: str) -> list[str]:
    codes = [c.strip().upper() for c in (text or "").split(",") if c.strip()]
    for c in codes:
        if c not in known:
            hint = did_you_mean(c, known, MARKETPLACE_ALIASES)
            raise click.BadParameter(f"unknown {what} {c!r}{hint} (known: {', '.join(known)})")
    return codes


def env_name(name: str) -> str:
    """`acme-sz` -> `ACORN_ACME_SZ_REFRESH_TOKEN`: the variable a credential reference names."""
    return "ACORN_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") + "_REFRESH_TOKEN"


@command.group("seller", cls=FullHelpGroup)
def seller() -> None:
    """Add and list the sandbox's sellers."""


@seller.command("add")
@click.argument("name")
@click.option("--seller-id", required=True,
              help="The seller's ID (10 to 20 upper-case letters and digits), as in spec.sellerId.")
@click.option("--legal-name", help="The seller account's legal name (default: the desired entity NAME's "
                                    "legalEntityName, else NAME).")
@click.option("--registration-country", metavar="CC", help="The account's registered business country (default: "
                                                           "the desired entity's businessRegistration.country).")
@click.option("--registration-number", metavar="NUMBER", help="The account's company registration number "
                                                              "(default: the desired entity's "
                                                              "businessRegistration.number).")
@click.option("--regions", metavar="NA,EU,FE", help="Regions the seller authorized the application in "
                                                    "(default: all).")
@click.option("--participates", metavar="US,CA", help="Marketplaces the seller already sells in.")
@click.option("--related-account", is_flag=True, help="Linked to another store under review (reviews reject).")
@click.option("--replace", is_flag=True, help="Replace the seller if its ID is there already (and its refresh token).")
@_drive_options
def seller_add(name, seller_id, legal_name, registration_country, registration_number, regions, participates,
               related_account, replace, desired, config, endpoint) -> None:
    """Add a seller (--replace: or replace one) and print its sandbox refresh token, once.

    Its account's business data (getAccount: legal name, registration country and number)
    is the desired entity NAME's where there is one, so account preflight compares it as
    Amazon would; the options make it differ (a misspelt legal name, say)."""
    pattern, words = seller_id_rule()  # the entity schema's rule: a seller desired could name
    if not pattern.match(seller_id):
        raise click.BadParameter(f"{words}, not {seller_id!r}", param_hint="'--seller-id'")
    ws = _ws(desired, config, endpoint)
    given = _desired_business(ws, name)
    legal_name = legal_name or given.get("name") or name
    country = (registration_country or given.get("country") or "").strip().upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise click.BadParameter(f"a two-letter country code, like DE, not {registration_country!r}",
                                 param_hint="'--registration-country'")
    body = {"sellerId": seller_id, "legalEntityName": legal_name,
            "participations": _codes(participates, catalogue.CODES, "marketplace"),
            "relatedAccount": related_account, "replace": replace,
            "business": {"country": country, "number": registration_number or given.get("number") or ""}}
    if regions:
        body["regions"] = _codes(regions, catalogue.REGIONS, "region")
    answer = admin_call(ws, "POST", "/_sandbox/sellers", body)
    done = "Replaced seller {} ({}) in {}." if answer.get("replaced") else "Added seller {} ({}) to {}."
    click.echo(done.format(seller_id, legal_name, _where(ws)))
    if country:
        number = body["business"]["number"]
        click.echo(f"Its account: registered in {country}" + (f", company number {mask(number)}" if number else "")
                   + " (getAccount answers these; account preflight compares them with desired).")
    else:
        click.echo(f"note: no registration country is known for {name} (no desired entity {name}, no "
                   "--registration-country), so its account has no business data and account preflight "
                   "cannot compare its legal name.", err=True)
    tokens = answer.get("refreshTokens", [])
    click.echo("Its sandbox refresh token, shown this once (the sandbox keeps no copy you can read back):")
    base = env_name(name)
    for t in tokens:
        var = base if len(tokens) == 1 else f"{base}_{'_'.join(t['regions'])}"
        click.echo(f"\n  export {var}={shlex.quote(t['refreshToken'])}    # regions {', '.join(t['regions'])}")
    click.echo(f"\nIn desired/entities/{name}.yaml:  credentials: {{refreshToken: {{env: {base}}}}}")


def _desired_business(ws: Workspace, name: str) -> dict[str, str]:
    """The desired entity NAME's legal name and business registration, when the tree has it
    sound; {} otherwise (a missing or broken tree adds a seller all the same)."""
    try:
        state, _ = load_desired_partial(ws.desired, ws.settings.max_file_bytes)
    except AcornError:
        return {}
    for e in state.entities:
        if e.name == name:
            br = e.submission.business_registration
            return {"name": e.submission.legal_entity_name, "country": br.country, "number": br.number}
    return {}


@seller.command("list")
@_drive_options
def seller_list(desired, config, endpoint) -> None:
    """List the sandbox's sellers (never their tokens)."""
    ws = _ws(desired, config, endpoint)
    sellers = admin_call(ws, "GET", "/_sandbox/state")["sellers"]
    if not sellers:
        click.echo(f"No sellers in {_where(ws)}; add one with `acorn sandbox seller add NAME --seller-id ID`.")
        return
    width = max(len(s["sellerId"]) for s in sellers)
    for s in sellers:
        extra = " (related account)" if s.get("relatedAccount") else ""
        sells = ", ".join(s["participations"]) or "-"
        click.echo(f"{s['sellerId']:<{width}}  {s['legalEntityName']}  sells in: {sells}{extra}")
    click.echo(f"{len(sellers)} seller{'s' * (len(sellers) != 1)} in {_where(ws)}.")


@command.group("clock", cls=FullHelpGroup)
def clock() -> None:
    """Move the sandbox clock (reviews, token expiry and ages follow it)."""


_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """`3d`, `12h`, `1d12h`, `90s` -> seconds."""
    parts = re.findall(r"(\d+)\s*([dhms])", text.strip().lower())
    if not parts or re.sub(r"\s|\d+[dhms]", "", text.strip().lower()):
        raise click.BadParameter(f"{text!r} is not a duration: write a number and a unit, like 3d, 12h, 30m or 1d12h")
    return sum(int(n) * _UNITS[u] for n, u in parts)


@clock.command("advance")
@click.argument("duration")
@_drive_options
def clock_advance(duration, desired, config, endpoint) -> None:
    """Move the sandbox clock on by DURATION (3d, 12h, 30m, 1d12h); it never moves back."""
    ws = _ws(desired, config, endpoint)
    seconds = parse_duration(duration)
    now = admin_call(ws, "POST", "/_sandbox/clock", {"advanceSeconds": seconds})["now"]
    click.echo(f"The clock of {_where(ws)} is now {now} (moved on {duration}).")


@command.group("review", cls=FullHelpGroup)
def review() -> None:
    """Decide a registration's review by hand."""


@review.command("decide")
@click.argument("registration_id")
@click.option("--approve", is_flag=True, help="Approve it.")
@click.option("--reject", "reject", metavar="CODE", help="Reject it with this reason code (e.g. LEGAL_NAME_MISMATCH).")
@click.option("--message", help="The rejection's message (default: decided by hand in the sandbox).")
@_drive_options
def review_decide(registration_id, approve, reject, message, desired, config, endpoint) -> None:
    """Approve or reject REGISTRATION_ID now (it must be under review)."""
    if approve == bool(reject):
        raise click.UsageError("give exactly one of --approve and --reject CODE")
    ws = _ws(desired, config, endpoint)
    body: dict = {"status": "APPROVED"}
    if reject:
        reason = {"code": reject.strip().upper()} | ({"message": message} if message else {})
        body = {"status": "REJECTED", "reasons": [reason]}
    answer = admin_call(ws, "POST", f"/_sandbox/registrations/{registration_id}/decision", body)
    reasons = "".join(f"; {r['code']}: {r['message']}" for r in answer.get("reasons", []))
    click.echo(f"{answer['registrationId']} ({answer['sellerId']}) is {answer['status']}{reasons}.")


@command.command("state")
@_drive_options
def state(desired, config, endpoint) -> None:
    """Print the sandbox's state as JSON: clock, sellers, registrations, faults (no tokens)."""
    ws = _ws(desired, config, endpoint)
    click.echo(json.dumps(admin_call(ws, "GET", "/_sandbox/state"), indent=2, ensure_ascii=False))
