"""throttle: a request admitted with a key spends a token of its plan's buckets (per key per
method, then per key) and one unit of its quota, in one atomic step of the state backend.

Exceeded: 429 {"message":"Too Many Requests"} (THROTTLED) or 429 {"message":"Limit
Exceeded"} (QUOTA_EXCEEDED); a rejected request spends nothing (AWS). State unreachable
with ``--state-unavailable closed``: 503.
"""

from __future__ import annotations

import datetime as dt

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.errors import QuotaExceeded, StateUnavailableError, Throttled
from tollway.state.base import QUOTA_EXCEEDED, THROTTLED, Bucket, Quota, usage_key
from tollway.state.periods import period_end, period_start, quota_key


def needs_throttle(ctx: RequestContext) -> bool:
    return ctx.grant is not None


async def throttle(ctx: RequestContext, services: Services) -> None:
    grant, method = ctx.grant, ctx.method
    assert grant is not None and method is not None
    plan, key = grant.plan, grant.key
    buckets = []
    override = grant.stage.throttle.get(f"{method.resource_path}/{method.http_method}")
    if override is not None:
        buckets.append(
            Bucket(
                f"t:{plan.id}:{key.id}:{method.resource_path}/{method.http_method}",
                override.rate_limit,
                override.burst_limit,
            )
        )
    if plan.throttle is not None:
        buckets.append(Bucket(f"t:{plan.id}:{key.id}", plan.throttle.rate_limit, plan.throttle.burst_limit))
    now = services.clock()
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    quota = None
    if plan.quota is not None:
        start = period_start(today, plan.quota.period)
        end = dt.datetime.combine(period_end(today, plan.quota.period), dt.time(), dt.UTC)
        quota = Quota(quota_key(plan.id, key.id), plan.quota.limit, start.isoformat(), end.timestamp())
    decision = await services.access.state.admit(buckets, quota, usage_key(plan.id, key.id, today), now)
    if decision.allowed:
        return
    if decision.rejected_by == THROTTLED:
        raise Throttled()
    if decision.rejected_by == QUOTA_EXCEEDED:
        raise QuotaExceeded()
    raise StateUnavailableError(detail="the state backend is unreachable and --state-unavailable is closed")
