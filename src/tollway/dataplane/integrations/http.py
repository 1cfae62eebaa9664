"""HTTP and HTTP_PROXY integrations: one pooled HTTP/1.1 client for every backend.

Hand-written on asyncio protocols with httptools' response parser (llhttp), because it is
the hot path of a proxy: measured against aiohttp's client it does a fraction of the work
per request. Connections are kept alive and reused per (scheme, host, port); a reused
connection that the backend had already closed is retried once on a fresh one when no
byte of the answer arrived.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from urllib.parse import urlsplit

import httptools

from tollway.dataplane.messages import IntegrationRequest, IntegrationResult
from tollway.errors import IntegrationFailure, IntegrationTimeout

# Headers the transport owns (which headers an integration sends is decided in headers.py);
# a Host among the request's headers (a request mapping set it) replaces the URL's authority.
_TRANSPORT = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length"}
)
_MAX_IDLE_PER_ORIGIN = 256
_LARGE_BODY_BYTES = 64 * 1024
"""From this size a request body goes to the transport beside its head, not copied after it."""

Origin = tuple[str, str, int]


class _Exchange(asyncio.Protocol):
    """One keep-alive connection to a backend, answering one request at a time."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[IntegrationResult] | None = None
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.started = False
        self.head_only = False
        self.reusable = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.started = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(IntegrationFailure(detail=f"bad response from {self.origin[1]}: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.reusable = False
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.status and not self.parser.should_keep_alive():
            self._finish()  # a body delimited by the end of the connection
        else:
            waiter.set_exception(ConnectionResetError(f"connection to {self.origin[1]} closed"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if self.head_only:  # no body follows a HEAD answer, whatever Content-Length says
            self._finish()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.reusable = self.parser.should_keep_alive() and not self.head_only
            self._finish()

    # client side
    async def send(self, data: tuple[bytes, bytes], head_only: bool, deadline: float) -> IntegrationResult:
        """The answer to ``data``; TimeoutError at ``deadline`` (the loop's clock).

        The deadline is one timer on the loop, not ``asyncio.timeout``: this runs for every
        proxied request, and the context manager's bookkeeping cost more than the timer."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[IntegrationResult] = loop.create_future()
        self.waiter = waiter
        timer = loop.call_at(deadline, self._timed_out)
        self.status, self.headers, self.body = 0, [], []
        self.started, self.head_only, self.reusable = False, head_only, False
        head, body = data
        if len(body) < _LARGE_BODY_BYTES:
            self.transport.write(head + body)
        else:  # one writev of both, no copy of a large body
            self.transport.writelines(data)
        try:
            return await waiter
        finally:
            timer.cancel()

    def _timed_out(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(TimeoutError())

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _finish(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(IntegrationResult(self.status, self.headers, b"".join(self.body)))

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self.close()


class HttpClient:
    """A pooled HTTP/1.1 client shared by every HTTP and HTTP_PROXY integration of a worker."""

    def __init__(self) -> None:
        self._idle: dict[Origin, deque[_Exchange]] = {}
        self._ssl: ssl.SSLContext | None = None

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        try:
            origin, target = _split(request.url)
        except ValueError as exc:
            raise IntegrationFailure(detail=f"invalid endpoint {shown_url(request.url)!r}: {exc}") from None
        data = _encode(request, origin, target)
        head_only = request.method == "HEAD"
        deadline = asyncio.get_running_loop().time() + request.timeout_s
        exchange = self._idle_exchange(origin)
        reused = exchange is not None
        try:
            if exchange is None:
                exchange = await self._connect(origin, deadline)
            try:
                result = await exchange.send(data, head_only, deadline)
            except ConnectionError:
                if not reused or exchange.started:
                    raise
                exchange = await self._connect(origin, deadline)  # the backend had closed it
                result = await exchange.send(data, head_only, deadline)
        except BaseException as exc:
            if exchange is not None:
                exchange.close()  # mid-exchange: the connection cannot be reused
            if isinstance(exc, TimeoutError):
                raise IntegrationTimeout(
                    detail=f"{request.method} {shown_url(request.url)} timed out"
                ) from None
            if isinstance(exc, OSError | ssl.SSLError):
                raise IntegrationFailure(detail=f"{request.method} {shown_url(request.url)}: {exc}") from None
            raise
        self._release(exchange)
        return result

    def _idle_exchange(self, origin: Origin) -> _Exchange | None:
        """A kept-alive connection to ``origin`` that is still open, if there is one."""
        idle = self._idle.get(origin)
        while idle:
            exchange = idle.pop()
            if exchange.transport is not None and not exchange.transport.is_closing():
                return exchange
        return None

    async def _connect(self, origin: Origin, deadline: float) -> _Exchange:
        scheme, host, port = origin
        context = self._ssl_context() if scheme == "https" else None
        loop = asyncio.get_running_loop()
        async with asyncio.timeout_at(deadline):
            _, exchange = await loop.create_connection(
                lambda: _Exchange(origin), host, port, ssl=context, server_hostname=host if context else None
            )
        return exchange

    def _release(self, exchange: _Exchange) -> None:
        if not exchange.reusable or exchange.transport is None:
            exchange.close()
            return
        idle = self._idle.setdefault(exchange.origin, deque())
        if len(idle) >= _MAX_IDLE_PER_ORIGIN:
            exchange.close()
        else:
            idle.append(exchange)

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    async def close(self) -> None:
        for idle in self._idle.values():
            for exchange in idle:
                exchange.close()
        self._idle.clear()


def shown_url(url: str) -> str:
    """``url`` as a log line may show it: without ``user:password@`` and without the query
    string, which can carry credentials (a presigned SigV4 signature, an ``access_token``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unparsable URL)"
    shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    return f"{shown}?..." if parts.query else shown


def _split(url: str) -> tuple[Origin, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("only http:// and https:// URLs with a host are supported")
    port = parts.port or (443 if scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return (scheme, parts.hostname, port), target


def _encode(request: IntegrationRequest, origin: Origin, target: str) -> tuple[bytes, bytes]:
    """The request's head and its body (sent beside it, not copied after it)."""
    scheme, host, port = origin
    default_port = 443 if scheme == "https" else 80
    authority = host if port == default_port else f"{host}:{port}"
    head = [f"{request.method} {target} HTTP/1.1\r\n", ""]
    for name, value in request.headers:
        lower = name.lower()
        if lower == "host":
            authority = value
        elif lower not in _TRANSPORT:
            head.append(f"{name}: {value}\r\n")
    head[1] = f"Host: {authority}\r\n"
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(request.body)}\r\n")
    head.append("\r\n")
    return "".join(head).encode("latin-1", "replace"), request.body
