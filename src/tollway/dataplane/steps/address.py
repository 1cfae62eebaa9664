"""address: the API stage the request is addressed to (``addressing``), and the path within
it, both as the client spelled it and in its one normal spelling."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.routing.normalize import normalize_path
from tollway.dataplane.services import Services


def address(ctx: RequestContext, services: Services) -> None:
    served, path = ctx.world.directory.resolve(ctx.request.target, ctx.domain)
    ctx.served = served
    ctx.raw_path = path
    ctx.path = normalize_path(path)
