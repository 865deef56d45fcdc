"""Account preflight's decisions (pure): which seller accounts a plan reads, and what a read
that failed counts as. The CLI only performs the reads (getAccount) it is told to.

SP-API offers getAccount in the EU only: a create elsewhere is decided without a call, an
ACCOUNT_NOT_CHECKED warning saying that SP-API does not offer the check there (`not_offered`).
A read that fails with a run-stopping error (the breaker, a full disk, the application's own
credentials refused) stops the run; any other failure (a 403 for a missing role, a 404) is an
ACCOUNT_NOT_CHECKED warning on that region's creates: the legal name was not compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from ..desired import account_check
from ..domain.live import AccountRead, SellerLive
from ..domain.model import Entity
from ..domain.policy import Policy
from ..errors import AcornError, RunStopping
from .plan import plan_entity


def accounts_to_read(entities: Sequence[Entity], live: Mapping[str, SellerLive], today: date,
                     policy: Policy) -> list[tuple[Entity, str]]:
    """(entity, region) for every region where the plan would create: once each."""
    wanted: list[tuple[Entity, str]] = []
    for e in entities:
        seller = live.get(e.seller_id)
        if seller is not None and seller.error is None:
            wanted += [(e, c.region) for c in plan_entity(e, seller, today, policy).creates]
    return wanted


def not_offered(region: str) -> AccountRead | None:
    """The read SP-API does not offer in `region` (getAccount outside the EU), decided without a
    call; None where the account is read."""
    if region in account_check.ACCOUNT_CHECK_REGIONS:
        return None
    return AccountRead(region, unavailable=account_check.not_offered(region))


def failed_read(region: str, exc: AcornError) -> AccountRead:
    """What a getAccount that raised `exc` counts as; a run-stopping error is raised again."""
    if isinstance(exc, RunStopping):
        raise exc
    return AccountRead(region, unavailable=f"the seller account could not be read in {region}, so its legal "
                                           f"name and registration were not checked: {exc}")


def with_accounts(live: Mapping[str, SellerLive], wanted: Sequence[tuple[Entity, str]],
                  reads: Sequence[AccountRead]) -> dict[str, SellerLive]:
    """`live` with each seller's account reads attached (in the order they were wanted)."""
    by_seller: dict[str, list[AccountRead]] = {}
    for (e, _), read in zip(wanted, reads, strict=True):
        by_seller.setdefault(e.seller_id, []).append(read)
    return {sid: replace(s, accounts=tuple(by_seller.get(sid, ()))) for sid, s in live.items()}
