"""route: the HTTP API route the request matches, by AWS's priority (``http_api.routes``).

None matches: a CORS preflight of an API with a CORS configuration is answered by the gateway
itself (204 and the configured ``Access-Control-Allow-*``); anything else is 404
``{"message":"Not Found"}``. A route that matches takes the request, an ``OPTIONS``
preflight too: AWS documents that ``$default`` (and any route whose method is ``ANY`` or
``OPTIONS``) catches preflights, which is why its docs add an ``OPTIONS /{proxy+}`` route
without authorizer beside an authorized ``$default``. A route whose integration cannot be
served answers 500."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.http_api.snapshot import ServedHttpStage
from tollway.dataplane.messages import Response
from tollway.dataplane.services import Services
from tollway.errors import ApiConfigurationError, ResourceNotFound


def route(ctx: RequestContext, services: Services) -> None:
    http = ctx.http
    assert http is not None
    found = http.table.match(ctx.request.method, ctx.path)
    if found is None:
        if not _preflight(ctx, http):
            raise ResourceNotFound()
        return
    compiled = http.routes[found.route_key]
    ctx.route = compiled
    ctx.path_params = found.path_params
    if compiled.config_error is not None:
        raise ApiConfigurationError(detail=f"route {compiled.route_key}: {compiled.config_error}")


def _preflight(ctx: RequestContext, http: ServedHttpStage) -> bool:
    """Answer a CORS preflight no route took; False when it is none."""
    if http.cors is None or ctx.request.method != "OPTIONS":
        return False
    header_map = ctx.header_map
    headers = http.cors.preflight(
        header_map.get("origin"),
        header_map.get("access-control-request-method"),
        header_map.get("access-control-request-headers"),
    )
    if headers is None:
        return False
    ctx.response = Response(204, headers, b"")
    return True
