"""``MemoryState``: the state backend of one process.

Limits are per process: with several workers or nodes each one keeps its own buckets, quota
counters and usage, so a plan of 100 rps on 4 workers admits up to 400 rps. Use Redis to
share them. ``admit`` never awaits, so on one event loop it is atomic by construction.
Entries are dropped lazily (a sweep at most once a minute of the callers' ``now``), with
the same lifetimes as in Redis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tollway.state.base import (
    ALLOWED,
    BUCKET_IDLE_MARGIN_SECONDS,
    QUOTA_EXCEEDED,
    THROTTLED_DECISION,
    USAGE_TTL_SECONDS,
    Bucket,
    Decision,
    Quota,
)

SWEEP_EVERY_SECONDS = 60.0


@dataclass(slots=True)
class _BucketState:
    tokens: float
    stamp: float
    bucket: Bucket
    """The latest limits it was admitted under (its lifetime is computed from them)."""


@dataclass(slots=True)
class _QuotaState:
    period: str | None  # None: created by add_to_quota before any request of the period
    used: int
    expires_at: float


@dataclass(slots=True)
class _Counter:
    count: int
    drop_at: float


def drop_at(tokens: float, stamp: float, bucket: Bucket) -> float:
    """When a bucket's state can go: once it would be full again, plus a margin."""
    if bucket.rate <= 0:
        return stamp + USAGE_TTL_SECONDS  # never refills: keep it as long as usage
    return stamp + math.ceil((bucket.burst - tokens) / bucket.rate) + BUCKET_IDLE_MARGIN_SECONDS


class MemoryState:
    """Buckets, quota counters and usage counters in dictionaries of this process."""

    def __init__(self) -> None:
        self._buckets: dict[str, _BucketState] = {}
        self._quotas: dict[str, _QuotaState] = {}
        self._usage: dict[str, _Counter] = {}
        self._latest = -math.inf  # the latest `now` seen, for calls that take no time
        self._next_sweep = -math.inf

    async def admit(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> Decision:
        return self.admit_now(buckets, quota, usage_key, now)

    def admit_now(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> Decision:
        """``admit`` without waiting: this state is in the process, so always decided.

        Each bucket is refilled to ``now`` in place before anything is decided (a refill
        changes no outcome, so a rejected request still spends nothing), then every bucket
        spends its token: this runs for every keyed request, so it allocates nothing."""
        if now > self._latest:
            self._latest = now
        if now >= self._next_sweep:
            self._sweep(now)
        states = self._buckets
        passed: list[_BucketState] = []
        for bucket in buckets:
            state = states.get(bucket.key)
            burst = float(bucket.burst)
            if state is None:
                state = states[bucket.key] = _BucketState(burst, now, bucket)
            else:
                state.bucket = bucket
                tokens, stamp = state.tokens, state.stamp
                if now > stamp:
                    tokens += (now - stamp) * bucket.rate
                    state.stamp = now
                state.tokens = tokens if tokens < burst else burst
            if state.tokens < 1:
                return THROTTLED_DECISION
            passed.append(state)
        used = self._used(quota, now) if quota else 0
        if quota and used >= quota.limit:
            return Decision(False, QUOTA_EXCEEDED, max(0, quota.limit - used))
        for state in passed:
            state.tokens -= 1
        if usage_key is not None:
            self._count_usage(usage_key, 1, now)
        if quota is None:
            return ALLOWED
        self._quotas[quota.key] = _QuotaState(quota.period_key, used + 1, quota.expires_at)
        return Decision(True, None, quota.limit - used - 1)

    async def usage(self, keys: Sequence[str]) -> dict[str, int]:
        return {key: counter.count if (counter := self._usage.get(key)) else 0 for key in keys}

    async def add_to_quota(self, key: str, delta: int) -> int:
        state = self._quotas.get(key)
        if state is None or self._latest >= state.expires_at:
            state = self._quotas[key] = _QuotaState(None, 0, math.inf)
        state.used -= delta
        return state.used

    async def close(self) -> None:
        return None

    def take_usage(self) -> dict[str, int]:
        """Remove and return every usage counter (RedisState hands them over after an outage)."""
        taken = {key: counter.count for key, counter in self._usage.items()}
        self._usage.clear()
        return taken

    def _used(self, quota: Quota, now: float) -> int:
        state = self._quotas.get(quota.key)
        if state is None or now >= state.expires_at:
            return 0
        if state.period is not None and state.period != quota.period_key:
            return 0
        return state.used

    def _count_usage(self, key: str, amount: int, now: float) -> None:
        counter = self._usage.get(key)
        if counter is None:
            self._usage[key] = _Counter(amount, now + USAGE_TTL_SECONDS)
        else:
            counter.count += amount

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_EVERY_SECONDS
        self._buckets = {k: s for k, s in self._buckets.items() if drop_at(s.tokens, s.stamp, s.bucket) > now}
        self._quotas = {k: s for k, s in self._quotas.items() if s.expires_at > now}
        self._usage = {k: c for k, c in self._usage.items() if c.drop_at > now}
