"""integrate: call the backend through the transport registered for the method's integration
type; a payload the target refuses (Lambda's Invoke: anything but JSON) fails here, before
it is sent (``integrations.lambda_.check_lambda_payload``)."""

from __future__ import annotations

from collections.abc import Awaitable

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.base import Integration
from tollway.dataplane.messages import IntegrationRequest
from tollway.dataplane.services import Services
from tollway.errors import ApiConfigurationError


def integrate(ctx: RequestContext, services: Services) -> Awaitable[None]:
    """The awaitable that calls the backend (a request it refuses fails here, before it)."""
    method, request = ctx.method, ctx.integration_request
    assert method is not None and method.kind is not None and request is not None
    kind = method.kind
    transport = services.integrations.get(kind.name)
    if transport is None:
        raise ApiConfigurationError(detail=f"no integration registered for {kind.name}")
    if kind.refuse is not None:
        kind.refuse(request.body)
    return _call(ctx, transport, request)


async def _call(ctx: RequestContext, transport: Integration, request: IntegrationRequest) -> None:
    ctx.integration_result = await transport.call(request)
