"""integrate: call the backend through the integration registered for the method's type."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.errors import ApiConfigurationError


async def integrate(ctx: RequestContext, services: Services) -> None:
    assert ctx.method is not None and ctx.integration_request is not None
    transport = services.integrations.get(ctx.method.kind)
    if transport is None:
        raise ApiConfigurationError(detail=f"no integration registered for {ctx.method.kind}")
    ctx.integration_result = await transport.call(ctx.integration_request)
