"""The parent process of ``tollway serve --workers N``: start, restart and replace workers.

Workers are forked and share the listening socket, so a connection waits in its accept
queue whichever worker takes it: replacing a worker loses nothing as long as another is
accepting. The supervisor answers its signals one at a time, synchronously (they are
blocked and taken with ``sigwaitinfo``, never run as handlers in the middle of a step):

- SIGCHLD: a worker that exits without being asked to is started again in its slot.
- SIGHUP: the configuration is read again (``refresh``: the files given to ``serve`` and
  the store), then each slot in turn gets a new worker, which must report ready (its
  server accepting) before the old one is sent SIGTERM to drain. A new worker that fails
  to start stops the rollout, the remaining old workers keep serving. A refresh that fails
  (a broken template) replaces nothing.
- SIGTERM, SIGINT: every worker is sent SIGTERM (each finishes what it has in flight, up
  to its drain timeout); the supervisor returns once all have exited.

The supervisor knows nothing of what a worker does: ``run_worker`` is its whole body.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from tollway.errors import TollwayError

log = logging.getLogger("tollway")

Config = TypeVar("Config")

READY_TIMEOUT_S = 60.0
"""How long a new worker may take to start accepting before the rollout gives up on it."""
RESTART_PAUSE_S = 0.2
"""Pause before a worker that died is started again, so a crash loop does not spin."""
_SIGNALS = frozenset({signal.SIGCHLD, signal.SIGHUP, signal.SIGINT, signal.SIGTERM})


class Supervisor(Generic[Config]):
    """``run_worker(config, ready_fd)`` runs one worker until SIGTERM; it writes a byte to
    ``ready_fd`` once it accepts connections. ``refresh(config)`` gives the configuration a
    reload starts new workers with, or raises ``TollwayError`` to keep the current one."""

    def __init__(
        self,
        workers: int,
        config: Config,
        run_worker: Callable[[Config, int], None],
        refresh: Callable[[Config], Config] | None = None,
    ) -> None:
        self.workers = workers
        self.config = config
        self._run_worker = run_worker
        self._refresh = refresh
        self.slots: dict[int, int] = {}
        """pid -> slot of the current workers."""
        self.retiring: set[int] = set()
        """Workers sent SIGTERM by a reload or a failed start: not restarted when they exit."""
        self.stopping = False
        self.reloads = 0
        self._mask: set[int | signal.Signals] = set()

    def run(self) -> int:
        self._mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            for slot in range(self.workers):
                pid = self._spawn()
                self.slots[pid] = slot
            while self.slots or self.retiring:
                signum = signal.sigwaitinfo(_SIGNALS).si_signo
                if signum in (signal.SIGINT, signal.SIGTERM):
                    self._stop()
                elif signum == signal.SIGHUP and not self.stopping:
                    self._reload()
                self._reap()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)
        return 0

    def _spawn(self) -> int:
        """Fork a worker; returns its pid (nothing waits for it to be ready)."""
        pid, read_end = self._fork()
        os.close(read_end)
        return pid

    def _fork(self) -> tuple[int, int]:
        """Fork a worker; returns its pid and the read end of its ready pipe."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            code = 0
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the supervisor's to act on
                self._run_worker(self.config, write_end)
            except BaseException:
                log.exception("worker failed")
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        return pid, read_end

    def _stop(self) -> None:
        self.stopping = True
        for pid in [*self.slots, *self.retiring]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.retiring.discard(pid)
            slot = self.slots.pop(pid, None)
            if slot is not None and not self.stopping:
                log.error("worker %d exited (status %d); starting another", pid, status)
                time.sleep(RESTART_PAUSE_S)
                self.slots[self._spawn()] = slot

    def _reload(self) -> None:
        if self._refresh is not None:
            try:
                self.config = self._refresh(self.config)
            except TollwayError as exc:
                log.error("reload failed, the workers keep serving the previous configuration: %s", exc)
                return
            except Exception:  # the supervisor must outlive any one failure
                log.exception("reload failed, the workers keep serving the previous configuration")
                return
        replaced = 0
        for pid, slot in sorted(self.slots.items(), key=lambda item: item[1]):
            new = self._start_ready()
            if new is None:
                log.error(
                    "reload stopped: a new worker did not start; %d of %d replaced", replaced, self.workers
                )
                return
            del self.slots[pid]
            self.slots[new] = slot
            self.retiring.add(pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            replaced += 1
        self.reloads += 1
        log.info("reloaded: %d worker(s) replaced", replaced)

    def _start_ready(self) -> int | None:
        """A new worker that accepts connections, or None (it is stopped)."""
        pid, read_end = self._fork()
        try:
            readable, _, _ = select.select([read_end], [], [], READY_TIMEOUT_S)
            ready = bool(readable) and os.read(read_end, 1) == b"r"
        finally:
            os.close(read_end)
        if not ready:
            self.retiring.add(pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pid if ready else None


def signal_ready(ready_fd: int | None) -> None:
    """Tell the supervisor this worker accepts connections (once; the pipe is closed)."""
    if ready_fd is not None:
        with contextlib.suppress(OSError):
            os.write(ready_fd, b"r")
            os.close(ready_fd)
