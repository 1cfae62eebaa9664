"""RedisPipe, the auto-pipelining connection behind ``RedisState.admit``, against real Redis.

Most cases use the shared Redis at 127.0.0.1:6379 (own key prefix, keys deleted afterwards;
without it they fail when CI is set and are skipped otherwise). The AUTH, TLS and unix
socket cases start a private redis-server with the settings they need.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import hiredis
import pytest
import redis
import redis.asyncio

from support import SHARED_REDIS, free_port, shared_redis
from tollway.state import Bucket, Decision, Quota, RedisState
from tollway.state import redis as redis_state
from tollway.state.redis_pipe import RedisPipe, _Connection

REDIS_URL = SHARED_REDIS
T0 = 1_700_000_000.0
DAY_END = T0 + 86_400
WAIT = 30.0  # generous: a loaded 2-core machine


def make_pipe(url: str = REDIS_URL, *, timeout: float = WAIT, call_timeout: float = WAIT) -> RedisPipe:
    pool = redis.asyncio.ConnectionPool.from_url(url)
    return RedisPipe.from_pool(pool, timeout=timeout, connect_timeout=WAIT, call_timeout=call_timeout)


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test on the shared Redis; every db it used is cleaned afterwards."""
    shared_redis().close()
    prefix = f"tollway-test:{uuid.uuid4().hex}:"
    yield prefix
    for db in (0, 3):
        cleaner = redis.asyncio.Redis.from_url(f"redis://127.0.0.1:6379/{db}")
        keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
        if keys:
            await cleaner.delete(*keys)
        await cleaner.aclose()


@pytest.fixture
async def admin() -> AsyncIterator[redis.asyncio.Redis]:
    """A plain redis-py client of the shared Redis, to look behind the pipe's back."""
    client = redis.asyncio.Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    await client.aclose()


async def test_concurrent_admits_each_get_their_own_decision(prefix: str) -> None:
    """200 requests in flight at once: each caller gets the decision of its own quota."""
    state = RedisState(REDIS_URL, on_unavailable="closed", timeout=5.0)
    quotas = [Quota(f"{prefix}q{i}", limit=i + 1, period_key="p", expires_at=DAY_END) for i in range(200)]
    try:
        decisions = await asyncio.gather(*(state.admit([], quota, None, T0) for quota in quotas))
        assert decisions == [Decision(True, None, i) for i in range(200)]
        again = await asyncio.gather(*(state.admit([], quota, None, T0) for quota in quotas[:3]))
        assert again == [
            Decision(False, "QUOTA_EXCEEDED", 0),
            Decision(True, None, 0),
            Decision(True, None, 1),
        ]
    finally:
        await state.close()


async def test_concurrent_commands_get_their_own_replies_even_when_split_across_reads(prefix: str) -> None:
    pipe = make_pipe()
    try:
        counts = [pipe.execute("INCRBY", f"{prefix}n{i}", i) for i in range(300)]
        # Large replies arrive over several reads; the parser resumes where a read ended.
        echoes = [pipe.execute("ECHO", f"{i}:" + "x" * (i * 997)) for i in range(60)]
        replies = await asyncio.gather(*counts, *echoes)
        assert replies[:300] == list(range(300))
        assert replies[300:] == [f"{i}:".encode() + b"x" * (i * 997) for i in range(60)]
    finally:
        await pipe.close()


async def test_an_error_reply_fails_only_its_own_call(prefix: str) -> None:
    pipe = make_pipe()
    try:
        await pipe.execute("SET", prefix + "text", "abc")
        replies = await asyncio.gather(
            pipe.execute("INCR", prefix + "a"),
            pipe.execute("INCR", prefix + "text"),
            pipe.execute("EVALSHA", "0" * 40, 0),
            pipe.execute("INCRBY", prefix + "a", 5),
            pipe.execute("GET", prefix + "text"),
            return_exceptions=True,
        )
        assert replies[0] == 1
        assert isinstance(replies[1], redis.ResponseError)
        assert str(replies[1]) == "value is not an integer or out of range"
        assert isinstance(replies[2], redis.exceptions.NoScriptError)
        assert replies[3:] == [6, b"abc"]
    finally:
        await pipe.close()


async def test_killed_connection_fails_pending_calls_and_the_next_call_reconnects(
    prefix: str, admin: redis.asyncio.Redis
) -> None:
    pipe = make_pipe()
    try:
        first_id = await pipe.execute("CLIENT", "ID")
        # BLPOP holds the connection, so the INCR behind it is still pending when it is killed.
        blocked = asyncio.ensure_future(pipe.execute("BLPOP", prefix + "never", 20))
        behind = asyncio.ensure_future(pipe.execute("INCR", prefix + "n"))
        while "blpop" not in await admin.execute_command("CLIENT", "LIST", "ID", first_id):
            await asyncio.sleep(0.01)
        assert await admin.execute_command("CLIENT", "KILL", "ID", first_id) == 1
        for call in (blocked, behind):
            with pytest.raises(redis.ConnectionError, match=r"Connection to 127\.0\.0\.1:6379 lost"):
                await call
        assert not pipe.connected
        second_id = await pipe.execute("CLIENT", "ID")
        assert second_id != first_id
        assert await pipe.execute("INCR", prefix + "n") == 1  # the killed INCR never ran
    finally:
        await pipe.close()


