"""address: the API stage the request is addressed to (``addressing``), and the path within
it, in its one normal spelling and in the spelling a Lambda proxy event reports (the
client's, when it differs by empty segments only)."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.http_api.snapshot import ServedHttpStage
from tollway.dataplane.routing.normalize import normalize_path, reported_path
from tollway.dataplane.services import Services


def address(ctx: RequestContext, services: Services) -> None:
    served, path = ctx.world.directory.resolve(ctx.request.target, ctx.domain)
    if isinstance(served, ServedHttpStage):
        ctx.http = served
    else:
        ctx.served = served
    ctx.path = normal = normalize_path(path)
    ctx.raw_path = path if path == normal else reported_path(path, normal)
