"""``RedisState``: buckets, quotas and usage shared by every worker and node through Redis.

``admit`` is one round trip: EVALSHA of the script in ``admit_script`` (EVAL when Redis
answers NOSCRIPT, which also caches it). Commands are never retried, so a reply lost in an
outage can never consume twice, and every call is bounded by a short timeout (250 ms by
default) so an outage never hangs requests.

``admit`` goes through ``RedisPipe`` (one auto-pipelining connection: the scripts of all
requests of one event-loop turn leave in one write), because redis-py's client costs ~200 µs
of CPU per command; the pipe bounds each call itself (connecting by ``timeout``, a stalled
connection by ``timeout``, a reply by ``4 * timeout``). The admin calls (``usage``,
``add_to_quota``, the usage hand-over after an outage) stay on redis-py, bounded by
``asyncio.timeout(4 * timeout)``; both are made from the same URL and timeouts.

When Redis is unreachable, ``on_unavailable`` decides:

* ``"open"`` (default): ``admit`` falls back to a ``MemoryState`` of this process (local
  limits, counted from zero). Usage counted locally is added to Redis when it returns;
  quota and bucket counts of the outage are not.
* ``"closed"``: ``admit`` answers ``Decision(False, "UNAVAILABLE")``, which the gateway
  maps to 503.

Either way the outage is logged once, and Redis is tried again at most every
``retry_after`` seconds; the first success switches back. ``usage`` and ``add_to_quota``
raise ``StateUnavailable`` during an outage (an admin must not read local numbers as
global ones). Redis Cluster is not supported: the script touches several keys.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, TypeVar

from redis import exceptions as rx
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from tollway.state.admit_script import ADMIT_LUA
from tollway.state.base import (
    ALLOWED,
    BUCKET_IDLE_MARGIN_SECONDS,
    QUOTA_EXCEEDED,
    THROTTLED_DECISION,
    UNAVAILABLE_DECISION,
    USAGE_TTL_SECONDS,
    Bucket,
    Decision,
    Quota,
    StateError,
    StateUnavailable,
)
from tollway.state.memory import MemoryState
from tollway.state.redis_pipe import RedisPipe

log = logging.getLogger("tollway.state")

OnUnavailable = Literal["open", "closed"]
T = TypeVar("T")

# Errors that mean "Redis cannot answer now"; anything else (a script error) is a bug.
_OUTAGE = (rx.ConnectionError, rx.TimeoutError, rx.ReadOnlyError, OSError, asyncio.TimeoutError)
_ADMIT_SHA = hashlib.sha1(ADMIT_LUA.encode()).hexdigest()
_PACKING_SIZE = 10_000
_ADMIT_ARGS_FIXED = (str(USAGE_TTL_SECONDS), str(int(BUCKET_IDLE_MARGIN_SECONDS)))


class RedisState:
    """The shared backend; ``url`` is ``redis://[:password@]host:port/db``."""

    def __init__(
        self,
        url: str,
        *,
        on_unavailable: OnUnavailable = "open",
        timeout: float = 0.25,
        retry_after: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if on_unavailable not in ("open", "closed"):
            raise StateError(f"on_unavailable must be 'open' or 'closed', not {on_unavailable!r}")
        try:
            self._client: Redis = Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
            )
        except ValueError as exc:
            raise StateError(f"bad Redis URL: {exc}") from None
        self._pipe = RedisPipe.from_pool(
            self._client.connection_pool, timeout=timeout, connect_timeout=timeout, call_timeout=timeout * 4
        )
        self._where = self._pipe.where  # never the password
        self._on_unavailable = on_unavailable
        self._timeout = timeout
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._fallback = MemoryState()
        self._down = False
        self._next_try = 0.0
        # id(buckets) -> (buckets, quota, usage key, packed head, packed tail): see _packed
        self._packing: dict[int, tuple[Sequence[Bucket], Quota | None, str | None, bytes, bytes]] = {}

    async def admit(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> Decision:
        if self._down:
            if self._monotonic() < self._next_try:
                return await self._degraded(buckets, quota, usage_key, now)
            # This request probes Redis; the others meanwhile answer degraded instead of
            # all waiting on a timeout together.
            self._next_try = self._monotonic() + self._retry_after
        try:  # bounded by RedisPipe (see the docstring)
            try:
                reply = await self._pipe.send(self._packed(buckets, quota, usage_key, now))
            except rx.NoScriptError:
                keys, args = _script_input(buckets, quota, usage_key, now)
                reply = await self._pipe.execute("EVAL", ADMIT_LUA, len(keys), *keys, *args)
        except _OUTAGE as exc:
            self._mark_down(exc)
            return await self._degraded(buckets, quota, usage_key, now)
        if self._down:
            await self._mark_up()
        return _decision(reply)

    def _packed(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> bytes:
        """The EVALSHA command, packed. Everything but ``now`` is the same for every request of
        one (buckets, quota, usage key), which the throttle step passes as the same objects: so
        the rest is packed once per such triple, and each request packs only ``now``."""
        found = self._packing.get(id(buckets))
        if found is None or found[0] is not buckets or found[1] is not quota or found[2] != usage_key:
            if len(self._packing) >= _PACKING_SIZE:
                self._packing.clear()
            keys, args = _script_input(buckets, quota, usage_key, now)
            head = [
                b"*%d\r\n" % (3 + len(keys) + len(args)),
                *map(_bulk, ("EVALSHA", _ADMIT_SHA, str(len(keys)))),
            ]
            head += map(_bulk, keys)
            found = (buckets, quota, usage_key, b"".join(head), b"".join(map(_bulk, args[1:])))
            self._packing[id(buckets)] = found
        return found[3] + _bulk(repr(float(now))) + found[4]

    def admit_now(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> Decision | None:
        """Always None: the shared counters are in Redis, one round trip away."""
        return None

    async def usage(self, keys: Sequence[str]) -> dict[str, int]:
        if not keys:
            return {}
        values = await self._admin(lambda: self._client.mget(list(keys)))
        return {key: int(value) if value is not None else 0 for key, value in zip(keys, values, strict=True)}

    async def add_to_quota(self, key: str, delta: int) -> int:
        return int(await self._admin(lambda: self._command("HINCRBY", key, "u", -delta)))

    async def close(self) -> None:
        await self._pipe.close()
        await self._client.aclose()

    @property
    def available(self) -> bool:
        """False while Redis is known to be unreachable."""
        return not self._down

    async def _command(self, *args: str | int) -> Any:
        # redis-py annotates its command methods for the sync and async clients at once
        # (``Awaitable[T] | T``); the raw command keeps this module honestly typed.
        return await self._client.execute_command(*args)  # type: ignore[no-untyped-call]

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        # The socket timeouts bound each read and connect; this bounds the whole call
        # (a host that resolves to several addresses may try each).
        async with asyncio.timeout(self._timeout * 4):
            return await make()

    async def _admin(self, make: Callable[[], Awaitable[T]]) -> T:
        try:
            result = await self._call(make)
        except _OUTAGE as exc:
            self._mark_down(exc)
            raise StateUnavailable(f"Redis at {self._where} is unreachable ({type(exc).__name__})") from None
        await self._mark_up()
        return result

    async def _degraded(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> Decision:
        if self._on_unavailable == "closed":
            return UNAVAILABLE_DECISION
        return await self._fallback.admit(buckets, quota, usage_key, now)

    def _mark_down(self, exc: BaseException) -> None:
        self._next_try = self._monotonic() + self._retry_after
        if self._down:
            return
        self._down = True
        how = "local per-process limits" if self._on_unavailable == "open" else "503 for every request"
        log.warning("Redis at %s is unreachable (%s); using %s", self._where, type(exc).__name__, how)

    async def _mark_up(self) -> None:
        if not self._down:
            return
        self._down = False
        log.warning("Redis at %s is reachable again; limits are shared again", self._where)
        await self._hand_over_usage()

    async def _hand_over_usage(self) -> None:
        """Add the usage counted locally during the outage to Redis (best effort)."""
        counted, self._fallback = self._fallback.take_usage(), MemoryState()
        if not counted:
            return
        pipe = self._client.pipeline(transaction=False)
        for key, count in counted.items():
            pipe.incrby(key, count)
            pipe.expire(key, USAGE_TTL_SECONDS)
        try:
            await self._call(pipe.execute)
        except _OUTAGE as exc:
            log.warning(
                "could not hand %d usage counters over to Redis (%s)", len(counted), type(exc).__name__
            )


def _script_input(
    buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
) -> tuple[list[str], list[str]]:
    keys = [bucket.key for bucket in buckets]
    args = [repr(float(now)), str(len(buckets))]
    if quota is None:
        args += ["0", "0", "", "0"]
    else:
        keys.append(quota.key)
        args += ["1", str(quota.limit), quota.period_key, repr(float(quota.expires_at))]
    if usage_key is None:
        args.append("0")
    else:
        keys.append(usage_key)
        args.append("1")
    args += _ADMIT_ARGS_FIXED
    for bucket in buckets:
        args += [repr(float(bucket.rate)), str(bucket.burst)]
    return keys, args


def _bulk(arg: str) -> bytes:
    """One RESP bulk string."""
    data = arg.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


def _decision(reply: list[int]) -> Decision:
    allowed, reason, has_remaining, remaining = reply
    if reason == 1:
        return THROTTLED_DECISION
    left = remaining if has_remaining else None
    if not allowed:
        return Decision(False, QUOTA_EXCEEDED, left)
    return Decision(True, None, left) if left is not None else ALLOWED
