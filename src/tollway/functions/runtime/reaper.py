"""Leave no process behind: also the ones a handler detached from its worker.

A worker runs in its own process group, which ``Instance`` kills on stop; a handler that
double-forks and calls ``setsid()`` leaves that group. Every worker of one pool carries a
marker variable in its environment, which its descendants inherit, and the gateway process
becomes a child subreaper, so such orphans are re-parented to it (and reaped) instead of
to init. ``kill_marked`` finds them by the marker when the pool closes.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
from contextlib import suppress

MARKER = "_TOLLWAY_POOL"
"""Environment variable set in every worker (value: the pool's token)."""

_PR_SET_CHILD_SUBREAPER = 36


def new_token() -> str:
    return secrets.token_hex(8)


def become_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def kill_marked(token: str) -> int:
    """SIGKILL every process of this user whose environment carries ``MARKER=token``;
    reap those that are our children. Returns how many were killed."""
    needle = f"{MARKER}={token}".encode()
    uid = os.getuid()
    killed = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
        except OSError:
            continue
        if needle in environ:
            with suppress(ProcessLookupError):
                os.kill(int(entry), signal.SIGKILL)
                killed += 1
            with suppress(ChildProcessError, OSError):
                os.waitpid(int(entry), os.WNOHANG)
    return killed
