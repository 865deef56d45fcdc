"""Running one coroutine per item, a bounded number of them alive at once.

A 100,000-seller plan must not be 100,000 tasks (each a task, a coroutine frame and, while
it waits at a gate, a future: about 3 KB), yet the sellers waiting for their quota must not
hold the others up either (client/request.py gives the concurrency gate back while a seller
waits). So the items are started in order as earlier ones finish, with a window of tasks
alive far wider than the concurrency gate: the gate still decides how many calls are in
flight; the window only bounds the memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WINDOW_PER_SLOT = 64  # tasks alive per slot of the concurrency gate


def window(concurrency: int) -> int:
    """How many tasks may be alive at once for a gate of `concurrency` slots."""
    return max(256, concurrency * WINDOW_PER_SLOT)


async def each(items: Sequence[T], run: Callable[[T], Awaitable[R]], alive: int) -> list[R]:
    """`run(item)` for every item, at most `alive` at once; the results in the items' order.
    The first exception cancels the others and is raised as an ExceptionGroup (asyncio.TaskGroup)."""
    results: list[R | None] = [None] * len(items)
    room = asyncio.Semaphore(max(1, alive))

    async def one(i: int, item: T) -> None:
        try:
            results[i] = await run(item)
        finally:
            room.release()

    async with asyncio.TaskGroup() as group:
        for i, item in enumerate(items):
            await room.acquire()
            group.create_task(one(i, item))
    return results  # type: ignore[return-value]  # every slot was filled: each task ran to its end
