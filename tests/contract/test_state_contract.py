"""The StateBackend contract: memory and Redis must pass this whole file alike.

Redis is the shared one at 127.0.0.1:6379 (CI starts it). Each test uses its own key prefix
and deletes its keys afterwards; nothing else in the database is touched. Without Redis the
Redis cases fail when CI is set and are skipped otherwise.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
import redis
import redis.asyncio

from support import SHARED_REDIS, shared_redis
from tollway.state import (
    Bucket,
    Decision,
    MemoryState,
    Quota,
    RedisState,
    StateBackend,
    StateError,
    open_state,
)

REDIS_URL = SHARED_REDIS
T0 = 1_700_000_000.0
DAY_END = T0 + 86_400


@dataclass
class Harness:
    state: StateBackend
    prefix: str

    def key(self, name: str) -> str:
        return self.prefix + name


@pytest.fixture(params=["memory", "redis"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    prefix = f"tollway-test:{uuid.uuid4().hex}:"
    if request.param == "memory":
        yield Harness(MemoryState(), prefix)
        return
    shared_redis().close()
    # "closed": an unexpected outage fails the test instead of silently testing MemoryState.
    state = RedisState(REDIS_URL, on_unavailable="closed", timeout=5.0)
    yield Harness(state, prefix)
    await state.close()
    cleaner = redis.asyncio.Redis.from_url(REDIS_URL)
    keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
    if keys:
        await cleaner.delete(*keys)
    await cleaner.aclose()


async def admit_many(
    h: Harness, times: int, buckets: Sequence[Bucket], quota: Quota | None = None, now: float = T0
) -> list[Decision]:
    return [await h.state.admit(buckets, quota, None, now) for _ in range(times)]


def allowed(decisions: Sequence[Decision]) -> list[bool]:
    return [d.allowed for d in decisions]


async def test_bucket_starts_full_admits_burst_then_refills_at_rate(harness: Harness) -> None:
    """AWS token bucket: a full bucket admits `burst` at once, then `rate` per second, never above burst."""
    bucket = [Bucket(harness.key("b"), rate=2.0, burst=5)]
    assert allowed(await admit_many(harness, 6, bucket)) == [True] * 5 + [False]
    assert allowed(await admit_many(harness, 2, bucket, now=T0 + 0.5)) == [True, False]
    assert allowed(await admit_many(harness, 4, bucket, now=T0 + 2.0)) == [True] * 3 + [False]
    assert allowed(await admit_many(harness, 7, bucket, now=T0 + 100)) == [True] * 5 + [False] * 2


async def test_throttled_answer_names_throttled(harness: Harness) -> None:
    bucket = [Bucket(harness.key("b"), rate=1.0, burst=1)]
    await harness.state.admit(bucket, None, None, T0)
    assert await harness.state.admit(bucket, None, None, T0) == Decision(False, "THROTTLED", None)


async def test_zero_burst_throttles_everything(harness: Harness) -> None:
    """AWS: a throttle limit of 0 rejects every request."""
    decisions = await admit_many(harness, 3, [Bucket(harness.key("b"), rate=0.0, burst=0)])
    assert allowed(decisions) == [False] * 3


async def test_rejected_by_first_exhausted_bucket_consumes_no_other_bucket(harness: Harness) -> None:
    """AWS: a throttled request consumes nothing; buckets before and after the exhausted one keep tokens."""
    first, narrow, last = (
        Bucket(harness.key(n), rate=0.001, burst=b) for n, b in [("a", 3), ("n", 1), ("z", 3)]
    )
    assert allowed(await admit_many(harness, 4, [first, narrow, last])) == [True, False, False, False]
    assert allowed(await admit_many(harness, 3, [first])) == [True, True, False]
    assert allowed(await admit_many(harness, 3, [last])) == [True, True, False]


async def test_quota_admits_exactly_limit_then_limit_exceeded(harness: Harness) -> None:
    """AWS: the quota admits `limit` requests per period, then 429 Limit Exceeded (QUOTA_EXCEEDED)."""
    quota = Quota(harness.key("q"), limit=3, period_key="2023-11-14", expires_at=DAY_END)
    decisions = await admit_many(harness, 5, [], quota)
    assert decisions == [
        Decision(True, None, 2),
        Decision(True, None, 1),
        Decision(True, None, 0),
        Decision(False, "QUOTA_EXCEEDED", 0),
        Decision(False, "QUOTA_EXCEEDED", 0),
    ]


async def test_quota_rejection_consumes_no_token(harness: Harness) -> None:
    bucket = Bucket(harness.key("b"), rate=0.001, burst=4)
    quota = Quota(harness.key("q"), limit=2, period_key="p", expires_at=DAY_END)
    assert allowed(await admit_many(harness, 4, [bucket], quota)) == [True, True, False, False]
    assert allowed(await admit_many(harness, 3, [bucket])) == [True, True, False]


async def test_throttled_request_is_not_counted_against_the_quota(harness: Harness) -> None:
    """AWS: throttled requests do not count against the quota."""
    bucket = Bucket(harness.key("b"), rate=0.001, burst=1)
    quota = Quota(harness.key("q"), limit=2, period_key="p", expires_at=DAY_END)
    assert allowed(await admit_many(harness, 3, [bucket], quota)) == [True, False, False]
    assert await harness.state.admit([], quota, None, T0) == Decision(True, None, 0)


async def test_usage_counts_admitted_requests_only(harness: Harness) -> None:
    used, idle = harness.key("usage:plan:key:2023-11-14"), harness.key("usage:plan:other:2023-11-14")
    bucket = [Bucket(harness.key("b"), rate=0.001, burst=3)]
    decisions = [await harness.state.admit(bucket, None, used, T0) for _ in range(5)]
    assert allowed(decisions) == [True] * 3 + [False] * 2
    assert await harness.state.usage([used, idle]) == {used: 3, idle: 0}
    assert await harness.state.usage([]) == {}


async def test_add_to_quota_extends_the_remaining_quota(harness: Harness) -> None:
    """AWS UpdateUsage grants a temporary extension to the remaining quota of the period."""
    quota = Quota(harness.key("q"), limit=2, period_key="p", expires_at=DAY_END)
    assert allowed(await admit_many(harness, 3, [], quota)) == [True, True, False]
    assert await harness.state.add_to_quota(quota.key, 3) == -1
    assert [d.quota_remaining for d in await admit_many(harness, 4, [], quota)] == [2, 1, 0, 0]
    assert await harness.state.add_to_quota(quota.key, -1) == 3


async def test_add_to_quota_before_any_request_applies_to_the_next_request_period(harness: Harness) -> None:
    quota = Quota(harness.key("q"), limit=1, period_key="p", expires_at=DAY_END)
    assert await harness.state.add_to_quota(quota.key, 1) == -1
    assert allowed(await admit_many(harness, 3, [], quota)) == [True, True, False]


async def test_quota_counter_expires_at_period_end(harness: Harness) -> None:
    quota = Quota(harness.key("q"), limit=1, period_key="p", expires_at=T0 + 30)
    assert allowed(await admit_many(harness, 2, [], quota)) == [True, False]
    assert allowed(await admit_many(harness, 1, [], quota, now=T0 + 29.5)) == [False]
    assert await harness.state.admit([], quota, None, T0 + 30) == Decision(True, None, 0)


async def test_new_period_key_counts_from_zero(harness: Harness) -> None:
    monday = Quota(harness.key("q"), limit=1, period_key="2023-11-13", expires_at=DAY_END)
    tuesday = Quota(harness.key("q"), limit=1, period_key="2023-11-14", expires_at=DAY_END + 86_400)
    assert allowed(await admit_many(harness, 2, [], monday)) == [True, False]
    assert allowed(await admit_many(harness, 2, [], tuesday, now=T0 + 10)) == [True, False]


async def test_fifty_concurrent_requests_on_burst_ten_admit_exactly_ten(harness: Harness) -> None:
    """Checking and consuming are one atomic step: no two requests take the same token."""
    bucket = [Bucket(harness.key("b"), rate=1.0, burst=10)]
    usage = harness.key("usage")
    decisions = await asyncio.gather(*(harness.state.admit(bucket, None, usage, T0) for _ in range(50)))
    assert sum(d.allowed for d in decisions) == 10
    assert await harness.state.usage([usage]) == {usage: 10}


async def test_fifty_concurrent_requests_on_quota_seven_admit_exactly_seven(harness: Harness) -> None:
    quota = Quota(harness.key("q"), limit=7, period_key="p", expires_at=DAY_END)
    decisions = await asyncio.gather(*(harness.state.admit([], quota, None, T0) for _ in range(50)))
    assert sum(d.allowed for d in decisions) == 7
    assert sorted(d.quota_remaining for d in decisions if d.allowed) == [0, 1, 2, 3, 4, 5, 6]


async def test_redis_keys_expire_when_they_stop_mattering() -> None:
    """Buckets go once they would be full again (plus a margin), quotas at period end, usage after 90 days."""
    shared_redis().close()
    prefix = f"tollway-test:{uuid.uuid4().hex}:"
    state = RedisState(REDIS_URL, on_unavailable="closed", timeout=5.0)
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    bucket = Bucket(prefix + "b", rate=0.5, burst=10)
    quota = Quota(prefix + "q", limit=5, period_key="p", expires_at=T0 + 30)
    try:
        assert (await state.admit([bucket], quota, prefix + "u", T0)).allowed
        bucket_ttl, quota_pttl, usage_ttl = (
            await client.ttl(bucket.key),
            await client.pttl(quota.key),
            await client.ttl(prefix + "u"),
        )
        assert 0 < bucket_ttl <= 2 + 60
        assert 0 < quota_pttl <= 30_000
        assert 89 * 86_400 < usage_ttl <= 90 * 86_400
    finally:
        await state.close()
        await client.delete(bucket.key, quota.key, prefix + "u")
        await client.aclose()


def test_open_state_names_the_backends() -> None:
    assert isinstance(open_state("memory"), MemoryState)
    assert isinstance(open_state("memory://"), MemoryState)
    assert isinstance(open_state("redis://127.0.0.1:6379/0"), RedisState)
    with pytest.raises(
        StateError, match=r"unsupported state URL 'postgres://x'.*memory, memory://, redis://"
    ):
        open_state("postgres://x")
    with pytest.raises(StateError, match="on_unavailable must be 'open' or 'closed', not 'maybe'"):
        RedisState(REDIS_URL, on_unavailable="maybe")  # type: ignore[arg-type]


def test_bucket_with_negative_limits_is_refused() -> None:
    with pytest.raises(ValueError, match="bucket 'k': rate and burst must be >= 0"):
        Bucket("k", rate=-1.0, burst=1)
