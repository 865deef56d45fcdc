"""Bulk work pauses the cyclic collector and leaves it as it found it; only a process acorn runs
has its collector tuned."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from reconciler.domain.gcpause import YOUNG_COLLECTION, paused_gc


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


def test_only_a_process_acorn_runs_has_its_collector_tuned_and_its_tree_frozen(tmp_path):
    # In a fresh interpreter: a caller's process (a test, a notebook) is left as it is; acorn's own
    # entry collects its youngest objects less often and keeps a command's tree out of the walks.
    script = (
        "import gc\n"
        "from reconciler.domain import gcpause\n"
        "default = gc.get_threshold()[0]\n"
        "gcpause.keep_for_the_command()\n"
        "caller = (gc.get_freeze_count(), gc.get_threshold()[0] == default)\n"
        "gcpause.tune_for_the_process()\n"
        "tree = [{'entity': i} for i in range(1000)]\n"
        "gcpause.keep_for_the_command()\n"
        "print(caller, gc.get_freeze_count() >= len(tree), gc.get_threshold()[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["(0,", "True)", "True", str(YOUNG_COLLECTION)]
