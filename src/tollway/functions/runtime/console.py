"""Function output on the server's own console, as ``sam local start-api`` shows it.

Every byte a function writes (its prints, its log records, Lambda's START / END / REPORT
lines) is copied, unprefixed as SAM CLI prints it, to a file descriptor (stderr). ``write``
never blocks: it appends to a buffer that is written a few milliseconds later, so that one
write carries many invocations' lines under load.

- A console that can block (a terminal, a pipe nobody reads) is written by a daemon thread;
  past ``limit`` bytes waiting, output is dropped, and a line says how much once the console
  keeps up again.
- A console that cannot (a regular file, ``/dev/null``) is written from the event loop
  itself, one ``write`` per few milliseconds: a thread's hand-offs cost the gateway about 4%
  of its Lambda throughput in the benchmark, batched writes from the loop about nothing.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time

PENDING_LIMIT = 1 << 20
COALESCE_S = 0.005
CLOSE_TIMEOUT_S = 2.0


def never_blocks(fd: int) -> bool:
    """Whether writes to ``fd`` complete without waiting on a reader: a regular file, /dev/null."""
    try:
        mode = os.fstat(fd)
    except OSError:
        return False
    if stat.S_ISREG(mode.st_mode):
        return True
    return stat.S_ISCHR(mode.st_mode) and mode.st_rdev == os.stat(os.devnull).st_rdev


class Console:
    """Copies function output to ``fd``, never blocking the caller."""

    def __init__(self, fd: int = 2, limit: int = PENDING_LIMIT) -> None:
        self.fd = fd
        self.limit = limit
        self._pending = bytearray()
        self._dropped = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._from_loop = never_blocks(fd)
        self._flush_scheduled = False
        self._thread: threading.Thread | None = None
        if not self._from_loop:
            self._thread = threading.Thread(target=self._run, name="tollway-console", daemon=True)
            self._thread.start()

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the console (dropped, and counted, when too much is waiting)."""
        if self._from_loop:
            self._pending += data
            if not self._flush_scheduled:
                self._schedule_flush()
            return
        with self._lock:
            idle = not self._pending and not self._dropped
            if len(self._pending) + len(data) > self.limit:
                self._dropped += len(data)
            else:
                self._pending += data
        if idle:  # otherwise the writer is awake already, or will take this with the rest
            self._wake.set()

    def close(self) -> None:
        """Write what is waiting (a thread: for at most ``CLOSE_TIMEOUT_S``) and stop."""
        self._closed = True
        if self._thread is None:
            self._flush()
            return
        self._wake.set()
        self._thread.join(CLOSE_TIMEOUT_S)

    def _schedule_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain caller): write now, it cannot block
            self._flush()
            return
        self._flush_scheduled = True
        loop.call_later(COALESCE_S, self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        chunk, self._pending = bytes(self._pending), bytearray()
        if chunk:
            self._write_all(chunk)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if not self._closed:
                time.sleep(COALESCE_S)  # one write for what comes in the meantime, not one each
            with self._lock:
                self._wake.clear()
                chunk, self._pending = bytes(self._pending), bytearray()
                dropped, self._dropped = self._dropped, 0
                closed = self._closed
            if dropped:
                chunk += f"[tollway: {dropped} bytes of function output not shown]\n".encode()
            if chunk:
                self._write_all(chunk)
            if closed:  # close() set it before waking us: all that was written is out
                return

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except InterruptedError:
                continue
            except OSError:  # the console went away (a closed terminal or pipe): drop it
                return
