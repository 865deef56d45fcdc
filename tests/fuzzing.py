"""Hypothesis settings of the fuzz tests (one per parser boundary): small in the suite, as
large as ACORN_FUZZ_EXAMPLES asks for when bench/fuzz.py runs them by hand."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ACORN_FUZZ_EXAMPLES", "0") or 0)


def fuzz(default: int) -> settings:
    """`default` examples in the suite (kept small: the whole fuzz run stays well under a minute)."""
    return settings(max_examples=EXAMPLES or default, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much, HealthCheck.data_too_large])


# Text that exercises parsers: YAML/JSON punctuation, controls, escapes and odd digits.
NASTY = st.sampled_from(["", ":", "- ", "{", "}", "[", "]", "&a", "*a", "!!python/object", "<<", "%", "'", '"',
                         "\n", "\t", "\x00", "\x1b[31m", "\u2028", "0913", "²", "٣", "1e999", "-.inf",
                         "Atzr|x", "~", "null", "yes", "2026-02-30", "::error::", "#"])
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=8)), max_size=30).map("".join)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
