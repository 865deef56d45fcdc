"""Tests of the ACORN-i client (a package, so its conftest does not shadow tests/conftest.py)."""
