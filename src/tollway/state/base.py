"""The ``StateBackend`` protocol: hot shared state for throttling, quotas and usage metering.

Every implementation (``MemoryState`` for one process, ``RedisState`` shared by every worker
and node) passes tests/contract/test_state_contract.py. Time is always given by the caller
(``now``, seconds since the epoch as a float), so backends never read a clock for limits.

Semantics shared by every backend:

* A ``Bucket`` is a token bucket that starts full (``burst`` tokens) and refills at ``rate``
  tokens per second up to ``burst``. A request needs one token.
* A ``Quota`` counts requests in one period. The caller names the period (``period_key``,
  e.g. ``"2024-05-01"`` for a DAY quota) and when it ends (``expires_at``); the backend only
  counts. A different ``period_key`` than the stored one, or ``now >= expires_at``, starts
  the count from zero.
* ``admit`` checks every bucket in the order given, then the quota. Only if all pass does it
  take one token from every bucket, count one against the quota and add one to the usage
  counter. A rejected request consumes nothing and is not counted, as in API Gateway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tollway.errors import TollwayError

THROTTLED = "THROTTLED"
QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
UNAVAILABLE = "UNAVAILABLE"

USAGE_TTL_SECONDS = 90 * 24 * 3600
"""Usage counters are kept 90 days: GetUsage serves up to the last 90 days of daily usage."""

BUCKET_IDLE_MARGIN_SECONDS = 60.0
"""A bucket's state is dropped this long after it would be full again (dropping it earlier
would change nothing, the margin absorbs clock skew between nodes)."""


class StateError(TollwayError):
    """The state backend could not be opened (bad URL, bad setting)."""


class StateUnavailable(StateError):
    """The shared state is unreachable and the operation has no local fallback."""


@dataclass(frozen=True, slots=True)
class Bucket:
    """A token bucket: refills ``rate`` tokens per second up to ``burst``; starts full.

    ``rate == 0`` never refills; ``burst == 0`` rejects every request (AWS: a limit of 0
    throttles everything). Keys must be distinct within one ``admit`` call.
    """

    key: str
    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate < 0 or self.burst < 0:
            raise ValueError(f"bucket {self.key!r}: rate and burst must be >= 0")


@dataclass(frozen=True, slots=True)
class Quota:
    """The request counter of ``key`` for the period ``period_key``, which ends at ``expires_at``."""

    key: str
    limit: int
    period_key: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer of ``admit``.

    ``rejected_by`` is ``THROTTLED`` (429 Too Many Requests), ``QUOTA_EXCEEDED``
    (429 Limit Exceeded) or ``UNAVAILABLE`` (the shared state is down and the backend fails
    closed: 503). ``quota_remaining`` is the requests left in the period after this one, when
    the quota was evaluated (``None`` without a quota, when throttled first, or unavailable).
    It can exceed the limit after ``add_to_quota`` granted an extension.
    """

    allowed: bool
    rejected_by: str | None = None
    quota_remaining: int | None = None


ALLOWED = Decision(True)
THROTTLED_DECISION = Decision(False, THROTTLED)
UNAVAILABLE_DECISION = Decision(False, UNAVAILABLE)


class StateBackend(Protocol):
    """Hot shared state. Every method is safe to call concurrently from one event loop."""

    async def admit(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> Decision:
        """Check then consume, in one atomic step (see the module docstring).

        ``usage_key`` names the daily usage counter to increment (see ``usage_key``); it
        expires ``USAGE_TTL_SECONDS`` after it was created.
        """
        ...

    def admit_now(
        self, buckets: Sequence[Bucket], quota: Quota | None, usage_key: str | None, now: float
    ) -> Decision | None:
        """``admit`` without waiting, when this backend can decide so (its state is in this
        process); None when only ``admit`` can tell, and nothing was consumed."""
        ...

    async def usage(self, keys: Sequence[str]) -> dict[str, int]:
        """The current value of each usage counter (0 when absent)."""
        ...

    async def add_to_quota(self, key: str, delta: int) -> int:
        """Grant ``delta`` more requests in the current period of quota ``key`` (UpdateUsage).

        Lowers the used count by ``delta`` (a negative ``delta`` takes requests away) and
        returns the new used count; it may go below zero. When the quota has no counter yet
        (no request in this period), the extension goes to the period of the next request.
        """
        ...

    async def close(self) -> None:
        """Release connections. The backend is unusable afterwards."""
        ...


def usage_key(plan_id: str, key_id: str, day: dt.date) -> str:
    """The usage counter name of one API key in one usage plan on one (UTC) day."""
    return f"usage:{plan_id}:{key_id}:{day.isoformat()}"
