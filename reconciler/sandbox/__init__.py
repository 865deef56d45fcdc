"""The ACORN-i sandbox: the contract implemented as an ASGI application."""
