"""Peak resident memory of a peer's process tree, sampled from /proc while the load runs.

The tree is split in two: the gateway's own processes, and its function instances (processes
whose command line contains the peer's function marker, e.g. tollway's functions/runtime/bootstrap.py).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

SAMPLE_INTERVAL_S = 0.5
"""Sparse on purpose: walking /proc costs CPU that the peer and wrk share."""

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True, slots=True)
class Memory:
    gateway_mb: float
    functions_mb: float


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                # The command name (field 2) may contain spaces: the parent pid follows its ')'.
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


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


def tree_memory(root: int, function_marker: str | None) -> Memory:
    """Current RSS of ``root`` and its descendants, split into gateway and function instances."""
    tree = _children()
    gateway = functions = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        pending.extend(tree.get(pid, ()))
        rss = _rss_kb(pid)
        if function_marker and function_marker in _cmdline(pid):
            functions += rss
        else:
            gateway += rss
    return Memory(gateway / 1024, functions / 1024)


class PeakSampler:
    """Samples ``tree_memory`` in a thread between ``start()`` and ``stop()``; keeps the peaks."""

    def __init__(self, root: int, function_marker: str | None) -> None:
        self.root = root
        self.marker = function_marker
        self.peak = Memory(0.0, 0.0)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> Memory:
        self._done.set()
        self._thread.join()
        self._sample()
        return self.peak

    def _loop(self) -> None:
        while not self._done.wait(SAMPLE_INTERVAL_S):
            self._sample()

    def _sample(self) -> None:
        now = tree_memory(self.root, self.marker)
        self.peak = Memory(
            max(self.peak.gateway_mb, now.gateway_mb), max(self.peak.functions_mb, now.functions_mb)
        )
