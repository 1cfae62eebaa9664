"""``RedisPipe``: one auto-pipelining Redis connection for ``RedisState``'s hot path.

redis-py's asyncio client costs ~200 µs of CPU per command (pool acquire and release, a
coroutine chain per read); ``admit`` only needs "send this command, give me its reply". So:

* One ``asyncio.Protocol`` connection, made by the first call (and again by the first call
  after it was lost). Callers arriving while it connects wait for the same attempt.
* Every command issued in one event-loop turn goes out in one ``transport.write`` (the flush
  is scheduled with ``call_soon``). Redis answers in order, so replies resolve the waiting
  futures first in, first out.
* Replies are parsed by ``hiredis.Reader``; error replies become redis-py's exception
  classes (``NoScriptError``, ``ReadOnlyError``, ``ResponseError``...) and fail that one call.
* Each call is bounded: its future fails with ``TimeoutError`` when no reply came
  ``call_timeout`` seconds after it was queued. One timer per connection enforces this (on
  uvloop, ``asyncio.timeout`` around every call costs ~7 µs, a third of the whole call).
* A call that fails that way, or whose caller gives up (cancels it), keeps its place in the
  queue: its reply is read and dropped, so later replies still reach the right callers.
* The connection is set up from redis-py's parse of the URL (host, port, ``AUTH`` with the
  username and password, ``SELECT`` of the db, TLS for ``rediss://`` with redis-py's own SSL
  context, or a unix socket), with ``connect_timeout`` on connecting.
* The connection is declared dead, and every pending call fails with redis-py's
  ``ConnectionError`` (``TimeoutError`` for a stall), when the server closes it, on a protocol
  error, or when replies are awaited and nothing arrived for ``timeout`` seconds (what
  redis-py's ``socket_timeout`` means for one read). The next call reconnects. Nothing is
  ever resent: a command whose reply was lost may or may not have run.

Commands are packed by ``hiredis.pack_command``. Only RESP2 is spoken (no ``HELLO``).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, cast

import hiredis
from redis import exceptions as rx
from redis._parsers.base import BaseParser
from redis.asyncio.connection import ConnectionPool, SSLConnection, UnixDomainSocketConnection

Arg = str | bytes | int | float


class RedisPipe:
    """Send commands to one Redis server over one pipelined connection."""

    def __init__(
        self,
        *,
        host: str = "localhost",
        port: int = 6379,
        path: str | None = None,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        ssl_context: Callable[[], ssl.SSLContext] | None = None,
        timeout: float,
        connect_timeout: float,
        call_timeout: float,
    ) -> None:
        self._host = host
        self._port = port
        self._path = path
        self._handshake: list[tuple[Arg, ...]] = []
        if password:
            self._handshake.append(("AUTH", username, password) if username else ("AUTH", password))
        if db:
            self._handshake.append(("SELECT", db))
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._call_timeout = call_timeout
        self._conn: _Connection | None = None
        self._connecting: asyncio.Task[_Connection] | None = None
        self._closed = False

    @classmethod
    def from_pool(
        cls, pool: ConnectionPool, *, timeout: float, connect_timeout: float, call_timeout: float
    ) -> RedisPipe:
        """A pipe to the server of a redis-py pool (made by ``Redis.from_url``), with its settings."""
        kwargs = pool.connection_kwargs
        make_ssl: Callable[[], ssl.SSLContext] | None = None
        if issubclass(pool.connection_class, SSLConnection):
            make_ssl = SSLConnection(**kwargs).ssl_context.get
        path = kwargs.get("path") if issubclass(pool.connection_class, UnixDomainSocketConnection) else None
        return cls(
            host=kwargs.get("host", "localhost"),
            port=int(kwargs.get("port", 6379)),
            path=path,
            db=int(kwargs.get("db", 0) or 0),
            username=kwargs.get("username"),
            password=kwargs.get("password"),
            ssl_context=make_ssl,
            timeout=timeout,
            connect_timeout=connect_timeout,
            call_timeout=call_timeout,
        )

    async def execute(self, *args: Arg) -> Any:
        """Send one command and return its reply (bytes, int, None or a list of those).

        Raises the redis-py exception of an error reply, ``ConnectionError`` when the
        connection could not be made or was lost before the reply, ``TimeoutError`` when the
        server stalled.
        """
        return await self.send(_pack(args))

    def send(self, packed: bytes) -> Awaitable[Any]:
        """``execute`` of a command packed already (``hiredis.pack_command``): while connected,
        the future of its reply itself (no coroutine between the caller and the reply)."""
        conn = self._conn
        if conn is None or conn.lost:
            return self._send_connected(packed)
        return conn.send(packed)

    async def _send_connected(self, packed: bytes) -> Any:
        conn = await self._connected()
        return await conn.send(packed)

    @property
    def where(self) -> str:
        """``host:port`` or the socket path, for messages (never the password)."""
        return self._path if self._path is not None else f"{self._host}:{self._port}"

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.lost

    async def close(self) -> None:
        """Drop the connection (pending calls fail) and refuse further calls."""
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
        if self._conn is not None:
            self._conn.abort(rx.ConnectionError("the Redis connection was closed by the client"))

    async def _connected(self) -> _Connection:
        if self._closed:
            raise rx.ConnectionError("the Redis connection was closed by the client")
        task = self._connecting
        if task is None:
            task = self._connecting = asyncio.get_running_loop().create_task(self._connect())
            task.add_done_callback(self._connect_done)
        # shield: a caller giving up must not cancel the attempt the other callers wait for.
        return await asyncio.shield(task)

    def _connect_done(self, task: asyncio.Task[_Connection]) -> None:
        self._connecting = None
        if task.cancelled() or task.exception() is not None:
            return
        conn = task.result()
        if self._closed:  # closed while the connection was being made
            conn.abort(rx.ConnectionError("the Redis connection was closed by the client"))
        else:
            self._conn = conn

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        conn = _Connection(loop, self._timeout, self._call_timeout, self.where)
        try:
            async with asyncio.timeout(self._connect_timeout):
                if self._path is not None:
                    await loop.create_unix_connection(lambda: conn, self._path)
                else:
                    context = self._ssl_context() if self._ssl_context is not None else None
                    await loop.create_connection(lambda: conn, self._host, self._port, ssl=context)
        except (OSError, TimeoutError) as exc:
            raise rx.ConnectionError(
                f"Error connecting to {self.where}: {type(exc).__name__} {exc}"
            ) from None
        replies = [conn.send(_pack(command)) for command in self._handshake]
        try:
            results = await asyncio.gather(*replies, return_exceptions=True)
        except BaseException:  # cancelled by close()
            conn.abort(rx.ConnectionError(f"the connection set-up with {self.where} was cancelled"))
            raise
        for result in results:
            if isinstance(result, BaseException):
                conn.abort(rx.ConnectionError(f"the connection set-up with {self.where} failed"))
                raise result  # e.g. AuthenticationError (WRONGPASS), a ConnectionError
        return conn


def _pack(args: tuple[Arg, ...]) -> bytes:
    # hiredis's stub declares a 1-tuple; it takes any number of str, bytes, int or float.
    packed: bytes = hiredis.pack_command(args)  # type: ignore[arg-type]
    return packed


class _Connection(asyncio.Protocol):
    """One connection: queues commands, writes them once per loop turn, resolves replies FIFO."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, timeout: float, call_timeout: float, where: str
    ) -> None:
        self._loop = loop
        self._timeout = timeout
        self._call_timeout = call_timeout
        self._where = where
        self._reader = hiredis.Reader(protocolError=rx.InvalidResponse, replyError=BaseParser.parse_error)
        self._transport: asyncio.Transport | None = None
        # (future, loop time it was queued): oldest first, one per command written.
        self._pending: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._out: list[bytes] = []
        self._flush_scheduled = False
        # One timer at a time for the stall and the call deadlines (see _check): a timer
        # per call would cost more than the rest of the call.
        self._watch: asyncio.TimerHandle | None = None
        self._progress = 0.0  # when the last byte arrived, or when waiting began
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, hence the cast.
        self._transport = cast(asyncio.Transport, transport)

    def send(self, payload: bytes) -> asyncio.Future[Any]:
        """Queue one packed command; the future gets its reply."""
        future: asyncio.Future[Any] = self._loop.create_future()
        if self.lost:
            future.set_exception(rx.ConnectionError(f"Connection to {self._where} lost"))
            return future
        now = self._loop.time()
        if not self._pending:
            self._progress = now
            if self._watch is None:
                self._watch = self._loop.call_at(now + min(self._timeout, self._call_timeout), self._check)
        self._pending.append((future, now))
        self._out.append(payload)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self.lost or self._transport is None:
            return
        out, self._out = self._out, []
        self._transport.write(b"".join(out) if len(out) > 1 else out[0])

    def data_received(self, data: bytes) -> None:
        self._progress = self._loop.time()
        reader = self._reader
        reader.feed(data)
        pending = self._pending
        while True:
            try:
                reply = reader.gets()
            except rx.InvalidResponse as exc:
                self.abort(rx.ConnectionError(f"protocol error from {self._where}: {exc}"))
                return
            if reply is False:
                return
            if not pending:
                self.abort(rx.ConnectionError(f"unexpected reply from {self._where}"))
                return
            future = pending.popleft()[0]
            if future.done():  # its caller gave up or its deadline passed: drop the reply
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(rx.ConnectionError(f"Connection to {self._where} lost"))

    def abort(self, error: rx.RedisError) -> None:
        """Close the connection now and fail every pending call with (a copy of) ``error``."""
        self._fail(error)
        if self._transport is not None:
            self._transport.abort()

    def _fail(self, error: rx.RedisError) -> None:
        self.lost = True
        self._out.clear()
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        pending, self._pending = self._pending, deque()
        for future, _ in pending:
            if not future.done():
                # One instance each: a shared one would collect every raiser's traceback.
                future.set_exception(type(error)(*error.args))

    def _check(self) -> None:
        """Abort a stalled connection; fail the calls past their deadline, keeping their slots."""
        self._watch = None
        if self.lost or not self._pending:
            return
        now = self._loop.time()
        if now - self._progress >= self._timeout:
            self.abort(rx.TimeoutError(f"Timeout reading from {self._where}"))
            return
        due = self._progress + self._timeout
        for future, queued in self._pending:
            if queued + self._call_timeout > now:
                due = min(due, queued + self._call_timeout)
                break
            if not future.done():
                future.set_exception(rx.TimeoutError(f"no reply from {self._where} in time"))
        self._watch = self._loop.call_at(due, self._check)
