"""throttle: a request admitted with a key spends a token of its plan's buckets (per key per
method, then per key) and one unit of its quota, in one atomic step of the state backend.

Exceeded: 429 {"message":"Too Many Requests"} (THROTTLED) or 429 {"message":"Limit
Exceeded"} (QUOTA_EXCEEDED); a rejected request spends nothing (AWS). State unreachable
with ``--state-unavailable closed``: 503.
"""

from __future__ import annotations

import datetime as dt

from tollway.dataplane.access import Grant
from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.errors import QuotaExceeded, StateUnavailableError, Throttled
from tollway.state.base import QUOTA_EXCEEDED, THROTTLED, Bucket, Decision, Quota, usage_key
from tollway.state.memory import MemoryState
from tollway.state.periods import period_end, period_start, quota_key


def throttle_now(ctx: RequestContext, services: Services) -> bool:
    """The throttle stage without waiting, when the state is in this process; False: ``throttle``."""
    state = services.access.state
    if ctx.grant is None:
        return True
    if not isinstance(state, MemoryState):
        return False
    _apply(state.admit_now(*_limits(ctx, services)))
    return True


async def throttle(ctx: RequestContext, services: Services) -> None:
    _apply(await services.access.state.admit(*_limits(ctx, services)))


Limits = tuple[list[Bucket], Quota | None, str]
_MEMO: dict[tuple[int, str, str, int], tuple[Grant, Limits]] = {}
_MEMO_SIZE = 10_000


def _limits(ctx: RequestContext, services: Services) -> tuple[list[Bucket], Quota | None, str, float]:
    """The plan's buckets in AWS's order (per key per method, per key), its quota, the usage
    counter of today, and now. They change only with the grant, the method and the UTC day,
    so they are built once per such triple (this runs for every keyed request)."""
    grant, method = ctx.grant, ctx.method
    assert grant is not None and method is not None
    now = services.clock()
    memo_key = (id(grant), method.resource_path, method.http_method, int(now // 86400))
    found = _MEMO.get(memo_key)
    if found is None or found[0] is not grant:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        found = (grant, _build(grant, method.resource_path, method.http_method, now))
        _MEMO[memo_key] = found
    buckets, quota, usage = found[1]
    return buckets, quota, usage, now


def _build(grant: Grant, resource_path: str, http_method: str, now: float) -> Limits:
    plan, key = grant.plan, grant.key
    buckets = []
    override = grant.stage.throttle.get(f"{resource_path}/{http_method}")
    if override is not None:
        buckets.append(
            Bucket(
                f"t:{plan.id}:{key.id}:{resource_path}/{http_method}",
                override.rate_limit,
                override.burst_limit,
            )
        )
    if plan.throttle is not None:
        buckets.append(Bucket(f"t:{plan.id}:{key.id}", plan.throttle.rate_limit, plan.throttle.burst_limit))
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    quota = None
    if plan.quota is not None:
        start = period_start(today, plan.quota.period)
        end = dt.datetime.combine(period_end(today, plan.quota.period), dt.time(), dt.UTC)
        quota = Quota(quota_key(plan.id, key.id), plan.quota.limit, start.isoformat(), end.timestamp())
    return buckets, quota, usage_key(plan.id, key.id, today)


def _apply(decision: Decision) -> None:
    if decision.allowed:
        return
    if decision.rejected_by == THROTTLED:
        raise Throttled()
    if decision.rejected_by == QUOTA_EXCEEDED:
        raise QuotaExceeded()
    raise StateUnavailableError(detail="the state backend is unreachable and --state-unavailable is closed")
