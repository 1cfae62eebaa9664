"""Overload: three times what the machine can carry, for 20 s, gets fast refusals.

The route runs a function that burns 10 ms of CPU per call, so the gateway's function
instances saturate both cores of this machine at a rate a Python client can exceed. The
capacity is measured first (closed loop), then requests are sent at three times that rate
on a fixed schedule (open loop: a slow answer does not slow the sender down, as real
clients do not wait for each other). Every request must get an answer: a 200 or a fast
503, none timing out, and the gateway's memory must not grow with the backlog."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import uvloop

from support import Running, write

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  WorkFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      CodeUri: code/
      Handler: app.handler
      Timeout: 30
      Events:
        Work:
          Type: Api
          Properties: {Path: /work, Method: get}
"""

CODE = """\
import time

def handler(event, context):
    end = time.process_time() + 0.010
    while time.process_time() < end:
        pass
    return {"statusCode": 200, "body": "done"}
"""

OVERLOAD_S = 20.0
FACTOR = 3.0


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


async def get(port: int, path: str) -> int:
    """One GET on a new connection; the answer's status. A bare client, so that the load it
    sends costs this machine little next to what the gateway does with it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        status = await reader.readline()
        await reader.read()  # to the end: the answer is whole
        return int(status.split()[1])
    finally:
        writer.close()


async def capacity(port: int, path: str, clients: int = 16, seconds: float = 3.0) -> float:
    """Answers per second with ``clients`` back-to-back clients (closed loop)."""
    done = 0
    deadline = time.monotonic() + seconds

    async def one() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            assert await get(port, path) == 200
            done += 1

    await asyncio.gather(*(one() for _ in range(clients)))
    return done / seconds


async def storm(port: int, path: str, rate: float, seconds: float) -> list[tuple[float, int | str]]:
    """Send at ``rate`` per second for ``seconds``: (latency from the planned send, status
    or the error's name) for each request, all of them awaited (each at most 30 s)."""
    results: list[tuple[float, int | str]] = []

    async def one(planned: float) -> None:
        try:
            status: int | str = await asyncio.wait_for(get(port, path), 30)
        except (OSError, TimeoutError, ValueError, IndexError) as exc:
            status = type(exc).__name__
        results.append((time.monotonic() - planned, status))

    tasks = []
    start = time.monotonic()
    for n in range(int(rate * seconds)):
        planned = start + n / rate
        delay = planned - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(planned)))
    await asyncio.gather(*tasks)
    return results


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


def test_three_times_capacity_for_20_s_gets_200s_and_fast_503s(
    serve: Callable[..., Running], tmp_path: Path
) -> None:
    (tmp_path / "code").mkdir()
    write(tmp_path / "code" / "app.py", CODE)
    running = serve(str(write(tmp_path / "template.yaml", TEMPLATE)), "--quiet-functions")
    url = f"{running.url}/Prod/work"
    carried = uvloop.run(capacity(running.port, "/Prod/work"))
    rss_before = rss_kb(running.process.pid)
    results = uvloop.run(storm(running.port, "/Prod/work", FACTOR * carried, OVERLOAD_S))
    rss_after = rss_kb(running.process.pid)

    statuses = Counter(status for _, status in results)
    ok = [latency for latency, status in results if status == 200]
    refused = [latency for latency, status in results if status == 503]
    print(
        f"capacity {carried:.0f}/s, sent {len(results)} at {FACTOR * carried:.0f}/s for {OVERLOAD_S:g} s: "
        f"{dict(statuses)}; p99 200 {p99(ok) * 1000:.0f} ms, p99 503 {p99(refused) * 1000:.0f} ms, "
        f"RSS {rss_before // 1024} -> {rss_after // 1024} MB"
    )  # README figures
    assert set(statuses) <= {200, 503}, statuses  # no timeout, no reset, no other error
    assert len(ok) / OVERLOAD_S >= 0.7 * carried  # the machine keeps doing useful work
    assert refused, "three times the capacity was carried: the storm was not one"
    assert p99(refused) < 0.5  # refused at once, not after queueing behind the functions
    assert p99(ok) < 5.0  # an accepted request waits a bounded queue, far from its 30 s timeout
    assert rss_after - rss_before < 50 * 1024
    assert httpx.get(url, timeout=10).status_code == 200  # and it recovers at once
