"""Concurrency as Lambda counts it: the invocations in flight, per function and in total.

Two limits, answered differently:

- a function's reserved concurrency (``ReservedConcurrentExecutions``) is a limit the user
  set on AWS, and Lambda throttles a synchronous invocation over it at once
  (``TooManyRequestsException``); such a function does not draw from the shared pool;
- ``total_concurrency`` (``--function-concurrency``) is this machine's limit, which AWS does
  not have: Lambda would start another execution environment. An invocation over it waits
  for a free slot, first come first served, for at most ``wait_s`` (the function's timeout);
  at most ``queue`` (``--function-queue``) invocations wait, and one more is refused at
  once: under a load the machine cannot carry, a fast refusal (``Overloaded``, answered
  503) rather than a queue that grows until every invocation times out.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque

from tollway.functions.runtime.executor import Overloaded, TooManyRequests

THROTTLED = "Rate Exceeded."
"""Lambda's message for a throttled invocation."""


class Admission:
    """Admits invocations under the reserved and shared limits (one event loop)."""

    def __init__(self, total: int, queue: int | None = None) -> None:
        self.total = total
        self.queue = queue
        """How many may wait for a shared slot (None: no bound)."""
        self.shared = 0
        """Invocations in flight that hold a slot of the shared pool."""
        self.waiting = 0
        """Invocations waiting for a shared slot now."""
        self.in_flight: dict[str, int] = defaultdict(int)
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def enter(self, name: str, reserved: int | None, wait_s: float | None) -> None:
        """Take a slot for one invocation of ``name`` or raise TooManyRequests (``Overloaded``
        for the shared pool); ``wait_s`` bounds the wait for a shared slot (None: no bound)."""
        if reserved is not None:
            if self.in_flight[name] >= reserved:
                raise TooManyRequests(THROTTLED)
        else:
            await self._shared_slot(wait_s)
        self.in_flight[name] += 1

    def leave(self, name: str, reserved: int | None) -> None:
        """Give back the slot ``enter`` took."""
        self.in_flight[name] -= 1
        if reserved is None:
            self._release_shared()

    async def _shared_slot(self, wait_s: float | None) -> None:
        if self.shared < self.total and not self._waiters:
            self.shared += 1
            return
        if self.queue is not None and self.waiting >= self.queue:
            raise Overloaded(THROTTLED)
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self.waiting += 1
        try:
            async with asyncio.timeout(wait_s):
                await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._release_shared()  # handed a slot it will not use: pass it on
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise Overloaded(THROTTLED) from None
            raise
        finally:
            self.waiting -= 1

    def _release_shared(self) -> None:
        """Hand the slot straight to the first live waiter (so no newcomer can take it in
        between), or return it to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.shared -= 1
