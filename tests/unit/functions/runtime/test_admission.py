"""Concurrency limits: reserved concurrency throttles at once, as Lambda does; the machine's
shared limit makes an invocation wait for a free slot (first come, first served) up to a
deadline, and only then throttles. No worker processes: the limits alone."""

from __future__ import annotations

import asyncio

import pytest

from tollway.functions.runtime.admission import Admission
from tollway.functions.runtime.executor import Overloaded, TooManyRequests


async def test_reserved_concurrency_over_its_limit_throttles_at_once() -> None:
    admission = Admission(total=10)
    await admission.enter("solo", reserved=1, wait_s=60)
    with pytest.raises(TooManyRequests, match=r"^Rate Exceeded\.$"):
        await admission.enter("solo", reserved=1, wait_s=60)
    assert admission.shared == 0  # reserved functions do not draw from the shared pool
    admission.leave("solo", reserved=1)
    await admission.enter("solo", reserved=1, wait_s=60)


async def test_over_the_shared_limit_an_invocation_waits_and_gets_the_freed_slot() -> None:
    admission = Admission(total=1)
    await admission.enter("a", None, wait_s=60)
    waiting = asyncio.create_task(admission.enter("b", None, wait_s=60))
    await asyncio.sleep(0)
    assert not waiting.done()
    admission.leave("a", None)
    await waiting
    assert admission.shared == 1 and admission.in_flight["b"] == 1


async def test_waiters_are_served_in_arrival_order_and_a_newcomer_cannot_jump_the_queue() -> None:
    admission = Admission(total=1)
    await admission.enter("first", None, wait_s=60)
    order: list[str] = []

    async def invoke(name: str) -> None:
        await admission.enter(name, None, wait_s=60)
        order.append(name)

    second = asyncio.create_task(invoke("second"))
    third = asyncio.create_task(invoke("third"))
    await asyncio.sleep(0)
    admission.leave("first", None)  # the slot goes to "second", not to whoever asks next
    newcomer = asyncio.create_task(invoke("newcomer"))
    await second
    admission.leave("second", None)
    await third
    admission.leave("third", None)
    await newcomer
    assert order == ["second", "third", "newcomer"]


async def test_a_wait_longer_than_the_deadline_is_throttled() -> None:
    admission = Admission(total=1)
    await admission.enter("busy", None, wait_s=60)
    with pytest.raises(TooManyRequests, match=r"^Rate Exceeded\.$"):
        await admission.enter("late", None, wait_s=0.01)
    admission.leave("busy", None)
    assert admission.shared == 0  # the throttled waiter took nothing


async def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    admission = Admission(total=1)
    await admission.enter("busy", None, wait_s=60)
    gone = asyncio.create_task(admission.enter("gone", None, wait_s=60))
    next_one = asyncio.create_task(admission.enter("next", None, wait_s=60))
    await asyncio.sleep(0)
    gone.cancel()
    admission.leave("busy", None)
    await next_one
    assert admission.shared == 1 and admission.in_flight["gone"] == 0


async def test_over_the_queue_an_invocation_is_refused_at_once_and_the_queue_frees() -> None:
    admission = Admission(total=1, queue=2)
    await admission.enter("busy", None, wait_s=60)
    first = asyncio.create_task(admission.enter("w1", None, wait_s=60))
    second = asyncio.create_task(admission.enter("w2", None, wait_s=60))
    await asyncio.sleep(0)
    with pytest.raises(Overloaded, match=r"^Rate Exceeded\.$"):
        await admission.enter("late", None, wait_s=60)  # no wait: refused before queueing
    assert admission.waiting == 2 and admission.in_flight["late"] == 0
    admission.leave("busy", None)
    await first
    third = asyncio.create_task(admission.enter("w3", None, wait_s=60))  # room again: it waits
    await asyncio.sleep(0)
    assert not third.done() and admission.waiting == 2
    admission.leave("w1", None)
    await second
    admission.leave("w2", None)
    await third
    assert admission.waiting == 0 and admission.shared == 1


async def test_waiters_that_time_out_or_are_cancelled_leave_the_queue() -> None:
    admission = Admission(total=1, queue=1)
    await admission.enter("busy", None, wait_s=60)
    with pytest.raises(Overloaded):
        await admission.enter("late", None, wait_s=0.01)  # waited its deadline: the machine's limit
    gone = asyncio.create_task(admission.enter("gone", None, wait_s=60))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    assert admission.waiting == 0
    waiter = asyncio.create_task(admission.enter("next", None, wait_s=60))
    await asyncio.sleep(0)
    admission.leave("busy", None)
    await waiter
    assert admission.in_flight["next"] == 1


async def test_reserved_functions_are_throttled_as_lambda_does_not_as_overloaded() -> None:
    admission = Admission(total=1, queue=0)
    await admission.enter("solo", reserved=1, wait_s=60)
    with pytest.raises(TooManyRequests) as caught:
        await admission.enter("solo", reserved=1, wait_s=60)
    assert not isinstance(caught.value, Overloaded)