async def test_a_caller_that_gives_up_does_not_shift_later_replies(
    prefix: str, admin: redis.asyncio.Redis
) -> None:
    pipe = make_pipe()
    try:
        conn_id = await pipe.execute("CLIENT", "ID")
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await pipe.execute("BLPOP", prefix + "list", 20)
        # Queued behind the abandoned BLPOP, answered after it.
        later = [asyncio.ensure_future(pipe.execute("ECHO", f"later-{i}")) for i in range(3)]
        await admin.rpush(prefix + "list", "for-the-caller-that-left")
        assert await asyncio.gather(*later) == [b"later-0", b"later-1", b"later-2"]
        assert await pipe.execute("ECHO", "next") == b"next"
        assert await pipe.execute("CLIENT", "ID") == conn_id  # same connection throughout
    finally:
        await pipe.close()


async def test_a_call_past_its_deadline_fails_alone_and_its_reply_is_dropped(
    prefix: str, admin: redis.asyncio.Redis
) -> None:
    pipe = make_pipe(call_timeout=0.3)
    try:
        conn_id = await pipe.execute("CLIENT", "ID")
        with pytest.raises(redis.TimeoutError, match=r"no reply from 127\.0\.0\.1:6379 in time"):
            await pipe.execute("BLPOP", prefix + "list", 20)
        later = asyncio.ensure_future(pipe.execute("ECHO", "later"))
        await admin.rpush(prefix + "list", "dropped")
        assert await later == b"later"
        assert await pipe.execute("CLIENT", "ID") == conn_id
    finally:
        await pipe.close()


async def test_a_silent_connection_is_dropped_after_timeout_and_the_next_call_reconnects(prefix: str) -> None:
    """As redis-py's socket_timeout: waiting longer than ``timeout`` for any byte ends the connection."""
    pipe = make_pipe(timeout=0.3)
    try:
        conn_id = await pipe.execute("CLIENT", "ID")
        with pytest.raises(redis.TimeoutError, match=r"Timeout reading from 127\.0\.0\.1:6379"):
            await pipe.execute("BLPOP", prefix + "list", 20)
        assert await pipe.execute("CLIENT", "ID") != conn_id
    finally:
        await pipe.close()


async def test_url_db_is_selected(prefix: str) -> None:
    """redis://host:port/3: the counters land in database 3."""
    state = RedisState("redis://127.0.0.1:6379/3", on_unavailable="closed", timeout=5.0)
    db0, db3 = redis.Redis(db=0), redis.Redis(db=3)
    try:
        assert await state.admit([], None, prefix + "usage", T0) == Decision(True)
        assert db3.get(prefix + "usage") == b"1"
        assert db0.get(prefix + "usage") is None
    finally:
        await state.close()
        db0.close()
        db3.close()


async def test_commands_of_one_loop_turn_leave_in_one_write() -> None:
    class Recorder(asyncio.Transport):
        def __init__(self) -> None:
            super().__init__()
            self.writes: list[bytes] = []

        def write(self, data: bytes | bytearray | memoryview) -> None:
            self.writes.append(bytes(data))

    transport = Recorder()
    conn = _Connection(asyncio.get_running_loop(), WAIT, WAIT, "fake")
    conn.connection_made(transport)
    futures = [conn.send(f"*1\r\n$4\r\nPING\r\n#{i}".encode()) for i in range(3)]
    await asyncio.sleep(0)
    futures.append(conn.send(b"next-turn"))
    await asyncio.sleep(0)
    assert transport.writes == [
        b"*1\r\n$4\r\nPING\r\n#0*1\r\n$4\r\nPING\r\n#1*1\r\n$4\r\nPING\r\n#2",
        b"next-turn",
    ]
    conn.data_received(b"+a\r\n+b")
    conn.data_received(b"\r\n-ERR c\r\n:4\r\n")
    assert [f.result() for f in futures[:2]] == [b"a", b"b"]
    assert isinstance(futures[2].exception(), redis.ResponseError)
    assert futures[3].result() == 4


# --- private servers: AUTH, TLS, unix socket --------------------------------------------------


