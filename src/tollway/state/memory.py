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
    drop_at: float


@dataclass(slots=True)
class _QuotaState:
    period: str | None  # None: created by add_to_quota before any request of the period
    used: int
    expires_at: float


@dataclass(slots=True)
class _Counter:
    count: int
    drop_at: float


def refill(tokens: float, stamp: float, bucket: Bucket, now: float) -> tuple[float, float]:
    """Tokens and time stamp of a bucket at ``now``; a clock behind ``stamp`` refills nothing."""
    if now > stamp:
        return min(float(bucket.burst), tokens + (now - stamp) * bucket.rate), now
    return min(float(bucket.burst), tokens), stamp


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
        """``admit`` without waiting: this state is in the process, so always decided."""
        self._tick(now)
        levels: list[tuple[float, float]] = []
        for bucket in buckets:
            state = self._buckets.get(bucket.key)
            level = refill(state.tokens, state.stamp, bucket, now) if state else (float(bucket.burst), now)
            if level[0] < 1:
                return THROTTLED_DECISION
            levels.append(level)
        used = self._used(quota, now) if quota else 0
        if quota and used >= quota.limit:
            return Decision(False, QUOTA_EXCEEDED, max(0, quota.limit - used))
        for bucket, (tokens, stamp) in zip(buckets, levels, strict=True):
            left = tokens - 1
            self._buckets[bucket.key] = _BucketState(left, stamp, drop_at(left, stamp, bucket))
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

    def _tick(self, now: float) -> None:
        self._latest = max(self._latest, now)
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_SECONDS
        self._buckets = {k: s for k, s in self._buckets.items() if s.drop_at > now}
        self._quotas = {k: s for k, s in self._quotas.items() if s.expires_at > now}
        self._usage = {k: c for k, c in self._usage.items() if c.drop_at > now}
