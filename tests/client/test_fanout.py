"""Fan-out: every item run, in order, never more tasks alive than the window (a 100,000-seller
plan is not 100,000 tasks), and the first failure stops the rest."""

from __future__ import annotations

import asyncio

import pytest

from reconciler.client.fanout import each


def test_every_item_is_run_and_answered_in_order_with_at_most_the_window_alive() -> None:
    alive, most = 0, 0

    async def run(i: int) -> int:
        nonlocal alive, most
        alive += 1
        most = max(most, alive)
        await asyncio.sleep(0.001 * (i % 3))  # finishing out of order
        alive -= 1
        return i * i

    assert asyncio.run(each(list(range(50)), run, 7)) == [i * i for i in range(50)]
    assert most == 7


def test_the_first_failure_cancels_the_items_still_running_and_starts_no_more() -> None:
    started: list[int] = []
    cancelled: list[int] = []

    async def run(i: int) -> int:
        started.append(i)
        if i == 3:
            raise RuntimeError("item 3 broke")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        return i

    with pytest.raises(ExceptionGroup) as failed:
        asyncio.run(each(list(range(100)), run, 5))
    assert [str(e) for e in failed.value.exceptions] == ["item 3 broke"]
    assert started == [0, 1, 2, 3, 4] and sorted(cancelled) == [0, 1, 2, 4]

