"""The domain: typed values every layer shares, and the ACORN-i contract's constants.

    catalogue.py   the marketplaces (codes, ids, regions, tax and translation needs)
    contract.py    paths, headers, registration statuses, rate limits, error codes
    model.py       the desired state as frozen dataclasses (Entity, Submission, Reason...)
    live.py        what was read of a seller (SellerLive, LiveRegistration)
    policy.py      the few settings the engine plans by
    submission.py  submissionDigest and clientToken
    masking.py     identifying numbers shown by their last 4 characters
    tokens.py      what an LWA token looks like
    gcpause.py     pausing the cyclic GC around bulk work

Imports nothing of acorn's but itself: every other layer may import it.
"""
