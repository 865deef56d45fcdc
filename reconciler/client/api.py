"""AcornClient: what plan and apply ask of ACORN-i, per seller, over one httpx.AsyncClient.

    async with AcornClient(settings, env, base_dir=..., audit=...) as client:
        plans = await client.read_each(entities, 16, plan_one)  # plan_one(entity, live)
        regs = await client.create_registration(entity, "EU", ids, token, digest)

Every seller acts with its own refresh token only, and with each region's own token in that
region (SP-API authorizations are regional; in the Far East an account may cover only some
marketplaces, and an entity can name another account for them: `credentials.accounts`). Each
distinct refresh token is exchanged once per run (and again near expiry), whatever the number
of regions it serves. A region the seller has not authorized the app in (SP-API's 403, or LWA
refusing that region's token) is recorded in `SellerLive.unauthorized` and the seller's other
regions are read; a seller that cannot be read at all (its credentials are missing, a call
gives up) gets `SellerLive(error=...)` and the others go on; only run-stopping errors
(errors.RunStopping) stop `read_each`: the run's breaker, an unusable endpoint, a full disk,
the application's own credentials (missing, refused by LWA, an expired client secret), or
SP-API refusing the first APP_REFUSAL_SELLERS sellers of a region with none accepted
(ApplicationWatch). No ApiError
leaves a public method without passing the run's Redactor (redact.py): a server echoing a
token cannot leak it.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx

from ..desired.settings import Settings
from ..domain import catalogue
from ..domain.contract import (
    ACCOUNT_PATH,
    CREATE_REGISTRATION,
    GET_ACCOUNT,
    GET_PARTICIPATIONS,
    GET_REGISTRATION,
    LIST_REGISTRATIONS,
    PARTICIPATIONS_PATH,
    REGISTRATION_PATH,
    SELLER_REGISTRATIONS_PATH,
)
from ..domain.live import Account, LiveRegistration, SellerLive, Store
from ..domain.model import Credentials, Entity, MarketplaceAccount, SecretRef
from ..errors import (
    AcornError,
    ApiError,
    ApplicationAccessError,
    AuthError,
    RegionUnauthorized,
    RoleMissing,
    RunStopping,
    SecretError,
)
from .audit import AuditLog
from .auth import LwaAuth, SellerTokens
from .credentials import Secrets
from .endpoints import ROLES, Endpoints, network_transport, offers_account, resolve_endpoints
from .errormap import Call
from .fanout import each, window
from .ratelimit import RateLimiter
from .redact import Redactor
from .request import HELD_GATE, Caller, releasing_gate
from .retry import RetryPolicy
from .secretsmanager import AwsSecrets
from .transport import AuditingTransport, StatelessClient
from .wire import (
    account_from_api,
    listed_marketplaces,
    participations_from_api,
    registration_from_api,
    registrations_from_api,
    submission_to_api,
)

PAGE_SIZE = 50
MAX_PAGES = 1000  # 50,000 registrations of one seller on one host: past that the server is looping
EMBEDDED_CLIENT_CREDENTIAL = "acorn-embedded"
DEFAULT_POLICY = RetryPolicy()
APP_REFUSAL_SELLERS = 5  # sellers of a region refused (403) with none accepted: the application's problem


class ApplicationWatch:
    """Tells "the application is refused in a region" from "these sellers have not authorized it".

    A 403 that is the same for every seller (a role the app lacks, a wrong host or path, a
    suspended application) must be one finding, not a request to every seller: once the first
    APP_REFUSAL_SELLERS distinct sellers of a region were refused and none was accepted, the
    run stops with one ApplicationAccessError. One seller accepted in a region settles it: the
    refusals there are the sellers' own.
    """

    def __init__(self, threshold: int = APP_REFUSAL_SELLERS) -> None:
        self.threshold = threshold
        self._refused: dict[str, set[str]] = {}
        self._accepted: set[str] = set()

    def accepted(self, region: str) -> None:
        self._accepted.add(region)

    def in_doubt(self) -> bool:
        """Whether some region has refused sellers and accepted none yet."""
        return any(region not in self._accepted for region in self._refused)

    def refused(self, region: str, seller_id: str, error: RegionUnauthorized) -> None:
        if region in self._accepted:
            return
        sellers = self._refused.setdefault(region, set())
        sellers.add(seller_id)
        if len(sellers) >= self.threshold:
            raise ApplicationAccessError(
                f"SP-API refused the application in {region} for the first {len(sellers)} sellers read there and "
                f"accepted none ({error.message.split(': seller ')[0]}): this looks like the application's "
                f"problem, not {len(sellers)} sellers': check the app's roles ({ROLES[GET_PARTICIPATIONS]}), "
                f"the endpoint for {region}, and the app's status in Developer Central; stopping the run "
                "instead of asking every seller to authorize again", status=403, code=error.code)


def _redacted(operation: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Every ApiError leaving a public operation goes through the run's Redactor, once."""

    @functools.wraps(operation)
    async def guarded(self: AcornClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return await operation(self, *args, **kwargs)
        except ApiError as exc:
            raise self.redactor.error(exc) from exc.__cause__  # the same exception, redacted: its own chain kept

    return guarded


FAR_EAST = "FE"
R = TypeVar("R")


@dataclass
class _Reads:
    """What the reads of one seller found so far."""

    stores: dict[str, Store] = field(default_factory=dict)
    registrations: dict[str, LiveRegistration] = field(default_factory=dict)
    unauthorized: list[tuple[str, str]] = field(default_factory=list)
    unread: list[tuple[str, str]] = field(default_factory=list)


def account_entity(entity: Entity, account: MarketplaceAccount) -> Entity:
    """The entity as a Far East account acts: its seller id and token, its marketplaces."""
    return replace(entity, seller_id=account.seller_id or entity.seller_id,
                   credentials=Credentials(regions=((FAR_EAST, account.credential),)),
                   marketplaces=account.marketplaces)


def not_this_account(who: Entity, covered: tuple[str, ...], listed: frozenset[str],
                     registrations: Iterable[LiveRegistration]) -> list[tuple[str, str]]:
    """Far East marketplaces the FE token's account does not reach: never concluded "not live".

    In the Far East an authorization may cover only the marketplace it was given in
    (amzn/selling-partner-api-models#546: a JP authorization does not reach the seller's AU
    account; selling-partner-api-docs#2384: "authorize every marketplace"). A marketplace the
    participation list does not name at all (while it names others) and with no registration
    of this seller was not read with the right account. Naming its account in
    credentials.accounts (even with this same token) makes that read authoritative.
    """
    if not listed:
        return []
    seen = {r.marketplace_id for r in registrations}
    names = ", ".join(catalogue.BY_ID[m].code if m in catalogue.BY_ID else m for m in sorted(listed))
    return [(code, f"{code} is not among the marketplaces seller {who.seller_id}'s FE authorization reaches ({names}): "
                   f"in the Far East each marketplace may be a separate account with its own authorization, so "
                   f"{code} was not read and is not taken as not live; name its account in credentials.accounts "
                   f"(marketplaces: [{code}], its sellerId and refreshToken; the same token if this account "
                   f"sells there)")
            for code in covered
            if catalogue.by_code(code).marketplace_id not in listed | seen]


class AcornClient:
    """One per run: an async context manager owning the HTTP connections and token caches."""

    def __init__(self, settings: Settings, env: Mapping[str, str], *, base_dir: Path,
                 audit: AuditLog, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: Callable[[], float] = random.random,
                 policy: RetryPolicy = DEFAULT_POLICY, timeout: float = 30.0,
                 endpoints: Endpoints | None = None,
                 stand_in_token: Callable[[Entity], str] | None = None, rate_scale: float = 1.0,
                 on_throttle: Callable[[Call, float], None] | None = None) -> None:
        """`stand_in_token(entity)`, given only for the embedded sandbox, is the refresh token
        used for an entity whose own credential is unset (the sandbox's demo token).
        `rate_scale` runs the published rates that many times faster (a sandbox started with
        the same --rate-scale; 1 for SP-API). `on_throttle(call, seconds)` hears each wait
        for a quota to refill."""
        self._settings = settings
        self._audit = audit
        self.redactor = Redactor()  # learns each secret as the client handles it
        aws = AwsSecrets(env, region=settings.aws_region, endpoint=settings.aws_endpoint, policy=policy, audit=audit,
                         rng=rng)  # acorn's retries, a breaker and the audit log for AWS too
        self._secrets = Secrets(env, base_dir, aws,
                                max_file_bytes=settings.max_secret_file_bytes)  # limits.secretFileBytes
        self._clock = clock
        self._stand_in_token = stand_in_token
        self.endpoints = endpoints or resolve_endpoints(settings)
        inner = transport if transport is not None else network_transport()
        self._http = StatelessClient(transport=AuditingTransport(inner, audit, redact=self.redactor.text),
                                     follow_redirects=False,
                                     timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))
        pause = releasing_gate(sleep)
        self._caller = Caller(self._http, RateLimiter(clock, pause, rate_scale), policy, sleep, rng,
                              region_header=self.endpoints.mode != "regional",
                              throttle_budget=settings.throttle_budget_seconds, on_throttle=on_throttle)
        self._tokens: dict[str, SellerTokens] = {}  # by refresh token: one exchange per distinct token
        # by (seller id, region, reference): only while the seller is being read (see forget)
        self._auths: dict[tuple[str, str, SecretRef | None], LwaAuth] = {}
        self.watch = ApplicationWatch()
        self._role_missing: dict[str, RoleMissing] = {}  # getAccount refused for lack of a role, by region
        self._app: tuple[str, str] | None = None
        self._exchanged = False  # whether Login with Amazon has given this run a token yet

    async def __aenter__(self) -> AcornClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        try:
            await self._http.aclose()
        finally:
            self._audit.close()

    # -- credentials -------------------------------------------------------------------

    @property
    def _embedded(self) -> bool:
        return self.endpoints.mode == "embedded"

    def app_credentials(self) -> tuple[str, str]:
        """The application's LWA client id and secret (SecretError when unset outside embedded)."""
        if self._app is None:
            self._app = (self._app_secret(self._settings.lwa_client_id),
                         self._app_secret(self._settings.lwa_client_secret))
            self.redactor.add(self._app[1])
        return self._app

    def _app_secret(self, ref: SecretRef) -> str:
        try:
            return self._secrets.resolve(ref)
        except SecretError:
            if not self._embedded:
                raise
            return EMBEDDED_CLIENT_CREDENTIAL

    def _refresh_token(self, entity: Entity, region: str) -> tuple[str, str | None]:
        """The seller's refresh token for `region`, and why it is the embedded sandbox's demo
        token instead (None when the entity's own credential resolved)."""
        ref = entity.credentials.for_region(region)
        if ref is None:  # validate refuses this; an entity built in code may still lack it
            raise SecretError(f"no refresh token for region {region} (credentials.refreshToken.{region})")
        try:
            return self._secrets.resolve(ref), None
        except SecretError as exc:
            missing = str(exc)  # the error belongs to this entity's row: callers name the entity
            if not self._embedded:
                raise SecretError(missing) from None
        if self._stand_in_token is None:
            raise SecretError(missing)
        return self._stand_in_token(entity), missing

    def _auth(self, entity: Entity, region: str) -> LwaAuth:
        """The auth flow of `entity`'s seller in `region`; the access token is shared by every
        region (and entity) whose reference resolves to the same refresh token."""
        key = (entity.seller_id, region, entity.credentials.for_region(region))
        auth = self._auths.get(key)
        if auth is None:
            refresh_token, missing = self._refresh_token(entity, region)
            self.redactor.add(refresh_token)
            tokens = self._tokens.get(refresh_token)
            if tokens is None:
                serves = "+".join(r for r in self._regions(entity)
                                  if entity.credentials.for_region(r) == entity.credentials.for_region(region))
                tokens = self._tokens[refresh_token] = SellerTokens(
                    functools.partial(self._exchange, entity.seller_id, refresh_token, missing, serves or region),
                    self._clock)
            auth = self._auths[key] = LwaAuth(tokens)
        return auth

    def forget(self, entity: Entity) -> None:
        """Let go of what only the reads of `entity` used (its auth flows and rate-limit buckets),
        once they are done: a plan of 100,000 sellers keeps only each seller's access token (never
        exchanged twice) and the run's Redactor (which keeps masking every secret to the end).
        Asked again, a flow is made again from the same access token. A seller id is one entity's
        (the loader refuses it twice), so no other read of the run normally shares the buckets let go
        of; one that does starts with full buckets, as a new run would."""
        for who in (entity, *(account_entity(entity, a) for a in entity.credentials.accounts)):
            for region in catalogue.REGIONS:
                self._auths.pop((who.seller_id, region, who.credentials.for_region(region)), None)
            self._caller.limiter.forget(who.seller_id, catalogue.REGIONS)

    def _shares_token(self, entity: Entity, region: str) -> bool:
        """Whether `region`'s reference is also another region's (SP-API issues one per region)."""
        ref = entity.credentials.for_region(region)
        return any(entity.credentials.for_region(r) == ref for r in catalogue.REGIONS if r != region)

    async def _exchange(self, seller_id: str, refresh_token: str, missing: str | None = None,
                        region: str = "") -> tuple[str, float]:
        client_id, client_secret = self.app_credentials()
        try:
            body = await self._caller.send(Call(
                "lwaToken", seller_id, "POST", self.endpoints.lwa_token_url,
                form={"grant_type": "refresh_token", "refresh_token": refresh_token,
                      "client_id": client_id, "client_secret": client_secret}, region=region))
        except AuthError:
            if missing is None:
                raise
            # The demo token stood in for an unset credential and the sandbox does not know
            # this seller: the unset credential is the problem to report, not the demo token.
            raise SecretError(f"{missing} (and the embedded sandbox has no demo seller {seller_id})") from None
        body = body if isinstance(body, Mapping) else {}
        token, expires_in = body.get("access_token"), body.get("expires_in", 3600)
        if not isinstance(token, str) or not token or not isinstance(expires_in, (int, float)):
            raise ApiError(f"unexpected answer from Login with Amazon for seller {seller_id}: no access token")
        self.redactor.add(token)
        self._exchanged = True
        return token, float(expires_in)

    def _prefetch_tokens(self, entity: Entity) -> None:
        """Start exchanging the tokens `entity`'s reads will use (SellerTokens.prefetch): a
        seller's first call need not wait for Login with Amazon, a round trip of its own. Only
        while the run goes well (a token was given, no call failed last, no region refuses the
        application): a run that is about to stop asks nothing of a seller it will not read. A
        credential that cannot be read is left to the read, which reports it."""
        if not self._exchanged or self._caller.breaker.consecutive or self.watch.in_doubt():
            return
        for region in self._regions(entity):
            for who, _ in self._region_reads(entity, region):
                try:
                    auth = self._auth(who, region)
                except AcornError:
                    continue
                auth.tokens.prefetch()

    async def prefetch_secrets(self, entities: Iterable[Entity]) -> None:
        """Read every AWS Secrets Manager reference of the run at once, in batches of 20
        (off the event loop: boto3 blocks); env and file references are read when used."""
        refs = [self._settings.lwa_client_id, self._settings.lwa_client_secret]
        refs += [ref for entity in entities for ref in entity.credentials.refs()]
        if any(ref.kind == "aws" for ref in refs):
            await asyncio.to_thread(self._secrets.prefetch, refs)

    # -- operations --------------------------------------------------------------------

    async def _get(self, entity: Entity, region: str, operation: str, url: str,
                   params: Mapping[str, Any] | None = None) -> Any:
        call = Call(operation, entity.seller_id, "GET", url, params=params, region=region)
        body = await self._caller.send(call, self._auth(entity, region))
        return self.redactor.scrub(body)  # every secret of the run: its cost does not grow with them

    def _regions(self, entity: Entity) -> tuple[str, ...]:
        wanted = {catalogue.by_code(code).region for code in entity.marketplaces}
        return tuple(r for r in catalogue.REGIONS if r in wanted)

    @_redacted
    async def read_seller(self, entity: Entity) -> SellerLive:
        """Participations and every registration of one seller, in each region its marketplaces
        span, each with that region's token on that region's host (and each Far East account
        the entity names with its own seller id and token: `credentials.accounts`).

        The two reads are independent (separate rate limits), so they run at once: a seller
        costs one round trip plus its extra pages, not two. A region the seller has not
        authorized the app in is recorded (SellerLive.unauthorized), a Far East marketplace
        not read with the right account likewise (SellerLive.unread), and the others are read.
        """
        out = _Reads()
        for region in self._regions(entity):
            for who, covered in self._region_reads(entity, region):
                await self._read_account(entity, who, region, covered, out)
        ordered = sorted(out.registrations.values(), key=lambda r: (r.created_at, r.registration_id))
        return SellerLive(entity.seller_id, frozenset(out.stores), tuple(ordered), stores=tuple(out.stores.values()),
                          unauthorized=tuple(out.unauthorized), unread=tuple(out.unread))

    def _region_reads(self, entity: Entity, region: str) -> list[tuple[Entity, tuple[str, ...]]]:
        """Who reads `region` for `entity`, and which of its marketplaces each read covers: the
        entity with the region's token, and each Far East account it names."""
        codes = tuple(c for c in entity.marketplaces if catalogue.by_code(c).region == region)
        own = tuple(c for c in codes if entity.credentials.account_for(c) is None)
        reads = [(entity, own)] if own else []
        return reads + [(account_entity(entity, a), a.marketplaces) for a in entity.credentials.accounts
                        if any(c in codes for c in a.marketplaces)]

    async def _read_account(self, entity: Entity, who: Entity, region: str, covered: tuple[str, ...],
                            out: _Reads) -> None:
        host = self.endpoints.host(region)
        whole_region = who is entity and not any(entity.credentials.account_for(c) for c in entity.marketplaces
                                                 if catalogue.by_code(c).region == region)
        try:
            async with asyncio.TaskGroup() as both:  # one failing cancels the other
                found = both.create_task(self._get(who, region, GET_PARTICIPATIONS, host + PARTICIPATIONS_PATH))
                listed = both.create_task(self._list_registrations(who, region, host))
        except ExceptionGroup as failed:
            first = failed.exceptions[0]  # the first failure, as a single call raises it
            if isinstance(first, RegionUnauthorized):
                self.watch.refused(region, who.seller_id, first)
            if not isinstance(first, AuthError):
                raise first from None
            # without its request id (the audit log has it): the plan's rows stay the same run to run
            why = self.redactor.error(first).message
            if whole_region:
                out.unauthorized.append((region, why))
            else:
                out.unread += [(c, why) for c in covered]
            return
        self.watch.accepted(region)
        empty = self._empty_elsewhere(who, region, found.result())
        if empty is not None:
            out.unauthorized.append((region, empty))
            return
        regs = listed.result()
        if who is entity and region == FAR_EAST:
            out.unread += not_this_account(who, covered, listed_marketplaces(found.result()), regs)
        out.stores.update((s.marketplace_id, s) for s in participations_from_api(found.result()))
        out.registrations.update((r.registration_id, r) for r in regs)

    def _empty_elsewhere(self, entity: Entity, region: str, body: Any) -> str | None:
        """Why a 200 with no participation at all is not read as "nothing live here", or None.

        SP-API answers a call made with another region's token with 200 and an empty list
        (selling-partner-api-docs#659); a seller authorized in a region has an account there,
        whose marketplaces the list names. In production, with one reference serving two
        regions, an empty list is that case: never creates for stores the seller may have.
        """
        if self._settings.environment != "production" or listed_marketplaces(body):
            return None
        if not self._shares_token(entity, region):
            return None
        return (f"getMarketplaceParticipations in {region} answered 200 with no marketplace at all, using the "
                f"refresh token that also serves another region ({entity.credentials.for_region(region)}): SP-API "
                f"answers another region's token that way, so nothing in {region} was read; authorize the app in "
                f"{region}'s Seller Central and add that token as credentials.refreshToken.{region}")

    async def _list_registrations(self, entity: Entity, region: str, host: str) -> list[LiveRegistration]:
        """Every page of listRegistrations on one host."""
        url = host + SELLER_REGISTRATIONS_PATH.format(sellerId=entity.seller_id)
        out: list[LiveRegistration] = []
        next_token: str | None = None
        seen: set[str] = set()
        for pages in range(1, MAX_PAGES + 1):
            params: dict[str, Any] = {"pageSize": PAGE_SIZE}
            if next_token:
                params["nextToken"] = next_token
            page, next_token = registrations_from_api(await self._get(entity, region, LIST_REGISTRATIONS, url, params))
            out.extend(page)
            if not next_token:
                return out
            if next_token in seen:  # the server is looping: following it would never end
                raise ApiError(f"listRegistrations for seller {entity.seller_id} on {host}: page {pages + 1} "
                               "would repeat an earlier nextToken; stopping (ACORN-i is paging in a loop)")
            seen.add(next_token)
        raise ApiError(f"listRegistrations for seller {entity.seller_id} on {host}: more than {MAX_PAGES} pages "
                       f"of {PAGE_SIZE}; stopping (ACORN-i is paging without end)")

    @_redacted
    async def read_each(self, entities: Sequence[Entity], concurrency: int,
                        then: Callable[[Entity, SellerLive], Awaitable[R]]) -> list[R]:
        """`then(entity, live)` for every entity once its seller is read, `concurrency` sellers at a
        time (`then` keeps the seller's place: its own calls count in the same concurrency); the
        results in the entities' order. What a seller was read into can be let go of as soon as
        `then` is done with it (a plan of 100,000 sellers keeps only each one's plan)."""
        if not entities:
            return []
        await self.prefetch_secrets(entities)
        self.app_credentials()  # missing application credentials fail the run once, not per seller
        slots = max(1, concurrency)
        gate = asyncio.Semaphore(slots)

        async def one(i: int) -> R:
            entity = entities[i]
            async with gate:
                HELD_GATE.set(gate)  # given back while this seller only waits for its quota
                if i + slots < len(entities):  # the seller a gate's width behind: its tokens are on their way
                    self._prefetch_tokens(entities[i + slots])
                try:
                    live = await self.read_seller(entity)
                except RunStopping:  # stop all
                    raise
                except AcornError as exc:
                    live = SellerLive(entity.seller_id, error=str(exc))
                return await then(entity, live)

        try:
            read = await each(range(len(entities)), one, window(concurrency))
        except ExceptionGroup as failed:
            # Only the run's breaker or a bug gets here (one() maps every other domain error):
            # raise it as itself, the breaker first, never as a group.
            breaker: list[BaseException] = [e for e in failed.exceptions if isinstance(e, RunStopping)]
            raise (breaker or list(failed.exceptions))[0] from None
        return read

    @_redacted
    async def create_registration(self, entity: Entity, region: str, marketplace_ids: list[str],
                                  client_token: str, submission_digest: str) -> list[LiveRegistration]:
        """CreateRegistration for the marketplaces of one region; retries reuse `client_token`.

        Raises AlreadyExists when the seller already has them, ApiError for any other refusal.
        """
        wrong = [m for m in marketplace_ids if m not in catalogue.BY_ID or catalogue.BY_ID[m].region != region]
        if wrong:
            raise ValueError(f"marketplaces {wrong} are not in region {region}")
        groups: dict[int, list[str]] = {}  # a Far East account creates its own: -1 is the entity's
        for m in marketplace_ids:
            account = entity.credentials.account_for(catalogue.BY_ID[m].code)
            groups.setdefault(-1 if account is None else entity.credentials.accounts.index(account), []).append(m)
        out: list[LiveRegistration] = []
        for index, ids in groups.items():
            who = entity if index < 0 else account_entity(entity, entity.credentials.accounts[index])
            call = Call(CREATE_REGISTRATION, who.seller_id, "POST",
                        self.endpoints.host(region) + SELLER_REGISTRATIONS_PATH.format(sellerId=who.seller_id),
                        json=submission_to_api(entity.submission, ids, client_token, submission_digest),
                        region=region)
            body = self.redactor.scrub(await self._caller.send(call, self._auth(who, region)))
            out += registrations_from_api(body)[0]
        return out

    @_redacted
    async def get_registration(self, entity: Entity, registration_id: str) -> LiveRegistration:
        """One registration, looked up in the entity's regions (NotFound in none)."""
        regions = self._regions(entity) or catalogue.REGIONS[:1]
        places = [(who, r) for r in regions for who, _ in self._region_reads(entity, r)] or [(entity, regions[0])]
        for i, (who, region) in enumerate(places):
            try:
                url = self.endpoints.host(region) + REGISTRATION_PATH.format(registrationId=registration_id)
                body = await self._get(who, region, GET_REGISTRATION, url)
            except ApiError as exc:
                if exc.status in (403, 404) and i < len(places) - 1:
                    continue
                raise
            return registration_from_api(body)
        raise AssertionError("unreachable")  # pragma: no cover

    @_redacted
    async def get_account(self, entity: Entity, region: str) -> Account:
        """getAccount in `region`: the seller account's business data (its own rate bucket).

        SP-API offers it in EU only (ValueError elsewhere: callers ask `offers_account` first).
        A 403 for the missing role is the application's: asked once per region and run, then
        the same RoleMissing is raised for every other seller without a call."""
        if not offers_account(region):
            raise ValueError(f"SP-API does not offer getAccount in {region}")
        if region in self._role_missing:
            raise self._role_missing[region]
        try:
            body = await self._get(entity, region, GET_ACCOUNT, self.endpoints.host(region) + ACCOUNT_PATH)
        except RoleMissing as exc:
            self._role_missing[region] = exc
            raise
        return account_from_api(body)
