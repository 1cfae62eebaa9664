"""``LocalBucket``: a token bucket kept in this process, for the account-level limit.

AWS applies an account-wide limit (10,000 requests per second, burst 5,000) after every
other throttle. tollway keeps it per node: each worker holds its share (the limit divided
by the number of workers), so it costs no shared-state round trip on requests that have no
other limit. It is a capacity guard, not a shared count.
"""

from __future__ import annotations

ACCOUNT_RATE_LIMIT = 10_000.0
ACCOUNT_BURST_LIMIT = 5_000


class LocalBucket:
    """Refills ``rate`` tokens per second up to ``burst``; starts full.

    ``ready`` and ``take`` are separate so that a caller can check this bucket first and
    spend its token only once every other limit has admitted the request (a rejected request
    spends nothing). Between the two, other requests may take tokens: the level can dip
    below zero, which later refills repay.
    """

    __slots__ = ("_stamp", "_tokens", "burst", "rate")

    def __init__(self, rate: float = ACCOUNT_RATE_LIMIT, burst: float = ACCOUNT_BURST_LIMIT) -> None:
        if rate < 0 or burst < 0:
            raise ValueError("rate and burst must be >= 0")
        self.rate = rate
        self.burst = float(burst)
        self._tokens = self.burst
        self._stamp = 0.0

    def ready(self, now: float) -> bool:
        """Whether a request may pass at ``now`` (seconds); refills first."""
        if now > self._stamp:
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
        return self._tokens >= 1

    def take(self) -> None:
        self._tokens -= 1
