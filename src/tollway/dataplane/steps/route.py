"""route: find the declared method for the request (AWS: 403 Missing Authentication Token if none)."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.errors import MissingAuthenticationToken


def route(ctx: RequestContext, services: Services) -> None:
    served = ctx.served
    if served is None:
        raise MissingAuthenticationToken()
    found = served.routes.match(ctx.request.method, ctx.path)
    if found is None:
        raise MissingAuthenticationToken()
    ctx.method = found.target
    ctx.resource_path = found.resource_path
    ctx.path_params = found.path_params
    ctx.raw_path_params = found.raw_path_params
