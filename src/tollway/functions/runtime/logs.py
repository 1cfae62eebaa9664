"""Function logs: the output of every invocation framed by Lambda's START / END / REPORT lines.

Bounded twice: the last ``keep_bytes`` of each function stay in memory (``LogStore.tail``), and
with a ``log_dir`` each function appends to ``<log_dir>/<name>.log``, which is rotated to
``<name>.log.1`` once it passes ``rotate_bytes`` (so ``tollway logs NAME --follow`` can read it
from another process). An ``echo`` sees every byte too (``serve`` shows function output on
its console, see ``console``).

Every worker of ``serve --workers N`` appends to the same files (``O_APPEND``: whole writes
never interleave) and may rotate them; a worker that finds its file already rotated by
another reopens the new one instead of rotating it again. A file that cannot be written is
reported once and skipped: logging never fails an invocation.

Inside a running event loop a write reaches the file at the end of the loop's turn: every
invocation that finished in that turn costs one ``write`` per function, not one each (at
50 concurrent invocations that was one system call and one ``lseek`` per request). Each
flush is one whole write of whole lines, so workers still never interleave within a line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import threading
from collections import deque
from collections.abc import Callable
from typing import BinaryIO

_log = logging.getLogger("tollway.functions")

LOG_TAIL_BYTES = 4096
"""Lambda's ``LogResult`` (``X-Amz-Log-Type: Tail``) holds the last 4 KB of the invocation log."""


class TailBuffer:
    """Keeps the last ``limit`` bytes written to it."""

    __slots__ = ("data", "limit")

    def __init__(self, limit: int = LOG_TAIL_BYTES) -> None:
        self.data = bytearray()
        self.limit = limit

    def write(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > self.limit:
            del self.data[: len(self.data) - self.limit]

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


class _FunctionLog:
    def __init__(self, path: str | None) -> None:
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.path = path
        self.pending: list[bytes] = []
        """Written, not yet in the file (``LogStore.flush``)."""
        self.file: BinaryIO | None = _open(path) if path else None


class LogStore:
    """Per-function logs, in memory and optionally in files."""

    def __init__(
        self,
        log_dir: str | None = None,
        keep_bytes: int = 256 * 1024,
        rotate_bytes: int = 10 * 1024 * 1024,
        echo: Callable[[bytes], None] | None = None,
    ) -> None:
        self.log_dir = log_dir
        self.echo = echo
        self.keep_bytes = keep_bytes
        self.rotate_bytes = rotate_bytes
        self._logs: dict[str, _FunctionLog] = {}
        self._dirty: list[_FunctionLog] = []
        self._flush_loop: asyncio.AbstractEventLoop | None = None
        """The loop a flush is scheduled on (a loop that stopped first cannot strand one)."""
        if log_dir:
            os.makedirs(log_dir, exist_ok=True)

    def _log(self, name: str) -> _FunctionLog:
        log = self._logs.get(name)
        if log is None:
            path = os.path.join(self.log_dir, f"{name}.log") if self.log_dir else None
            log = self._logs[name] = _FunctionLog(path)
        return log

    def write(self, name: str, data: bytes, *, flush: bool = True) -> None:
        """Append ``data`` to the function's log. It reaches the file with the next flush:
        at the end of this turn of the running event loop (at once outside one), or, when
        ``flush`` is False, with the next write that flushes."""
        if not data:
            return
        if self.echo is not None:
            try:
                self.echo(data)
            except Exception:  # a broken console must not fail the invocation
                self.echo = None
                _log.exception("function output no longer shown on the console")
        log = self._log(name)
        log.chunks.append(data)
        log.size += len(data)
        while log.size - len(log.chunks[0]) >= self.keep_bytes:
            log.size -= len(log.chunks.popleft())
        if log.file is None:
            return
        if not log.pending:
            self._dirty.append(log)
        log.pending.append(data)
        if not flush:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._flush_loop is not loop:
            self._flush_loop = loop
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write everything pending to the files, one write per function."""
        self._flush_loop = None
        dirty, self._dirty = self._dirty, []
        for log in dirty:
            data = b"".join(log.pending)
            log.pending.clear()
            if log.file is None:
                continue
            try:
                _write_all(log.file, data)
                if log.file.tell() > self.rotate_bytes:
                    _rotate(log)
            except (OSError, ValueError) as exc:
                log.file = None
                _log.warning("function log %s not written from now on: %s", log.path, exc)

    def tail(self, name: str) -> str:
        """The most recent log output of ``name`` (at most ``keep_bytes``), as text."""
        log = self._logs.get(name)
        if log is None:
            return ""
        data = b"".join(log.chunks)[-self.keep_bytes :]
        return data.decode("utf-8", "replace")

    def close(self) -> None:
        self.flush()
        for log in self._logs.values():
            if log.file is not None:
                log.file.close()
                log.file = None


def _rotate(log: _FunctionLog) -> None:
    """Move the file to ``.1`` and continue in a new one, unless another process already did:
    then only reopen (renaming the other's fresh file would drop its newest lines).

    The previous ``.1`` is renamed away first and deleted by a thread: replacing it in one
    step made the kernel free its ``rotate_bytes`` (10 MB) inside the rename, up to 11 ms
    measured, on the event loop that serves every request."""
    assert log.file is not None and log.path is not None
    mine = os.fstat(log.file.fileno())
    try:
        current = os.stat(log.path)
        if (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
            old = f"{log.path}.1.{os.getpid()}.{mine.st_ino}.old"
            try:
                os.rename(log.path + ".1", old)
            except FileNotFoundError:  # the first rotation (or another worker took it)
                old = ""
            os.replace(log.path, log.path + ".1")
            if old:
                threading.Thread(target=_unlink, args=(old,), name="tollway-log-rotate", daemon=True).start()
    except FileNotFoundError:  # another worker is between its rename and its reopen
        pass
    finally:
        log.file.close()
        log.file = _open(log.path)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _write_all(file: BinaryIO, data: bytes) -> None:
    """An unbuffered write may be short (a signal, a full disk): write the rest after it."""
    view = memoryview(data)
    while view:
        written = file.write(view)  # a statement of its own: mypyc, given the call inside
        view = view[written:]  # the slice, made it twice (every line was written twice)


def _open(path: str) -> BinaryIO:
    """Unbuffered: ``LogStore.flush`` hands each file one whole write."""
    return open(path, "ab", buffering=0)


def start_line(request_id: str, version: str) -> bytes:
    return f"START RequestId: {request_id} Version: {version}\n".encode()


def end_line(request_id: str) -> bytes:
    return f"END RequestId: {request_id}\n".encode()


def report_line(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_used_mb: int,
    init_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> bytes:
    """Lambda's REPORT line. Billed Duration rounds up to the millisecond and, since Lambda
    bills the INIT phase (August 2025), includes the Init Duration on a cold start."""
    billed = math.ceil(duration_ms) + (math.ceil(init_ms) if init_ms is not None else 0)
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_used_mb} MB",
    ]
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    if error_type:
        parts.append(f"Error Type: {error_type}")
    return ("\t".join(parts) + "\n").encode()
