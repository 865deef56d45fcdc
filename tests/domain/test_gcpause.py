"""Bulk work pauses the cyclic collector and leaves it as it found it."""

from __future__ import annotations

import gc

import pytest

from reconciler.domain.gcpause import paused_gc


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_after_even_after_an_error(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(RuntimeError), paused_gc():
            assert not gc.isenabled()
            raise RuntimeError("bulk work failed")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
