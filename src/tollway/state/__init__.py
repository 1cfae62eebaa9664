"""Hot shared state: the ``StateBackend`` protocol and its implementations.

``open_state(url)`` is the one way in: ``memory`` (or ``memory://``) for one process, or
``redis://[:password@]host:port/db`` (also ``rediss://``) shared by every worker and node.
"""

from __future__ import annotations

from tollway.state.base import (
    QUOTA_EXCEEDED,
    THROTTLED,
    UNAVAILABLE,
    Bucket,
    Decision,
    Quota,
    StateBackend,
    StateError,
    StateUnavailable,
    usage_key,
)
from tollway.state.memory import MemoryState
from tollway.state.redis import OnUnavailable, RedisState

_REDIS_SCHEMES = ("redis://", "rediss://")


def open_state(url: str, *, on_unavailable: OnUnavailable = "open") -> StateBackend:
    """Open the state backend named by ``url``.

    ``on_unavailable`` ("open" or "closed") applies to Redis only; see ``RedisState``.
    No connection is made here: Redis is first reached by the first call.
    """
    if url in ("memory", "memory://"):
        return MemoryState()
    if url.startswith(_REDIS_SCHEMES):
        return RedisState(url, on_unavailable=on_unavailable)
    raise StateError(
        f"unsupported state URL {url!r}; supported: memory, memory://, redis://host:port/db, rediss://host:port/db"
    )


__all__ = [
    "QUOTA_EXCEEDED",
    "THROTTLED",
    "UNAVAILABLE",
    "Bucket",
    "Decision",
    "MemoryState",
    "Quota",
    "RedisState",
    "StateBackend",
    "StateError",
    "StateUnavailable",
    "open_state",
    "usage_key",
]
