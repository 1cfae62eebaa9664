"""throttle: the route's bucket from the stage's ``RouteSettings`` / ``DefaultRouteSettings``,
counted in the state backend (shared by every worker and node on Redis), then the account's
limit. Exceeded: 429 ``{"message":"Too Many Requests"}``."""

from __future__ import annotations

from collections.abc import Awaitable

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.dataplane.steps.throttle import apply_decision
from tollway.errors import Throttled
from tollway.state.base import Bucket


def throttle(ctx: RequestContext, services: Services) -> Awaitable[None] | None:
    route = ctx.route
    assert route is not None
    access = services.access
    now = services.clock()
    if not access.account.ready(now):
        raise Throttled()
    bucket = route.bucket
    if bucket is None:
        access.account.take()
        return None
    decision = access.state.admit_now([bucket], None, None, now)
    if decision is None:
        return _shared(services, bucket, now)
    apply_decision(decision)
    access.account.take()
    return None


async def _shared(services: Services, bucket: Bucket, now: float) -> None:
    apply_decision(await services.access.state.admit([bucket], None, None, now))
    services.access.account.take()
