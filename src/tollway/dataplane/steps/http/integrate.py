"""integrate: call the route's integration (a Lambda function with the payload 2.0 or 1.0
event, or a URL) and read its answer into the response."""

from __future__ import annotations

from collections.abc import Awaitable

from tollway.dataplane.context import RequestContext
from tollway.dataplane.http_api import events, proxy
from tollway.dataplane.http_api.snapshot import LAMBDA, CompiledIntegration
from tollway.dataplane.integrations.base import Integration
from tollway.dataplane.services import Services
from tollway.errors import ApiConfigurationError


def integrate(ctx: RequestContext, services: Services) -> Awaitable[None]:
    route = ctx.route
    assert route is not None and route.integration is not None
    integration = route.integration
    transport = services.integrations.get(integration.type)
    if transport is None:
        raise ApiConfigurationError(detail=f"no integration registered for {integration.type}")
    return _call(ctx, services, transport, integration)


async def _call(
    ctx: RequestContext, services: Services, transport: Integration, integration: CompiledIntegration
) -> None:
    if integration.type == LAMBDA:
        result = await transport.call(events.lambda_request(ctx, integration))
        ctx.response = events.lambda_response(ctx, integration, result)
    else:
        result = await transport.call(proxy.proxy_request(ctx, integration, services.vpc_links))
        ctx.response = proxy.proxy_response(ctx, integration, result)
