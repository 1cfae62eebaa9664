"""A Redis outage under a running `tollway serve --state redis://...`: a private redis-server
(never the shared one on 6379) is killed mid-run, then started again on the same port.

``--state-unavailable closed`` answers 503 while Redis is away; ``open`` keeps serving with
local limits. Both recover once Redis answers again, and in open mode the usage counted
during the outage reaches Redis then.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import redis

from support import PrivateRedis, Running, keyed_mock_api, run_cli

VALUE = "outage-test-key-" + "o" * 20
WAIT = 30.0


def _start(serve: Any, tmp_path: Path, private_redis: PrivateRedis, mode: str) -> tuple[Running, str]:
    server = serve(
        str(keyed_mock_api(tmp_path, "outage")), "--state", private_redis.url, "--state-unavailable", mode
    )
    store = server.store

    def cli(*args: str) -> str:
        done = run_cli("--store", store, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    api_id = cli("apis", "list").split()[0]
    key_id = cli("keys", "create", "buyer", "--value", VALUE).split()[0]
    plan_id = cli("plans", "create", "gold", "--stage", f"{api_id}:prod", "--rate", "1000", "--burst", "1000")
    cli("plans", "add-key", plan_id.split()[0], key_id)
    _until(server, 200)
    return server, plan_id.split()[0]


def _get(server: Running) -> int:
    return httpx.get(f"{server.url}/prod/paid", headers={"x-api-key": VALUE}, timeout=10).status_code


def _until(server: Running, status: int) -> None:
    deadline = time.monotonic() + WAIT
    while (got := _get(server)) != status:
        assert time.monotonic() < deadline, f"still {got}, waiting for {status}"
        time.sleep(0.1)


def _usage(private_redis: PrivateRedis, plan_id: str) -> int:
    client = redis.Redis(port=private_redis.port, socket_timeout=5)
    try:
        return sum(int(client.get(key) or 0) for key in client.scan_iter(f"usage:{plan_id}:*"))
    finally:
        client.close()


def test_fail_closed_answers_503_during_the_outage_and_recovers(
    serve: Any, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    server, _ = _start(serve, tmp_path, private_redis, "closed")
    private_redis.kill()
    answer = httpx.get(f"{server.url}/prod/paid", headers={"x-api-key": VALUE}, timeout=10)
    assert answer.status_code == 503
    assert answer.json() == {"message": "Service Unavailable"}
    assert _get(server) == 503
    private_redis.start()
    _until(server, 200)  # retried at most once a second; the first success switches back


def test_fail_open_keeps_serving_and_hands_the_outage_usage_to_redis_when_it_returns(
    serve: Any, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    server, plan_id = _start(serve, tmp_path, private_redis, "open")
    private_redis.kill()
    assert [_get(server) for _ in range(5)] == [200] * 5  # local limits
    private_redis.start()  # empty: no persistence, so only the outage's usage can arrive
    deadline = time.monotonic() + WAIT
    served_after = 0
    while _usage(private_redis, plan_id) < 5 + served_after:
        assert time.monotonic() < deadline, "the outage's usage never reached Redis"
        assert _get(server) == 200
        served_after += 1
        time.sleep(0.2)
    assert _usage(private_redis, plan_id) == 5 + served_after
    out, err = server.stop()[1:]
    assert "is unreachable (" in err and "); using local per-process limits" in err
    assert "is reachable again; limits are shared again" in err
    assert VALUE not in out + err
