"""`python -m reconciler` runs the acorn command line."""

from .cli.main import console

console()
