"""The pooled HTTP/1.1 client of HTTP and HTTP_PROXY integrations, against a real loopback
server whose every answer the test controls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tollway.dataplane.integrations.http import HttpClient
from tollway.dataplane.messages import IntegrationRequest
from tollway.errors import IntegrationFailure, IntegrationTimeout

Answer = Callable[[bytes], bytes | None]


class Backend:
    """A raw HTTP server: ``answer(request_head_and_body)`` gives the bytes to send back
    (None: close the connection without answering)."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0
        self.delay = 0.0
        """Seconds to wait before each answer."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                self.requests.append(head + body)
                reply = self.answer(head + body)
                if reply is None:
                    writer.close()
                    return
                if self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


StartBackend = Callable[[Answer], Awaitable[Backend]]


@pytest.fixture
async def backend() -> AsyncIterator[StartBackend]:
    """Start Backends on free loopback ports; all are stopped after the test."""
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> Backend:
        made = Backend(answer)
        server = await asyncio.start_server(made.handle, "127.0.0.1", 0)
        made.port = server.sockets[0].getsockname()[1]
        servers.append(server)
        return made

    yield start
    for server in servers:
        server.close()


def ok(body: bytes = b"hello", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-Backend: yes\r\n%s\r\n%s" % (len(body), extra, body)


def request(
    port: int, path: str = "/x?a=1", method: str = "GET", body: bytes = b"", timeout: float = 5
) -> IntegrationRequest:
    return IntegrationRequest(method, f"http://127.0.0.1:{port}{path}", [("X-Custom", "v")], body, timeout)


async def test_request_line_headers_body_and_answer() -> None:
    seen: list[bytes] = []
    server = await asyncio.start_server(lambda r, w: _echo_once(r, w, seen), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = HttpClient()
    result = await client.call(request(port, "/a/b?q=1", "POST", b'{"k": 1}'))
    assert (result.status, result.body) == (201, b"created")
    assert ("X-Backend", "yes") in result.headers
    head = seen[0].split(b"\r\n")
    assert head[0] == b"POST /a/b?q=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{port}".encode() in head and b"X-Custom: v" in head
    assert b"Content-Length: 8" in head and seen[0].endswith(b'{"k": 1}')
    await client.close()
    server.close()


async def _echo_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[bytes]) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    body = await reader.readexactly(8)
    seen.append(head + body)
    writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 7\r\nX-Backend: yes\r\n\r\ncreated")
    await writer.drain()
    writer.close()


async def test_keep_alive_reuses_one_connection(backend: StartBackend) -> None:
    server = await backend(lambda _: ok())
    client = HttpClient()
    for _ in range(5):
        assert (await client.call(request(server.port))).body == b"hello"
    assert server.connections == 1
    await client.close()


async def test_chunked_and_close_delimited_bodies(backend: StartBackend) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    server = await backend(lambda _: chunked)
    client = HttpClient()
    assert (await client.call(request(server.port))).body == b"hello world"
    until_close = await backend(lambda _: b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end")
    task = asyncio.create_task(client.call(request(until_close.port)))
    await asyncio.sleep(0.2)
    for writer in until_close.writers:
        writer.close()  # the end of the connection delimits the body
    assert (await task).body == b"to the end"
    await client.close()


async def test_a_pooled_connection_the_backend_closed_is_retried_once(backend: StartBackend) -> None:
    server = await backend(lambda _: ok())
    client = HttpClient()
    await client.call(request(server.port))
    for writer in server.writers:
        writer.close()  # idle keep-alive connection closed by the backend
    await asyncio.sleep(0.1)
    assert (await client.call(request(server.port))).body == b"hello"
    assert server.connections == 2
    await client.close()


async def test_head_answer_has_no_body_even_with_a_content_length(backend: StartBackend) -> None:
    server = await backend(lambda _: b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    client = HttpClient()
    result = await client.call(request(server.port, method="HEAD"))
    assert (result.status, result.body) == (200, b"")
    await client.close()


async def test_a_finished_calls_deadline_never_cuts_the_next_call_on_its_connection(
    backend: StartBackend,
) -> None:
    """Each call has its own timeout: the first call's deadline passes while the second one
    waits on the same pooled connection, and the second is still answered."""
    slow = await backend(lambda _: ok())
    client = HttpClient()
    assert (await client.call(request(slow.port, timeout=0.2))).status == 200
    slow.delay = 0.5
    assert (await client.call(request(slow.port, timeout=5))).status == 200
    assert slow.connections == 1
    await client.close()


async def test_timeout_and_refused_connection_are_gateway_errors(backend: StartBackend) -> None:
    silent = await backend(lambda _: b"")  # reads the request, never answers
    client = HttpClient()
    with pytest.raises(IntegrationTimeout):
        await client.call(request(silent.port, timeout=0.3))
    with pytest.raises(IntegrationFailure):
        await client.call(request(9, timeout=2))  # nothing listens on the discard port
    with pytest.raises(IntegrationFailure):
        await client.call(IntegrationRequest("GET", "ftp://127.0.0.1/x", [], b"", 1))
    await client.close()


async def test_a_failure_never_shows_the_urls_query_or_password(backend: StartBackend) -> None:
    """The detail is logged (``serve -v``): a presigned SigV4 signature or an access_token
    in the query string, or a password in the URL, must not reach the log."""
    silent = await backend(lambda _: b"")
    client = HttpClient()
    secret = "?X-Amz-Signature=0123abcd&access_token=tok-secret"
    with pytest.raises(IntegrationTimeout) as timed_out:
        await client.call(request(silent.port, f"/slow{secret}", timeout=0.3))
    with pytest.raises(IntegrationFailure) as refused:
        await client.call(
            IntegrationRequest("GET", f"http://ann:pw-secret@127.0.0.1:9/x{secret}", [], b"", 2)
        )
    with pytest.raises(IntegrationFailure) as invalid:
        await client.call(IntegrationRequest("GET", f"ftp://ann:pw-secret@127.0.0.1/x{secret}", [], b"", 1))
    await client.close()

    assert timed_out.value.detail == f"GET http://127.0.0.1:{silent.port}/slow?... timed out"
    assert str(refused.value.detail).startswith("GET http://127.0.0.1:9/x?...: ")
    assert str(invalid.value.detail).startswith("invalid endpoint 'ftp://127.0.0.1/x?...': ")
    for error in (timed_out.value, refused.value, invalid.value):
        assert "secret" not in str(error.detail) and "0123abcd" not in str(error.detail)


async def test_a_large_body_goes_out_and_comes_back_byte_for_byte(backend: StartBackend) -> None:
    """Bodies from 64 KiB are written beside their head (one writev), not joined to it."""
    sent = bytes(range(256)) * 4096  # 1 MiB, every byte value
    server = await backend(lambda data: ok(data[data.index(b"\r\n\r\n") + 4 :][::-1]))
    client = HttpClient()
    for size in (len(sent), 64 * 1024, 64 * 1024 - 1):  # around the threshold too
        result = await client.call(request(server.port, "/big", "POST", sent[:size]))
        assert (result.status, result.body) == (200, sent[:size][::-1])
        assert f"Content-Length: {size}\r\n".encode() in server.requests[-1]
    assert server.connections == 1
    await client.close()
