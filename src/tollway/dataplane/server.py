"""HTTP/1.1 server: an asyncio protocol over httptools (llhttp), hand-written for the hot path.

Keep-alive and pipelining: requests on one connection are answered strictly in order by one
task per connection. Limits as API Gateway: a body over 10 MB gets 413, a request line plus
headers over 10,240 bytes gets 431; both close the connection.

Framing is strict, because a request two parsers could split differently is how requests are
smuggled past a gateway: llhttp refuses Content-Length beside Transfer-Encoding, duplicate or
malformed lengths, obfuscated codings, bare LF and obsolete folding, and this module refuses
what llhttp lets through (a target not in origin form, HTTP/0.9 and versions other than 1.x,
Transfer-Encoding in HTTP/1.0, an HTTP/1.1 request without exactly one Host, more than one
Content-Type). Each refusal is one 400 (505 for a version) and a closed connection: nothing
after it is read as a request. Content-Type is a singleton (RFC 9110 5.3, 8.3) that decides
which model validates the body: with two, the gateway and the backend could each read another
one, and a body validated as text reach a backend that parses it as JSON.
An ``Upgrade`` the gateway does not speak is ignored (RFC 9110 7.8): the request is answered
in HTTP/1.1 and the connection closed, since llhttp stops parsing after it.

Slow and idle clients (``ConnectionLimits``): a request head must arrive whole within
``header_timeout_s`` of its first byte, a body must keep coming (``body_timeout_s`` at most
between reads), a keep-alive connection idle for ``keep_alive_timeout_s`` is closed, and a
worker holding ``max_connections`` answers more with 503 and closes them. One sweep a second
per worker enforces the timeouts: a connection only writes the sweep's tick on progress, so
the request path arms no timer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast

import httptools

from tollway.dataplane.app import Gateway
from tollway.dataplane.constants import MAX_BODY_BYTES, MAX_HEADER_BYTES
from tollway.dataplane.messages import Request, Response

log = logging.getLogger("tollway.server")

_NOT_BEGUN: Any = object()
"""Queued behind a request in flight: ``Gateway.answer`` has not run yet."""

LARGE_BODY_BYTES = 64 * 1024
"""From this size a body is handed to the transport beside its head, not copied after it."""

LINGER_S = 2.0
"""How long a rejected connection is read (and dropped) before it is closed."""

_REASONS = {s.value: s.phrase for s in HTTPStatus}
_STATUS_LINES = {code: f"HTTP/1.1 {code} {phrase}\r\n" for code, phrase in _REASONS.items()}
_METHODS = {m.encode(): m for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")}
_PROTOCOLS = {"1.1": "HTTP/1.1", "1.0": "HTTP/1.0"}
_SKIP_ON_WRITE = frozenset({"content-length", "connection", "transfer-encoding"})
_SKIP_LENGTHS = frozenset(len(name) for name in _SKIP_ON_WRITE)
_FRAMING_LENGTHS = frozenset({4, 6, 7, 12, 14, 17})
"""The lengths of ``host``, ``expect``, ``upgrade``, ``content-type``, ``content-length`` and
``transfer-encoding``: the headers checked once the head is read."""
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"

# Where a connection is, for the sweep (``HttpProtocol._phase``).
_IDLE = 0
"""Nothing owed and nothing begun: a keep-alive connection between requests."""
_HEAD = 1
"""A request's head has begun and is not complete."""
_BODY = 2
"""A request's body is still being read."""


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """Per worker; the defaults are ``tollway serve``'s (``--header-timeout`` and friends)."""

    header_timeout_s: float = 10.0
    """From a request's first byte to the end of its head (slowloris)."""
    body_timeout_s: float = 30.0
    """Between two reads of a request body."""
    keep_alive_timeout_s: float = 75.0
    """A connection with nothing begun or owed for this long is closed (nginx's default)."""
    max_connections: int = 10_000
    """Open connections a worker holds; the next ones get 503 and are closed."""


def encode_response(response: Response, keep_alive: bool, http10: bool = False) -> bytes:
    """Serialise a response; the server owns Content-Length and Connection."""
    return encode_head(response, keep_alive, http10) + response.body


