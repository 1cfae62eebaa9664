"""What a peer's process tree uses while the load runs, from /proc: peak resident memory and CPU time.

The tree is split in two: the gateway's own processes, and its function instances (processes
whose command line contains the peer's function marker, e.g. tollway's functions/runtime/bootstrap.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

SAMPLE_INTERVAL_S = 0.5
"""Sparse on purpose: walking /proc costs CPU that the peer and wrk share."""

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Memory:
    gateway_mb: float
    functions_mb: float


@dataclass(frozen=True, slots=True)
class Usage:
    """What a ``TreeSampler`` saw between ``start()`` and ``stop()``."""

    peak: Memory
    gateway_cpu_s: float
    functions_cpu_s: float
    idle_pct: float
    """The machine's idle time (idle + iowait), % of all cores, over the same span."""


@dataclass(frozen=True, slots=True)
class _Processes:
    children: dict[int, list[int]]
    ticks: dict[int, int]
    """utime + stime of each process, in clock ticks."""

    def walk(self, root: int) -> Iterator[int]:
        pending = [root]
        while pending:
            pid = pending.pop()
            pending.extend(self.children.get(pid, ()))
            yield pid


def _processes() -> _Processes:
    children: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                # The command name (field 2) may contain spaces: field 3 follows its last ')'.
                fields = stat.read().rsplit(")", 1)[1].split()
            ppid, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        ticks[int(entry)] = utime + stime
    return _Processes(children, ticks)


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmd:
            return cmd.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_function(pid: int, function_marker: str | None) -> bool:
    if not function_marker:
        return False
    return function_marker in _cmdline(pid)


def tree_memory(root: int, function_marker: str | None) -> Memory:
    """Current RSS of ``root`` and its descendants, split into gateway and function instances."""
    gateway = functions = 0
    for pid in _processes().walk(root):
        rss = _rss_kb(pid)
        if _is_function(pid, function_marker):
            functions += rss
        else:
            gateway += rss
    return Memory(gateway / 1024, functions / 1024)


def _machine_ticks() -> tuple[int, int]:
    """(idle + iowait, all) clock ticks of every core since boot, from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0, 0
    return values[3] + values[4], sum(values)


class TreeSampler:
    """Samples a process tree in a thread between ``start()`` and ``stop()``: the peaks of its
    RSS, and the CPU time each of its processes used since ``start()``. A process that exits
    during the run counts up to its last sample (at most ``SAMPLE_INTERVAL_S`` is lost)."""

    def __init__(self, root: int, function_marker: str | None) -> None:
        self.root = root
        self.marker = function_marker
        self.peak = Memory(0.0, 0.0)
        self._first: dict[int, int] = {}
        self._last: dict[int, tuple[int, bool]] = {}
        """Per process: its CPU ticks at the latest sample, and whether it is a function instance."""
        self._machine = (0, 0)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._machine = _machine_ticks()
        self._sample(first=True)
        self._thread.start()

    def stop(self) -> Usage:
        self._done.set()
        self._thread.join()
        self._sample()
        idle, total = (now - then for now, then in zip(_machine_ticks(), self._machine, strict=True))
        gateway = functions = 0
        for pid, (ticks, function) in self._last.items():
            used = ticks - self._first.get(pid, 0)
            if function:
                functions += used
            else:
                gateway += used
        return Usage(
            self.peak,
            gateway / CLOCK_TICKS,
            functions / CLOCK_TICKS,
            100.0 * idle / total if total > 0 else 0.0,
        )

    def _loop(self) -> None:
        while not self._done.wait(SAMPLE_INTERVAL_S):
            self._sample()

    def _sample(self, first: bool = False) -> None:
        processes = _processes()
        gateway = functions = 0
        for pid in processes.walk(self.root):
            rss = _rss_kb(pid)
            function = _is_function(pid, self.marker)
            ticks = processes.ticks.get(pid, 0)
            self._last[pid] = (ticks, function)
            if first:
                self._first[pid] = ticks
            if function:
                functions += rss
            else:
                gateway += rss
        self.peak = Memory(
            max(self.peak.gateway_mb, gateway / 1024), max(self.peak.functions_mb, functions / 1024)
        )
