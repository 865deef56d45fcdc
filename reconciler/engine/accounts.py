"""Account preflight's decisions (pure): what a seller account read SP-API does not offer, or
one that failed, counts as. Which accounts a plan reads is the draft's (engine.plan's
`Draft.regions`: where it would create); the CLI only performs those reads (getAccount).

SP-API offers getAccount in the EU only: a create elsewhere is decided without a call, an
ACCOUNT_NOT_CHECKED warning saying that SP-API does not offer the check there (`not_offered`).
A read that fails with a run-stopping error (the breaker, a full disk, the application's own
credentials refused) stops the run; any other failure (a 403 for a missing role, a 404) is an
ACCOUNT_NOT_CHECKED warning on that region's creates: the legal name was not compared.
"""

from __future__ import annotations

from ..desired import account_check
from ..domain.live import AccountRead
from ..errors import AcornError, RunStopping


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
