"""Usage plans are exact across processes: two `tollway serve` sharing one store and one Redis.

Issue 6 item 7: a plan of 100 rps / burst 100 admits burst + rate x seconds within -2%/+5%,
and a quota of N admits exactly N across both processes. Needs the Redis at 127.0.0.1:6379
(fails in CI without it, skips elsewhere).

The load comes from 50 httpx clients, each with its own connection, created and warmed
before the clock starts: building 50 clients takes about a second of CPU here, and a client
that stalls for longer than burst / rate seconds leaves tokens unspent (the bucket is full),
which would measure the load generator rather than the gateway.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from support import SHARED_REDIS, Running, keyed_mock_api, run_cli, shared_redis

REDIS = SHARED_REDIS
VALUE = "accuracy-test-key-" + "x" * 16


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = shared_redis()
    yield client
    client.close()


def _cli(store: str, *args: str) -> str:
    done = run_cli("--store", store, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _two_servers(serve: Any, tmp_path: Path, *plan: str) -> tuple[list[Running], str]:
    store = f"sqlite:///{tmp_path}/shared.db"
    api = str(keyed_mock_api(tmp_path, "accuracy"))
    servers = [serve(api, "--state", REDIS, store=store) for _ in range(2)]
    api_id = _cli(store, "apis", "list").split()[0]
    key_id = _cli(store, "keys", "create", "buyer", "--value", VALUE).split()[0]
    plan_id = _cli(store, "plans", "create", "gold", "--stage", f"{api_id}:prod", *plan).split()[0]
    _cli(store, "plans", "add-key", plan_id, key_id)
    return servers, plan_id


def _ready(servers: list[Running], plan_id: str, redis_client: redis.Redis) -> None:
    """Wait until both servers know the key, then reset the plan's counters in Redis."""
    deadline = time.monotonic() + 15
    for server in servers:
        while httpx.get(f"{server.url}/prod/paid", headers={"x-api-key": VALUE}).status_code != 200:
            assert time.monotonic() < deadline, "a server did not pick up the key"
            time.sleep(0.2)
    _clear(redis_client, plan_id)


def _clear(redis_client: redis.Redis, plan_id: str) -> None:
    for pattern in (f"t:{plan_id}:*", f"quota:{plan_id}:*", f"usage:{plan_id}:*"):
        for key in redis_client.scan_iter(pattern):
            redis_client.delete(key)


async def _load(urls: list[str], clients: int, seconds: float, reset: Callable[[], None]) -> tuple[int, int]:
    """Requests from ``clients`` concurrent clients (alternating between ``urls``) for
    ``seconds``, counted from the moment ``reset`` has run; returns (accepted, rejected)."""
    accepted = rejected = 0
    https = [httpx.AsyncClient(timeout=10) for _ in range(clients)]
    try:
        await asyncio.gather(
            *(http.get(urls[n % len(urls)], headers={"x-api-key": VALUE}) for n, http in enumerate(https))
        )
        reset()
        stop = time.monotonic() + seconds

        async def client(n: int, http: httpx.AsyncClient) -> None:
            nonlocal accepted, rejected
            while time.monotonic() < stop:
                answer = await http.get(urls[n % len(urls)], headers={"x-api-key": VALUE})
                if answer.status_code == 200:
                    accepted += 1
                else:
                    assert answer.status_code == 429, answer.text
                    rejected += 1

        await asyncio.gather(*(client(n, http) for n, http in enumerate(https)))
    finally:
        await asyncio.gather(*(http.aclose() for http in https))
    return accepted, rejected


def test_a_plan_of_100_rps_burst_100_admits_its_rate_across_both_processes(
    serve: Any, tmp_path: Path, redis_client: redis.Redis
) -> None:
    servers, plan_id = _two_servers(serve, tmp_path, "--rate", "100", "--burst", "100")
    seconds = 10.0
    try:
        _ready(servers, plan_id, redis_client)
        urls = [f"{s.url}/prod/paid" for s in servers]
        accepted, rejected = asyncio.run(_load(urls, 50, seconds, lambda: _clear(redis_client, plan_id)))
        expected = 100 + 100 * seconds  # the full bucket, then the refill
        assert rejected > accepted, "the load did not exceed the plan, so it measures nothing"
        assert expected * 0.98 <= accepted <= expected * 1.05, (accepted, expected)
        counted = sum(int(redis_client.get(key) or 0) for key in redis_client.scan_iter(f"usage:{plan_id}:*"))
        assert counted == accepted
    finally:
        _clear(redis_client, plan_id)


def test_a_quota_of_n_admits_exactly_n_across_both_processes(
    serve: Any, tmp_path: Path, redis_client: redis.Redis
) -> None:
    servers, plan_id = _two_servers(serve, tmp_path, "--quota-limit", "50", "--quota-period", "DAY")
    try:
        _ready(servers, plan_id, redis_client)
        urls = [f"{s.url}/prod/paid" for s in servers]
        accepted, rejected = asyncio.run(_load(urls, 50, 3.0, lambda: _clear(redis_client, plan_id)))
        assert accepted == 50
        assert rejected > 0
    finally:
        _clear(redis_client, plan_id)
