"""What acorn does to the world, decided here and carried out through calls the CLI injects.

    apply.py          what to submit, the safety gates, submitting, waiting, the result
    import_entity.py  a new entity file from a seller's live state
    registrations.py  RegistrationClient: the typed client interface (a Protocol) apply calls

Never imports the client or the sandbox: the CLI hands actions the client's calls.
"""
