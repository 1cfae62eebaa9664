"""Function output on the server's own console, as ``sam local start-api`` shows it.

Every byte a function writes (its prints, its log records, Lambda's START / END / REPORT
lines) is copied, unprefixed as SAM CLI prints it, to a file descriptor (stderr). The event
loop never writes to it: a terminal that is slow, or a pipe nobody reads, must not stall
the gateway. ``write`` appends to a buffer a writer thread drains (a few milliseconds late, so
that one write carries many invocations' lines under load); past ``limit`` bytes waiting,
output is dropped, and a line says how much once the console keeps up again.
"""

from __future__ import annotations

import os
import threading
import time

PENDING_LIMIT = 1 << 20
COALESCE_S = 0.005
CLOSE_TIMEOUT_S = 2.0


class Console:
    """Copies function output to ``fd`` from a daemon thread, never blocking the caller."""

    def __init__(self, fd: int = 2, limit: int = PENDING_LIMIT) -> None:
        self.fd = fd
        self.limit = limit
        self._pending = bytearray()
        self._dropped = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="tollway-console", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        """Queue ``data`` for the console (dropped, and counted, when too much is waiting)."""
        with self._lock:
            idle = not self._pending and not self._dropped
            if len(self._pending) + len(data) > self.limit:
                self._dropped += len(data)
            else:
                self._pending += data
        if idle:  # otherwise the writer is awake already, or will take this with the rest
            self._wake.set()

    def close(self) -> None:
        """Write what is waiting (for at most ``CLOSE_TIMEOUT_S``) and stop the thread."""
        self._closed = True
        self._wake.set()
        self._thread.join(CLOSE_TIMEOUT_S)

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
