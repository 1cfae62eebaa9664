"""RedisState through a Redis outage: a private redis-server is killed mid-run and restarted.

The shared Redis on 6379 is never touched. The private server starts with an empty script
cache, so the first admit also exercises the EVALSHA -> NOSCRIPT -> EVAL path.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import pytest

from support import PrivateRedis
from tollway.state import Bucket, Decision, RedisState, StateUnavailable

T0 = 1_700_000_000.0
WAIT = 30.0  # generous: a loaded 2-core machine


async def admit_n(state: RedisState, times: int, bucket: Bucket, usage: str | None = None) -> list[bool]:
    return [(await state.admit([bucket], None, usage, T0)).allowed for _ in range(times)]


async def test_fail_open_keeps_admitting_by_local_limits_and_shares_again_after_recovery(
    private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    state = RedisState(private_redis.url, on_unavailable="open", retry_after=0.0)
    bucket = Bucket("b", rate=0.001, burst=3)
    caplog.set_level(logging.WARNING, logger="tollway.state")
    try:
        assert await admit_n(state, 2, bucket, "u") == [True, True]

        private_redis.kill()
        # Local limits: this process's own bucket, starting full.
        assert await admit_n(state, 4, bucket, "u") == [True, True, True, False]
        with pytest.raises(
            StateUnavailable, match=rf"Redis at 127.0.0.1:{private_redis.port} is unreachable"
        ):
            await state.usage(["u"])
        unreachable = [r for r in caplog.records if "is unreachable" in r.getMessage()]
        assert len(unreachable) == 1

        private_redis.start()  # same port, empty data
        assert await admit_n(state, 4, bucket, "u") == [True, True, True, False]
        assert private_redis.bucket_exists("b")
        # The 3 requests metered locally during the outage were handed over to Redis.
        assert await state.usage(["u"]) == {"u": 6}
        assert [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()] == [
            f"Redis at 127.0.0.1:{private_redis.port} is reachable again; limits are shared again"
        ]
    finally:
        await state.close()


async def test_fail_closed_answers_unavailable_then_recovers(private_redis: PrivateRedis) -> None:
    """Fail closed: while Redis is down every request is refused as UNAVAILABLE (the gateway's 503)."""
    state = RedisState(private_redis.url, on_unavailable="closed", retry_after=0.0)
    bucket = Bucket("b", rate=0.001, burst=5)
    try:
        assert await admit_n(state, 1, bucket) == [True]
        private_redis.kill()
        assert [await state.admit([bucket], None, None, T0) for _ in range(2)] == [
            Decision(False, "UNAVAILABLE", None)
        ] * 2
        assert not state.available
        private_redis.start()
        assert await admit_n(state, 1, bucket) == [True]
        assert state.available
    finally:
        await state.close()


async def test_stalled_redis_times_out_instead_of_hanging(private_redis: PrivateRedis) -> None:
    """A Redis that accepts but never answers (stopped process) costs a short timeout, not a hung request."""
    state = RedisState(private_redis.url, on_unavailable="closed", retry_after=0.0)
    bucket = Bucket("b", rate=0.001, burst=5)
    assert private_redis.proc is not None
    try:
        assert await admit_n(state, 1, bucket) == [True]
        private_redis.proc.send_signal(signal.SIGSTOP)
        stalled = await asyncio.wait_for(state.admit([bucket], None, None, T0), WAIT)
        assert stalled == Decision(False, "UNAVAILABLE", None)
        private_redis.proc.send_signal(signal.SIGCONT)
        assert await asyncio.wait_for(admit_n(state, 1, bucket), WAIT) == [True]
    finally:
        private_redis.proc.send_signal(signal.SIGCONT)
        await state.close()
