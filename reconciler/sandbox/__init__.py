"""The ACORN-i sandbox: the contract (`docs/acorn-i-api.md`, and
`schemas/acorn-i.openapi.yaml`) implemented as an ASGI application.

    app.py        the ASGI edge and routes; `create_app(state_path, ...)`
    api.py        createRegistration, listRegistrations, getRegistration, participations
    lwa.py        the Login with Amazon token endpoint
    admin.py      /_sandbox calls (loopback only)
    wire.py       request JSON -> domain values (the sandbox's own `_from_api`)
    records.py    stored values and their JSON
    review.py     the review: a pure function of (registration, seller record, clock)
    store.py      SQLite state, transactional
    paging.py     signed, expiring nextTokens
    ratelimit.py  token buckets;  faults.py  fault injection;  clock.py  the sandbox clock
    demo.py       the demo world;  embedded.py  the in-process transport

It shares only the catalogue, preflight, the domain model and the live-status constants
with the rest of acorn; never the client's wire code.
"""
