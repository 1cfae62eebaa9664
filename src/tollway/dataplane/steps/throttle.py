"""throttle: every request passes AWS's throttles in AWS's order, and a request admitted
with a key spends one unit of its plan's quota:

1. per key per method (the usage plan's method override), 2. per key (the plan),
3. per method (the stage's method settings, ``*/*`` as every method's default),
4. account-level (kept in this process: ``LocalBucket``).

1-3 and the quota are one atomic step of the state backend, so a request rejected anywhere
spends nothing (AWS). Exceeded: 429 {"message":"Too Many Requests"} (THROTTLED) or 429
{"message":"Limit Exceeded"} (QUOTA_EXCEEDED). State unreachable with
``--state-unavailable closed``: 503.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import CompiledMethod
from tollway.dataplane.usage_plans.access import Grant
from tollway.errors import QuotaExceeded, StateUnavailableError, Throttled
from tollway.state.base import QUOTA_EXCEEDED, THROTTLED, Bucket, Decision, Quota, usage_key
from tollway.state.periods import period_end, period_start, quota_key


def throttle(ctx: RequestContext, services: Services) -> Awaitable[None] | None:
    """Decide without waiting when the state backend can (no limit but the account's, or
    state in this process); else the awaitable that asks the shared state."""
    method = ctx.method
    if method is None:
        return None
    access = services.access
    now = services.clock()
    if not access.account.ready(now):
        raise Throttled()
    if ctx.grant is None and method.stage_bucket is None:
        access.account.take()
        return None
    limits = _limits(ctx, method, access.limits_memo, now)
    decision = access.state.admit_now(*limits)
    if decision is None:
        return _shared(services, limits)
    apply_decision(decision)
    access.account.take()
    return None


async def _shared(services: Services, limits: tuple[list[Bucket], Quota | None, str | None, float]) -> None:
    apply_decision(await services.access.state.admit(*limits))
    services.access.account.take()


Limits = tuple[list[Bucket], Quota | None, str | None]
LimitsMemo = dict[tuple[int, int, int], tuple[Grant, CompiledMethod, Limits]]
"""``_limits`` by (grant, method, UTC day), per worker (``Access.limits_memo``)."""
_MEMO_SIZE = 10_000


def _limits(
    ctx: RequestContext, method: CompiledMethod, memo: LimitsMemo, now: float
) -> tuple[list[Bucket], Quota | None, str | None, float]:
    """The buckets in AWS's order, the plan's quota, the usage counter of today, and now.
    They change only with the grant, the compiled method and the UTC day, so they are built
    once per such triple (this runs for every keyed or stage-throttled request)."""
    grant = ctx.grant
    if grant is None:
        assert method.stage_bucket is not None
        return [method.stage_bucket], None, None, now
    memo_key = (id(grant), id(method), int(now // 86400))
    found = memo.get(memo_key)
    if found is None or found[0] is not grant or found[1] is not method:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        found = (grant, method, _build(grant, method, now))
        memo[memo_key] = found
    buckets, quota, usage = found[2]
    return buckets, quota, usage, now


def _build(grant: Grant, method: CompiledMethod, now: float) -> Limits:
    plan, key = grant.plan, grant.key
    resource_path, http_method = method.resource_path, method.http_method
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
    if method.stage_bucket is not None:
        buckets.append(method.stage_bucket)
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    quota = None
    if plan.quota is not None:
        period, offset = plan.quota.period, plan.quota.offset
        start = period_start(today, period, offset)
        end = dt.datetime.combine(period_end(today, period, offset), dt.time(), dt.UTC)
        quota = Quota(quota_key(plan.id, key.id), plan.quota.limit, start.isoformat(), end.timestamp())
    return buckets, quota, usage_key(plan.id, key.id, today)


def apply_decision(decision: Decision) -> None:
    if decision.allowed:
        return
    if decision.rejected_by == THROTTLED:
        raise Throttled()
    if decision.rejected_by == QUOTA_EXCEEDED:
        raise QuotaExceeded()
    raise StateUnavailableError(detail="the state backend is unreachable and --state-unavailable is closed")
