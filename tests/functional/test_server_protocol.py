"""The HTTP/1.1 protocol in-process on a real loopback socket, spoken to in raw bytes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tollway.dataplane.app import Gateway
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult
from tollway.dataplane.server import HttpProtocol, ServerState
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import compile_stage
from tollway.model import Deployment, Integration, Method, Resource, RestApi, Stage

API_ID = "srvsrvsrv0"
TOO_LONG = (413, b'{"message":"Request Too Long"}')
BAD_REQUEST = (400, b'{"message":"Bad Request"}')


class Echo:
    """HTTP_PROXY transport answering ``METHOD URL SIZE``; a URL containing ``hold`` waits on
    ``release``; one containing ``mirror`` answers the request's body."""

    def __init__(self) -> None:
        self.requests: list[IntegrationRequest] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        self.requests.append(request)
        if "hold" in request.url:
            self.entered.set()
            await self.release.wait()
        if "slow" in request.url:
            await asyncio.sleep(0.05)
        body = f"{request.method} {request.url} {len(request.body)}".encode()
        if "mirror" in request.url:
            body = request.body
        return IntegrationResult(200, [("Content-Type", "text/plain")], body)


@dataclass
class Running:
    port: int
    state: ServerState
    echo: Echo
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A client connection, closed by the fixture after the test."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writers.append(writer)
        return reader, writer

    async def close_clients(self) -> None:
        for writer in self.writers:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def gateway_with(echo: Echo) -> Gateway:
    integration = Integration(
        type="HTTP_PROXY",
        http_method="ANY",
        uri="http://backend/{proxy}",
        request_parameters={"integration.request.path.proxy": "method.request.path.proxy"},
    )
    api = RestApi(
        id=API_ID,
        name="srv",
        resources=(Resource("/{proxy+}", {"ANY": Method("ANY", integration=integration)}),),
    )
    served = compile_stage(Stage(API_ID, "prod", "d1"), Deployment("d1", API_ID, 0.0, api))
    gateway = Gateway(Services(integrations={"HTTP_PROXY": echo}, clock=lambda: 0.0))
    gateway.load([served])
    return gateway


@pytest.fixture
async def server() -> AsyncIterator[Running]:
    echo = Echo()
    gateway, state = gateway_with(echo), ServerState()
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: HttpProtocol(gateway, state), "127.0.0.1", 0)
    running = Running(srv.sockets[0].getsockname()[1], state, echo)
    yield running
    echo.release.set()
    await running.close_clients()
    srv.close()
    await asyncio.wait_for(srv.wait_closed(), 5)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = dict(line.split(": ", 1) for line in lines[1:] if line)
    headers = {name.lower(): value for name, value in headers.items()}
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 5)
    return status, headers, body


async def closed(reader: asyncio.StreamReader) -> bool:
    """True when the server closed the connection (EOF with nothing more sent)."""
    return await asyncio.wait_for(reader.read(), 5) == b""


def get(path: str, version: str = "1.1", extra: str = "") -> bytes:
    return f"GET /prod/{path} HTTP/{version}\r\nHost: localhost\r\n{extra}\r\n".encode()


async def test_keep_alive_serves_two_sequential_requests_on_one_connection(server: Running) -> None:
    reader, writer = await server.connect()
    writer.write(get("first"))
    status, headers, body = await read_response(reader)
    assert (status, body) == (200, b"GET http://backend/first 0")
    assert "connection" not in headers
    writer.write(b"POST /prod/second HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc")
    assert (await read_response(reader))[::2] == (200, b"POST http://backend/second 3")
    assert len(server.state.connections) == 1


@pytest.mark.parametrize(("version", "extra"), [("1.0", ""), ("1.1", "Connection: close\r\n")])
async def test_request_without_keep_alive_is_answered_then_closed(
    server: Running, version: str, extra: str
) -> None:
    reader, writer = await server.connect()
    writer.write(get("once", version, extra))
    status, headers, body = await read_response(reader)
    assert (status, headers["connection"], body) == (200, "close", b"GET http://backend/once 0")
    assert await closed(reader)


async def test_http_1_0_keep_alive_request_is_told_the_connection_persists(server: Running) -> None:
    reader, writer = await server.connect()
    writer.write(get("ka", "1.0", "Connection: keep-alive\r\n"))
    _, headers, _ = await read_response(reader)
    assert headers.get("connection", "").lower() == "keep-alive"


async def test_pipelined_requests_in_one_write_are_answered_in_order(server: Running) -> None:
    reader, writer = await server.connect()
    writer.write(get("slow-1") + get("2") + get("slow-3"))
    bodies = [(await read_response(reader))[2] for _ in range(3)]
    assert bodies == [
        b"GET http://backend/slow-1 0",
        b"GET http://backend/2 0",
        b"GET http://backend/slow-3 0",
    ]


@pytest.mark.parametrize("line", [b"\x00\x01garbage\r\n\r\n", b"GET /prod/a HTTP/1.1 extra\r\n\r\n"])
async def test_malformed_request_line_answers_400_and_closes(server: Running, line: bytes) -> None:
    reader, writer = await server.connect()
    writer.write(line)
    status, headers, body = await read_response(reader)
    assert ((status, body), headers["connection"]) == (BAD_REQUEST, "close")
    assert await closed(reader)
    assert server.echo.requests == []


async def test_requests_before_a_malformed_one_are_still_answered(server: Running) -> None:
    reader, writer = await server.connect()
    writer.write(get("1") + get("2") + b"\x00garbage\r\n\r\n")
    statuses = [(await read_response(reader))[0] for _ in range(3)]
    assert statuses == [200, 200, 400]


