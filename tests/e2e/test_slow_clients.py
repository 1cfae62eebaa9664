"""Slow, idle and too many clients against the real `tollway serve`: read timeouts per phase
of a request, the keep-alive idle timeout, the per-worker connection cap, and a slowloris
attack of 2,000 connections while legitimate traffic goes on."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from support import Running, Upstream, write

HEAD = b"GET /prod/mock HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def _api(folder: Path, upstream: Upstream) -> Path:
    mock = {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{}"}}},
    }
    proxy = {"type": "http_proxy", "httpMethod": "ANY", "uri": upstream.url + "/{proxy}"}
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "slow", "version": "1"},
        "paths": {
            "/mock": {
                "get": {"x-amazon-apigateway-integration": mock},
                "post": {"x-amazon-apigateway-integration": mock},
            },
            "/up/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": proxy}},
        },
    }
    return write(folder / "api.json", json.dumps(doc))


@pytest.fixture
def short(serve: Callable[..., Running], tmp_path: Path, upstream: Upstream) -> Running:
    """A gateway whose read and idle timeouts are 1 s each and which holds 8 connections."""
    return serve(
        str(_api(tmp_path, upstream)),
        "--header-timeout", "1",
        "--body-timeout", "1",
        "--keep-alive-timeout", "1",
        "--max-connections", "8",
    )  # fmt: skip


def closed_after(sock: socket.socket, limit_s: float, trickle: bytes = b"") -> float:
    """Seconds until the server closes ``sock`` (reading and dropping what it answers);
    with ``trickle``, one byte of it is sent every 0.25 s meanwhile. Fails past ``limit_s``."""
    start = time.monotonic()
    sock.settimeout(0.25)
    sent = 0
    while time.monotonic() - start < limit_s:
        try:
            if not sock.recv(65536):
                return time.monotonic() - start
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - start
        if trickle:
            try:
                sock.sendall(trickle[sent % len(trickle) : sent % len(trickle) + 1])
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - start
            sent += 1
    raise AssertionError(f"the connection was still open after {limit_s} s")


def test_a_head_that_trickles_in_is_cut_off_at_the_header_timeout(short: Running) -> None:
    """A byte every 0.25 s is progress to a naive read timeout; the head's deadline runs from
    its first byte."""
    with socket.create_connection(("127.0.0.1", short.port)) as sock:
        sock.sendall(HEAD[:5])
        took = closed_after(sock, 8, trickle=b"X-Slow: " + b"a" * 200)
    assert 0.9 < took < 4


def test_a_stalled_body_is_cut_off_at_the_body_timeout(short: Running) -> None:
    with socket.create_connection(("127.0.0.1", short.port)) as sock:
        sock.sendall(b"POST /prod/mock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nab")
        took = closed_after(sock, 8)
    assert 0.9 < took < 4


def test_an_idle_keep_alive_connection_is_closed_and_a_busy_one_is_not(short: Running) -> None:
    with (
        socket.create_connection(("127.0.0.1", short.port), timeout=5) as busy,
        socket.create_connection(("127.0.0.1", short.port), timeout=5) as idle,
    ):
        idle.sendall(HEAD + b"\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        for _ in range(8):  # 4 s of a request every 0.5 s on the one busy connection
            busy.sendall(HEAD + b"\r\n")
            assert busy.recv(65536).startswith(b"HTTP/1.1 200 ")
            time.sleep(0.5)
        took = closed_after(idle, 1) + (time.monotonic() - started)
    assert took < 5


def test_a_slow_answer_is_not_cut_by_the_read_timeouts(short: Running) -> None:
    with httpx.Client(base_url=short.url, timeout=10) as client:
        response = client.get("/prod/up/slow/3000")
    assert response.status_code == 200


def test_connections_over_the_cap_get_503_and_the_cap_frees_as_they_close(short: Running) -> None:
    held = [socket.create_connection(("127.0.0.1", short.port)) for _ in range(8)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", short.port), timeout=5) as over:
            over.sendall(HEAD + b"\r\n")
            answer = over.recv(65536)
            assert answer.startswith(b"HTTP/1.1 503 ")
            assert b"connection: close" in answer
        held.pop().close()
        time.sleep(0.2)
        with httpx.Client(base_url=short.url) as client:
            assert client.get("/prod/mock").status_code == 200
    finally:
        for sock in held:
            sock.close()


SLOWLORIS = textwrap.dedent(
    """
    import asyncio, sys, time
    port, connections, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    head = b"GET /prod/mock HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nX-Slow: " + b"a" * 10_000
    opened = cut = 0

    async def one(deadline):
        global opened, cut
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.5)
                continue
            opened += 1
            try:
                for i in range(len(head)):
                    if time.monotonic() >= deadline:
                        break
                    writer.write(head[i : i + 1])
                    await writer.drain()
                    try:
                        if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                            cut += 1
                            break
                    except asyncio.TimeoutError:
                        pass
            except OSError:
                cut += 1
            writer.close()

    async def main():
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(one(deadline) for _ in range(connections)))
        print(opened, cut, flush=True)

    asyncio.run(main())
    """
)


def _get_once(port: int) -> bool:
    """One GET on a connection of its own (as a browser's first request), read to the end."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(HEAD + b"Connection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except OSError:
        return False
    return answer.startswith(b"HTTP/1.1 200 ")


def _legit(port: int, rate: float, seconds: float) -> tuple[int, int, float]:
    """(answered 200, sent, p99 s) of ``rate`` requests a second for ``seconds``."""
    latencies = []
    ok = sent = 0
    start = time.monotonic()
    while (now := time.monotonic()) - start < seconds:
        sent += 1
        ok += _get_once(port)
        latencies.append(time.monotonic() - now)
        time.sleep(max(0.0, start + sent / rate - time.monotonic()))
    latencies.sort()
    return ok, sent, latencies[int(len(latencies) * 0.99) - 1]


def test_slowloris_of_2000_connections_leaves_legitimate_traffic_served(
    serve: Callable[..., Running], tmp_path: Path, upstream: Upstream
) -> None:
    """2,000 connections each sending a byte of an endless head a second, for 14 s: the
    header timeout (here 5 s) cuts them and they come back; 100 requests a second of
    legitimate traffic meanwhile keep >= 99.9% success and p99 < 2x what they had alone."""
    gateway = serve(str(_api(tmp_path, upstream)), "--header-timeout", "5")
    _legit(gateway.port, 100, 1)  # warm
    _, _, alone_p99 = _legit(gateway.port, 100, 3)
    attack = subprocess.Popen(
        [sys.executable, "-c", SLOWLORIS, str(gateway.port), "2000", "14"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)  # all 2,000 open and trickling
        ok, sent, attacked_p99 = _legit(gateway.port, 100, 10)
        out, _ = attack.communicate(timeout=60)
    finally:
        attack.kill()
    opened, cut = (int(n) for n in out.split())
    print(  # the README's Reliability figures come from this line (pytest -rP)
        f"slowloris: {opened} connections opened, {cut} cut; legitimate {ok}/{sent} answered 200, "
        f"p99 {alone_p99 * 1000:.1f} ms alone, {attacked_p99 * 1000:.1f} ms under attack"
    )
    assert opened >= 2000
    assert cut >= 2000  # every one of the first wave was cut by the gateway
    assert ok >= 0.999 * sent, f"{sent - ok} of {sent} legitimate requests failed"
    assert attacked_p99 < 2 * max(alone_p99, 0.002), (alone_p99, attacked_p99)
    assert gateway.process.poll() is None