def encode_head(response: Response, keep_alive: bool, http10: bool = False) -> bytes:
    """The status line and headers of ``response``, up to the blank line.

    An HTTP/1.0 client that asked for keep-alive is told the connection persists (RFC 7230 6.3).
    The head is built as text and encoded once: this runs for every response.
    """
    status = response.status
    head = [_STATUS_LINES.get(status) or f"HTTP/1.1 {status} Unknown\r\n"]
    for name, value in response.headers:
        if len(name) in _SKIP_LENGTHS and name.lower() in _SKIP_ON_WRITE:
            continue
        head.append(f"{name}: {value}\r\n")
    head.append(f"content-length: {len(response.body)}\r\n")
    if not keep_alive:
        head.append("connection: close\r\n")
    elif http10:
        head.append("connection: keep-alive\r\n")
    head.append("\r\n")
    return "".join(head).encode("latin-1", "replace")


def _error_bytes(status: int, message: str) -> bytes:
    body = b'{"message":"' + message.encode() + b'"}'
    return (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


_BUSY = _error_bytes(503, "Service Unavailable")
"""The answer of a worker already holding ``max_connections``."""


class HttpProtocol(asyncio.Protocol):
    """One client connection."""

    __slots__ = (
        "_body",
        "_body_size",
        "_chunked",
        "_closing",
        "_content_types",
        "_expect",
        "_gateway",
        "_header_size",
        "_headers",
        "_hosts",
        "_length",
        "_mark",
        "_parser",
        "_pending_reject",
        "_phase",
        "_queue",
        "_server",
        "_source_ip",
        "_task",
        "_transport",
        "_upgraded",
        "_url",
        "_version",
    )

    def __init__(self, gateway: Gateway, server: ServerState) -> None:
        self._gateway = gateway
        self._server = server
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._queue: deque[tuple[Request, bool, Any]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._url = b""
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._body_size = 0
        self._header_size = 0
        self._source_ip = ""
        self._pending_reject = b""
        self._hosts = 0
        self._content_types = 0
        self._chunked = False
        self._expect: str | None = None
        self._length: bytes | None = None
        self._upgraded = False
        self._version = "1.1"
        self._phase = _IDLE
        self._mark = server.tick
        """The sweep's tick when the connection last made progress in its phase."""

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        self._source_ip = peer[0] if isinstance(peer, tuple) else "127.0.0.1"
        server = self._server
        if len(server.connections) >= server.limits.max_connections:
            self._closing = True
            self._transport.write(_BUSY)
            self._transport.close()
            server.refused += 1
            return
        server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        self._transport = None
        self._queue.clear()

    def pause_writing(self) -> None:
        """The client reads its answers slower than it sends requests: stop reading it, so
        neither the answers owed nor the write buffer grow without bound."""
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None and not self._closing and len(self._queue) <= 32:
            self._transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._upgraded:  # answered (and closed) as HTTP/1.1: the rest is not read
                self._closing = True
            else:
                self._reject(400, "Bad Request")
        except httptools.HttpParserError:
            if not self._closing:
                self._reject(400, "Bad Request")

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self._body = []
        self._body_size = 0
        self._header_size = 0
        self._hosts = 0
        self._content_types = 0
        self._chunked = False
        self._expect = None
        self._length = None
        self._phase = _HEAD
        self._mark = self._server.tick

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._header_size += len(url)
        if self._header_size > MAX_HEADER_BYTES:
            self._reject(431, "Request Header Fields Too Large")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_size += len(name) + len(value) + 4
        if self._header_size > MAX_HEADER_BYTES:
            self._reject(431, "Request Header Fields Too Large")
            return
        text = name.decode("latin-1")
        if len(name) in _FRAMING_LENGTHS:
            self._note_framing(text.lower(), value)
        self._headers.append((text, value.decode("latin-1")))

    def _note_framing(self, name: str, value: bytes) -> None:
        if name == "host":
            self._hosts += 1
        elif name == "content-type":
            self._content_types += 1
        elif name == "content-length":
            self._length = value  # llhttp refuses a second one and anything but digits
        elif name == "upgrade":
            self._upgraded = True
        elif name == "transfer-encoding":
            self._chunked = True  # llhttp accepts no coding but a final ``chunked``
        elif name == "expect":
            self._expect = value.decode("latin-1").strip().lower()

    def on_headers_complete(self) -> None:
        if self._closing:
            return
        version = self._version = self._parser.get_http_version()
        if version == "1.1":
            if self._hosts != 1:
                self._reject(400, "Bad Request")  # RFC 9112 3.2: exactly one Host
                return
        elif version == "1.0":
            if self._chunked:
                self._reject(400, "Bad Request")  # RFC 9112 6.1: faulty framing in HTTP/1.0
                return
        else:
            if version.startswith("0"):  # HTTP/0.9: no headers, no framing to trust
                self._reject(400, "Bad Request")
            else:
                self._reject(505, "HTTP Version Not Supported")
            return
        if self._url[:1] != b"/":
            self._reject(400, "Bad Request")  # absolute, authority (CONNECT) and asterisk forms
            return
        if self._content_types > 1:
            self._reject(400, "Bad Request")  # which one the body is: two readers may differ
            return
        length = None if self._length is None else int(self._length)
        if length is not None and length > MAX_BODY_BYTES:
            self._reject(413, self._too_large())
            return
        if self._expect is not None and version == "1.1":
            self._answer_expectation(length)
        self._phase = _BODY
        self._mark = self._server.tick

    def _answer_expectation(self, length: int | None) -> None:
        """``Expect: 100-continue``: tell the client to send its body (RFC 9110 10.1.1).

        Sent only when no earlier answer is still owed on the connection (an interim answer
        must not overtake it; the client then sends its body after its own wait), and only
        for a body still to come. Any other expectation is refused with 417.
        """
        if self._expect != "100-continue":
            self._reject(417, "Expectation Failed")
            return
        body_to_come = self._chunked or (length is not None and length > 0)
        if body_to_come and self._task is None and not self._queue and self._transport is not None:
            self._transport.write(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        self._body_size += len(body)
        if self._body_size > MAX_BODY_BYTES:
            self._reject(413, self._too_large())
            return
        self._body.append(body)
        self._mark = self._server.tick

    def on_message_complete(self) -> None:
        if self._closing:
            return
        self._phase = _IDLE
        self._mark = self._server.tick
        parser = self._parser
        method = parser.get_method()
        version = self._version
        request = Request(
            method=_METHODS.get(method) or method.decode("ascii"),
            target=self._url.decode("latin-1"),
            headers=self._headers,
            body=b"".join(self._body) if self._body else b"",
            source_ip=self._source_ip,
            protocol=_PROTOCOLS.get(version) or f"HTTP/{version}",
        )
        keep_alive = parser.should_keep_alive() and not self._server.shutting_down and not self._upgraded
        if self._task is None:
            # Nothing in flight: run it now, as far as it goes without waiting.
            answer = self._gateway.answer(request)
            if isinstance(answer, Response):
                self._send(request, answer, keep_alive)
                return
            self._queue.append((request, keep_alive, answer))
            self._task = asyncio.get_running_loop().create_task(self._serve())
            return
        self._queue.append((request, keep_alive, _NOT_BEGUN))
        if len(self._queue) > 32 and self._transport is not None:
            self._transport.pause_reading()  # a pipelining client must wait for answers

    # internals
    def _too_large(self) -> str:
        """The 413 message of the API the request is addressed to (REST and HTTP APIs differ)."""
        host = next((v for k, v in self._headers if k.lower() == "host"), "")
        return self._gateway.too_large_message(self._url.decode("latin-1"), host)

    def _reject(self, status: int, message: str) -> None:
        """Answer an unparseable or oversized request and close (the stream cannot resync).

        Requests parsed before it on this connection are still answered first.
        """
        if self._closing:
            return
        self._closing = True
        if self._transport is None:
            return
        if self._task is None:
            self._transport.write(_error_bytes(status, message))
            self._linger_close()
        else:
            self._pending_reject = _error_bytes(status, message)

    def _linger_close(self) -> None:
        """Close after the client has had time to read our answer.

        Closing with unread request bytes makes the kernel reset the connection, and the
        client would never see the 413; so input is read and dropped (``data_received``
        ignores it once closing) until the client closes or ``LINGER_S`` passes.
        """
        transport = self._transport
        if transport is None:
            return
        transport.resume_reading()
        asyncio.get_running_loop().call_later(LINGER_S, transport.close)

    async def _serve(self) -> None:
        try:
            while self._queue:
                request, keep_alive, answer = self._queue.popleft()
                if answer is _NOT_BEGUN:
                    answer = self._gateway.answer(request)
                response = answer if isinstance(answer, Response) else await answer
                # Draining: the last answer owed closes the connection, also one that was in
                # flight when the drain began (a request queued behind it is still answered).
                if self._server.shutting_down and not self._queue:
                    keep_alive = False
                if not self._send(request, response, keep_alive):
                    return
                if len(self._queue) <= 32 and self._transport is not None:
                    self._transport.resume_reading()
            if self._phase == _IDLE:  # idle from now; a head begun meanwhile keeps its time
                self._mark = self._server.tick
            if self._closing and self._transport is not None:
                if self._pending_reject:
                    self._transport.write(self._pending_reject)
                self._linger_close()
        finally:
            self._task = None

    def _send(self, request: Request, response: Response, keep_alive: bool) -> bool:
        """Write one answer; False when the connection is done."""
        transport = self._transport
        if transport is None:
            return False
        head = encode_head(response, keep_alive, request.protocol == "HTTP/1.0")
        if len(response.body) < LARGE_BODY_BYTES:
            transport.write(head + response.body)
        else:  # one writev of both: a 1 MB body is not copied once more in this process
            transport.writelines((head, response.body))
        if not keep_alive:
            self._closing = True  # ignore anything pipelined after it
            self._queue.clear()
            transport.close()
            return False
        return True

    @property
    def idle(self) -> bool:
        return self._task is None and not self._queue

    def expired(self, tick: int, limits: ConnectionLimits) -> bool:
        """True when the client has made no progress for longer than its phase allows."""
        if not self.idle:
            return False  # an answer is owed: the integration's own timeout bounds it
        waited = tick - self._mark
        if self._phase == _HEAD:
            return waited > limits.header_timeout_s
        if self._phase == _BODY:
            return waited > limits.body_timeout_s
        return waited > limits.keep_alive_timeout_s

    def close_expired(self) -> None:
        """Close a connection that ran out of time (no answer: it has no request to answer,
        and a slow client is not worth the bytes; nginx does the same)."""
        self._closing = True
        if self._transport is not None:
            self._transport.abort()

    def close_if_idle(self, tick: int) -> None:
        """Draining: close a keep-alive connection idle for a second or more. One busier
        than that gets ``Connection: close`` on its next answer instead: closing it the
        moment it goes idle would race the request its client is sending already."""
        if self.idle and self._phase == _IDLE and tick - self._mark >= 2 and self._transport is not None:
            self._transport.close()


class ServerState:
    """Connections of one worker: their limits, the sweep and graceful shutdown."""

    def __init__(self, limits: ConnectionLimits | None = None) -> None:
        self.limits = limits or ConnectionLimits()
        self.connections: set[HttpProtocol] = set()
        self.shutting_down = False
        self.tick = 0
        """Seconds since the sweep started, in whole sweeps."""
        self.refused = 0
        """Connections answered 503 for going over ``max_connections``."""
        self.expired = 0
        """Connections closed by the sweep."""

    async def sweep(self) -> None:
        """Advance the tick each second and close expired connections, until cancelled.

        A timeout of T s closes a connection after T to T + 2 s.
        """
        while True:
            await asyncio.sleep(1.0)
            self.tick += 1
            tick, limits = self.tick, self.limits
            stale = [conn for conn in self.connections if conn.expired(tick, limits)]
            for conn in stale:
                conn.close_expired()
            if stale:
                self.expired += len(stale)
                log.info("closed %d connection(s) that ran out of time", len(stale))

    async def drain(self, timeout: float) -> None:
        """Finish requests in flight; close keep-alive connections as they go idle."""
        self.shutting_down = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.connections and loop.time() < deadline:
            for conn in list(self.connections):
                conn.close_if_idle(self.tick)
            await asyncio.sleep(0.05)