async def test_content_length_over_10_mb_answers_413_request_too_long_and_closes(server: Running) -> None:
    """Rejected as soon as the headers announce more than 10 MB; the backend is never called."""
    reader, writer = await server.connect()
    writer.write(b"POST /prod/big HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10485761\r\n\r\n")
    status, headers, body = await read_response(reader)
    assert ((status, body), headers["connection"]) == (TOO_LONG, "close")
    assert await closed(reader)
    assert server.echo.requests == []


def over_10_mb(chunked: bool) -> bytes:
    size = 11 * 1024 * 1024
    head = b"POST /prod/big HTTP/1.1\r\nHost: localhost\r\n"
    if not chunked:
        return head + b"Content-Length: %d\r\n\r\n" % size + b"x" * size
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
    return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunk * 11 + b"0\r\n\r\n"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_client_sending_a_whole_body_over_10_mb_reads_the_413(server: Running, chunked: bool) -> None:
    reader, writer = await server.connect()
    writer.write(over_10_mb(chunked))
    assert (await read_response(reader))[::2] == TOO_LONG


async def test_body_of_exactly_10_mb_is_accepted(server: Running) -> None:
    reader, writer = await server.connect()
    size = 10 * 1024 * 1024
    writer.write(b"PUT /prod/max HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % size)
    writer.write(b"y" * size)
    assert (await read_response(reader))[::2] == (200, b"PUT http://backend/max %d" % size)


async def test_a_large_response_arrives_whole_and_in_order_with_the_next(server: Running) -> None:
    """From 64 KiB a response body is written beside its head, not copied after it."""
    reader, writer = await server.connect()
    sent = bytes(range(256)) * 4096  # 1 MiB
    writer.write(b"PUT /prod/mirror HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % len(sent))
    writer.write(sent + get("after"))  # pipelined behind it
    status, headers, body = await read_response(reader)
    assert (status, headers["content-length"], body == sent) == (200, str(len(sent)), True)
    assert (await read_response(reader))[::2] == (200, b"GET http://backend/after 0")


@pytest.mark.parametrize("where", ["header", "url"])
async def test_request_line_and_headers_over_10240_bytes_answer_431(server: Running, where: str) -> None:
    reader, writer = await server.connect()
    big = "a" * 10300
    request = get(f"x?q={big}") if where == "url" else get("x", extra=f"X-Big: {big}\r\n")
    writer.write(request)
    status, _, body = await read_response(reader)
    assert (status, body) == (431, b'{"message":"Request Header Fields Too Large"}')
    assert await closed(reader)


async def test_headers_just_under_the_limit_are_accepted(server: Running) -> None:
    reader, writer = await server.connect()
    writer.write(get("x", extra=f"X-Big: {'a' * 9000}\r\n"))
    assert (await read_response(reader))[0] == 200
    assert server.echo.requests[0].headers[0] == ("X-Big", "a" * 9000)


async def test_chunked_request_body_is_reassembled_across_writes(server: Running) -> None:
    reader, writer = await server.connect()
    parts = [
        b"POST /prod/c HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"4\r\nWi",
        b"ki\r\n5\r\npedia\r\n",
        b"0\r\n\r\n",
    ]
    for part in parts:
        writer.write(part)
        await writer.drain()
        await asyncio.sleep(0.01)
    assert (await read_response(reader))[::2] == (200, b"POST http://backend/c 9")
    forwarded = server.echo.requests[0]
    assert forwarded.body == b"Wikipedia"
    # Host and Transfer-Encoding are not forwarded
    assert [name for name, _ in forwarded.headers] == [
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Port",
        "X-Amzn-Apigateway-Api-Id",
        "X-Amzn-Trace-Id",
    ]


async def test_drain_finishes_the_request_in_flight_and_closes_idle_connections(server: Running) -> None:
    busy_reader, busy_writer = await server.connect()
    idle_reader, _ = await server.connect()
    busy_writer.write(get("hold"))
    await asyncio.wait_for(server.echo.entered.wait(), 5)
    for _ in range(100):  # the idle connection is accepted on a later loop turn
        if len(server.state.connections) == 2:
            break
        await asyncio.sleep(0.01)
    assert len(server.state.connections) == 2
    drain = asyncio.create_task(server.state.drain(timeout=5))
    # Idle for less than a second: its client may be sending a request right now, so it is
    # left open (it would get Connection: close); the sweep's clock moving on closes it.
    await asyncio.sleep(0.3)
    assert not idle_reader.at_eof()
    server.state.tick += 2
    assert await closed(idle_reader)
    assert not drain.done()
    server.echo.release.set()
    assert (await read_response(busy_reader))[::2] == (200, b"GET http://backend/hold 0")
    assert await closed(busy_reader)
    await asyncio.wait_for(drain, 5)
    assert server.state.connections == set()


async def test_request_arriving_during_drain_is_answered_with_connection_close(server: Running) -> None:
    reader, writer = await server.connect()
    writer.write(get("hold"))
    await asyncio.wait_for(server.echo.entered.wait(), 5)
    drain = asyncio.create_task(server.state.drain(timeout=5))
    writer.write(get("late"))  # pipelined behind the request in flight
    await asyncio.sleep(0.05)
    server.echo.release.set()
    assert (await read_response(reader))[0] == 200
    status, headers, body = await read_response(reader)
    assert (status, headers["connection"], body) == (200, "close", b"GET http://backend/late 0")
    assert await closed(reader)
    await asyncio.wait_for(drain, 5)
