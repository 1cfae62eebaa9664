"""authorize: the route's authorizer decides (``authorizers.http``): JWT, Lambda, IAM or none."""

from __future__ import annotations

from collections.abc import Awaitable

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services


def authorize(ctx: RequestContext, services: Services) -> Awaitable[None] | None:
    route = ctx.route
    assert route is not None
    return route.auth.check(ctx, services)
