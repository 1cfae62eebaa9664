"""One execution environment: a worker process, its framed channel and its log pipe.

The worker runs ``bootstrap.py`` in its own session (so its whole process group can be killed),
with a socket for frames and a pipe for stdout/stderr. Everything is driven by the event loop:
the channel by a protocol, the log pipe and the process exit (a pidfd) by readers, the timeout
and the memory poll by timers. Nothing here blocks: a killed worker is reaped when its pidfd
says it is gone (tearing down a worker with hundreds of MB takes the kernel tens of ms, which
the gateway's other requests must not wait for).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Callable

from tollway.functions.runtime import faults
from tollway.functions.runtime.code import WorkerSpec, worker_argv
from tollway.functions.runtime.faults import Outcome
from tollway.functions.runtime.logs import TailBuffer
from tollway.model.functions import FunctionConfig

HEADER = struct.Struct("!IB")
META = struct.Struct("!H")
PEAK = struct.Struct("!I")
"""Before a RESULT or ERROR body: the worker's peak resident memory in kB (``bootstrap``)."""
INIT, INVOKE, READY, INIT_ERROR, RESULT, ERROR = 1, 2, 3, 4, 5, 6
INIT_TIMEOUT_S = 10.0
"""Lambda limits the INIT phase of an on-demand environment to 10 seconds."""
MEMORY_POLL_S = 0.05
READ_SIZE = 65536
DRAIN_LIMIT = 1 << 20
"""At most this much log output is read synchronously at the end of an invocation."""
PAGE = os.sysconf("SC_PAGE_SIZE")

Event = tuple[str, object]
_FRAME_NAMES = {READY: "ready", INIT_ERROR: "init_error", RESULT: "result", ERROR: "error"}


class FrameProtocol(asyncio.Protocol):
    """Splits the worker's byte stream into ``(kind, body)`` frames."""

    def __init__(self, on_frame: Callable[[int, bytes], None]) -> None:
        self.on_frame = on_frame
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= HEADER.size:
            size, kind = HEADER.unpack_from(self.buffer)
            end = HEADER.size + size
            if len(self.buffer) < end:
                return
            body = bytes(self.buffer[HEADER.size : end])
            del self.buffer[:end]
            self.on_frame(kind, body)


