"""authorize: the method's ``authorizationType`` decides who may call it; the method's
compiled authorization checks the request (``tollway.dataplane.authorizers.methods``):
without waiting when the answer is known (no authorizer, IAM, a cached result), else the
step waits on the authorizer function or the user pool's keys."""

from __future__ import annotations

from collections.abc import Awaitable

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services


def authorize(ctx: RequestContext, services: Services) -> Awaitable[None] | None:
    method = ctx.method
    return None if method is None else method.auth.check(ctx, services)