class Server:
    """A throwaway redis-server started with extra arguments."""

    def __init__(self, tmp: Path, *args: str, tls: bool = False, password: str | None = None) -> None:
        self.port = free_port()
        self.password = password
        if password:
            args = ("--requirepass", password, *args)
        self.sock = str(tmp / "redis.sock")
        port_args = ["--port", "0", "--tls-port", str(self.port)] if tls else ["--port", str(self.port)]
        base = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--unixsocket", self.sock]
        self.proc = subprocess.Popen(["redis-server", *port_args, *base, *args], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT
        while not self.ready():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"private redis-server {args} did not start")
            time.sleep(0.05)

    def ready(self) -> bool:
        client = redis.Redis(unix_socket_path=self.sock, password=self.password, socket_timeout=1, retry=None)
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(unix_socket_path=self.sock, db=db, password=self.password, socket_timeout=WAIT)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(WAIT)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed; these cases start their own"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    servers: list[Server] = []

    def start(*args: str, tls: bool = False, password: str | None = None) -> Server:
        server = Server(tmp_path, *args, tls=tls, password=password)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


async def test_password_and_acl_user_are_sent_with_auth(server_factory: Any, caplog: Any) -> None:
    server = server_factory("--user", "alice", "on", ">wonder", "~*", "&*", "+@all", password="s3cret")
    bucket = Bucket("b", rate=0.001, burst=5)
    for url in (
        f"redis://:s3cret@127.0.0.1:{server.port}/3",
        f"redis://alice:wonder@127.0.0.1:{server.port}/3",
    ):
        state = RedisState(url, on_unavailable="closed", timeout=5.0)
        try:
            assert (await state.admit([bucket], None, "u", T0)).allowed
        finally:
            await state.close()
    assert server.client(db=3).get("u") == b"2"

    caplog.set_level(logging.WARNING, logger="tollway.state")
    wrong = RedisState(f"redis://alice:nope@127.0.0.1:{server.port}/3", on_unavailable="closed", timeout=5.0)
    try:
        assert await wrong.admit([bucket], None, "u", T0) == Decision(False, "UNAVAILABLE")
    finally:
        await wrong.close()
    assert [r.getMessage() for r in caplog.records if r.name == "tollway.state"] == [
        f"Redis at 127.0.0.1:{server.port} is unreachable (AuthenticationError); using 503 for every request"
    ]


async def test_fresh_server_concurrent_admits_all_fall_back_from_noscript_to_eval(
    server_factory: Any,
) -> None:
    server = server_factory()
    state = RedisState(f"redis://127.0.0.1:{server.port}/0", on_unavailable="closed", timeout=5.0)
    quotas = [Quota(f"q{i}", limit=10, period_key="p", expires_at=DAY_END) for i in range(20)]
    try:
        decisions = await asyncio.gather(*(state.admit([], q, None, T0) for q in quotas))
        assert decisions == [Decision(True, None, 9)] * 20
    finally:
        await state.close()


async def test_unix_socket_url(server_factory: Any) -> None:
    server = server_factory()
    state = RedisState(f"unix://{server.sock}?db=2", on_unavailable="closed", timeout=5.0)
    try:
        assert await state.admit([], None, "u", T0) == Decision(True)
        assert server.client(db=2).get("u") == b"1"
    finally:
        await state.close()


async def test_rediss_url_speaks_tls_and_checks_the_certificate(server_factory: Any, tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed; it makes the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
            ),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    tls = ["--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-auth-clients", "no"]
    server = server_factory(*tls, tls=True)
    good = RedisState(
        f"rediss://127.0.0.1:{server.port}/0?ssl_ca_certs={cert}", on_unavailable="closed", timeout=5.0
    )
    untrusted = RedisState(f"rediss://127.0.0.1:{server.port}/0", on_unavailable="closed", timeout=5.0)
    try:
        assert await good.admit([], None, "u", T0) == Decision(True)
        assert await untrusted.admit([], None, "u", T0) == Decision(False, "UNAVAILABLE")
        assert server.client().get("u") == b"1"
    finally:
        await good.close()
        await untrusted.close()


def test_the_packed_admit_is_what_hiredis_packs_and_follows_its_limits() -> None:
    state = RedisState(REDIS_URL)  # nothing connects until a command is sent
    buckets = [Bucket("k:a", 5.0, 10), Bucket("k:b", 0.5, 1)]
    quota = Quota("q:a", 100, "2026-12-04", DAY_END)
    for limits in ((buckets, quota, "u:a"), (buckets, None, None), ([Bucket("k:c", 2.0, 3)], quota, "u:b")):
        for now in (T0, T0 + 0.125, T0 + 1e-7):
            keys, args = redis_state._script_input(*limits, now)
            expected = hiredis.pack_command(("EVALSHA", redis_state._ADMIT_SHA, len(keys), *keys, *args))  # type: ignore[arg-type]
            assert state._packed(*limits, now) == expected