class Instance:
    """A worker process for one version of one function. One invocation at a time."""

    def __init__(
        self,
        name: str,
        version: str,
        config: FunctionConfig,
        spec: WorkerSpec,
        emit: Callable[[bytes], None],
        debug_port: int | None = None,
    ) -> None:
        self.name = name
        self.debug_port = debug_port
        """Start under debugpy on this port and wait for a debugger: no init or invocation
        timeout, no memory limit (the debugger's own memory is not the function's)."""
        self.version = version
        self.config = config
        self.spec = spec
        self.emit = emit
        """Receives everything the worker writes to stdout/stderr."""
        self.tail: TailBuffer | None = None
        """The current invocation's log tail, fed by the owner's ``emit``."""
        self.alive = False
        self.stopped = False
        self.retire = False
        """Stop instead of reusing after the current invocation (definition changed)."""
        self.idle_since = 0.0
        self.init_ms: float | None = None
        self.peak_rss = 0
        self._loop = asyncio.get_running_loop()
        self._waiter: asyncio.Future[Event] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._transport: asyncio.Transport | None = None
        self._log_fd = -1
        self._pidfd = -1
        self._status_fd = -1
        self._poll: asyncio.TimerHandle | None = None
        self._reported_peak = 0
        """The peak memory the worker sent with its latest answer, in bytes."""

    async def start(self, request_id: str) -> Outcome | None:
        """Start the worker and run the function's init; None when ready, else the failure."""
        began = time.perf_counter()
        parent, child = socket.socketpair()
        read_fd, write_fd = os.pipe()
        try:
            self._proc = subprocess.Popen(
                worker_argv(child.fileno(), debug=self.debug_port is not None),
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                env=self.spec.env,
                cwd=self.spec.cwd,
                start_new_session=True,
            )
        except OSError:
            parent.close()
            os.close(read_fd)
            raise
        finally:
            child.close()
            os.close(write_fd)
        self.alive = True
        self._watch(read_fd)
        self._transport, _ = await self._loop.create_unix_connection(
            lambda: FrameProtocol(self._on_frame), sock=parent
        )
        init = {"handler": self.config.handler, "path": self.spec.path, "debug_port": self.debug_port}
        self._send(INIT, json.dumps(init).encode())
        kind, value = await self._wait(self._limit(INIT_TIMEOUT_S))
        self.init_ms = (time.perf_counter() - began) * 1000
        self.drain()
        if kind == "ready":
            self._over_memory(self._peak_from_status())
            return None
        self.stop()
        if kind == "init_error":
            return faults.init_failed(value)  # type: ignore[arg-type]
        return self._failure(kind, value, request_id, INIT_TIMEOUT_S)

    def _watch(self, read_fd: int) -> None:
        assert self._proc is not None
        self._log_fd = read_fd
        os.set_blocking(read_fd, False)
        self._loop.add_reader(read_fd, self._read_log)
        self._pidfd = os.pidfd_open(self._proc.pid)
        self._loop.add_reader(self._pidfd, self._on_exit)
        self._status_fd = os.open(f"/proc/{self._proc.pid}/status", os.O_RDONLY)

    async def invoke(self, request_id: str, arn: str, payload: bytes, trace_id: str = "") -> Outcome:
        """Run one invocation; a timeout, crash or memory overrun kills the instance.
        ``trace_id`` (empty: the worker starts a new trace) becomes ``_X_AMZN_TRACE_ID``."""
        deadline_ms = int(time.time() * 1000) + int(self.config.timeout_s * 1000)
        meta = f"{request_id}\n{arn}\n{deadline_ms}\n{trace_id}".encode()
        self._send(INVOKE, META.pack(len(meta)) + meta + payload)
        if self._memory_limited():
            self._poll = self._loop.call_later(MEMORY_POLL_S, self._poll_memory)
        try:
            kind, value = await self._wait(self._limit(self.config.timeout_s))
        finally:
            if self._poll is not None:
                self._poll.cancel()  # the handle of the latest poll: each one schedules the next
                self._poll = None
        self.drain()
        if kind in ("result", "error") and self._over_memory(self._reported_peak):
            kind = "oom"
        if kind == "result":
            return Outcome(value)  # type: ignore[arg-type]
        if kind == "error":
            return Outcome(value, error=True)  # type: ignore[arg-type]
        self.stop()
        return self._failure(kind, value, request_id, self.config.timeout_s)

    def _failure(self, kind: str, value: object, request_id: str, timeout_s: float) -> Outcome:
        if kind == "timeout":
            return faults.timed_out(request_id, timeout_s)
        if kind == "oom":
            return faults.out_of_memory(request_id)
        return faults.exited(request_id, value if isinstance(value, int) else 0)

    def _limit(self, timeout_s: float) -> float | None:
        return None if self.debug_port is not None else timeout_s

    def _memory_limited(self) -> bool:
        return self.debug_port is None

    async def _wait(self, timeout_s: float | None) -> Event:
        self._waiter = waiter = self._loop.create_future()
        timer = None
        if timeout_s is not None:
            timer = self._loop.call_later(timeout_s, self._resolve, ("timeout", None))
        try:
            event: Event = await waiter
            return event
        finally:
            if timer is not None:
                timer.cancel()
            self._waiter = None

    def _resolve(self, event: Event) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(event)

    def _send(self, kind: int, body: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(HEADER.pack(len(body), kind) + body)

    def _on_frame(self, kind: int, body: bytes) -> None:
        if kind in (RESULT, ERROR) and len(body) >= PEAK.size:
            self._reported_peak = PEAK.unpack_from(body)[0] * 1024
            body = body[PEAK.size :]
        self._resolve((_FRAME_NAMES.get(kind, "error"), body))

    def _read_log(self) -> None:
        try:
            data = os.read(self._log_fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.emit(data)
        else:  # every writer closed the pipe
            self._loop.remove_reader(self._log_fd)

    def drain(self) -> None:
        """Read what the worker already wrote, so it lands before the END line."""
        total = 0
        while self._log_fd >= 0 and total < DRAIN_LIMIT:
            try:
                data = os.read(self._log_fd, READ_SIZE)
            except OSError:  # BlockingIOError: nothing left
                return
            if not data:
                return
            total += len(data)
            self.emit(data)

    def _poll_memory(self) -> None:
        """While an invocation runs longer than ``MEMORY_POLL_S``: its current memory, every
        ``MEMORY_POLL_S`` (a limit is enforced while the handler runs, not only after)."""
        self._poll = None
        if self._over_memory(self._rss()):
            self._resolve(("oom", None))
            self._kill()
        elif self.alive and self._waiter is not None:
            self._poll = self._loop.call_later(MEMORY_POLL_S, self._poll_memory)

    def _rss(self) -> int:
        assert self._proc is not None
        try:
            with open(f"/proc/{self._proc.pid}/statm", "rb") as handle:
                return int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            return 0

    def _peak_from_status(self) -> int:
        """The worker's peak resident memory (VmHWM), which a short spike cannot hide; read
        here once, after init (each answer carries the worker's own reading).

        Not ``ru_maxrss`` reported by the worker: Linux carries that over ``execve`` from the
        forked gateway, so a large gateway would make every instance look over its limit."""
        try:  # one pread on a descriptor kept open: the kernel regenerates the text each time
            status = os.pread(self._status_fd, 4096, 0)
            start = status.index(b"VmHWM:") + 6
            return int(status[start : status.index(b"kB", start)]) * 1024
        except (OSError, ValueError):
            return 0

    def _over_memory(self, rss: int) -> bool:
        self.peak_rss = max(self.peak_rss, rss)
        return self._memory_limited() and rss > self.config.memory_mb * 1024 * 1024

    def max_memory_mb(self) -> int:
        return min(-(-self.peak_rss // (1024 * 1024)), self.config.memory_mb)

    def _on_exit(self) -> None:
        assert self._proc is not None
        if self.stopped:  # killed by stop(): only the reaping was left
            self._proc.wait()  # it is gone: this does not block
            self._close()
            return
        self.stopped = True
        self._kill()  # the worker's children too, before the pid can be reused
        returncode = self._proc.wait()
        self.drain()
        self._close()
        self._resolve(("exit", returncode))

    def _kill(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Kill the worker and its whole process group and release its descriptors; the
        worker is reaped by ``_on_exit`` once its pidfd is readable, not waited for here."""
        if self._proc is None or self.stopped:
            return
        self.stopped = True
        self._kill()
        reaped = self._pidfd < 0  # no pidfd to watch (already closed): reap it here
        if reaped:
            with contextlib.suppress(ChildProcessError, subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)  # SIGKILL is immediate unless the kernel is stuck
        self._close(keep_pidfd=not reaped)
        self._resolve(("exit", self._proc.returncode or 0))

    def _close(self, *, keep_pidfd: bool = False) -> None:
        """Release the descriptors; with ``keep_pidfd`` the pidfd stays watched until the
        worker is gone (``_on_exit`` reaps it and calls this again)."""
        self.alive = False
        fds = (self._log_fd,) if keep_pidfd else (self._pidfd, self._log_fd)
        for fd in fds:
            if fd >= 0:
                self._loop.remove_reader(fd)
                os.close(fd)
        if self._status_fd >= 0:
            os.close(self._status_fd)
        if not keep_pidfd:
            self._pidfd = -1
        self._log_fd = self._status_fd = -1
        if self._transport is not None:
            self._transport.close()
            self._transport = None
