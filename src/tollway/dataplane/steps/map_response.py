"""map_response: turn the integration's answer into the method response, as the method's
integration kind reads it (``tollway.dataplane.integrations.kinds``): proxy integrations
return the backend's status and body as they are, non-proxy ones pick an integration
response by ``selectionPattern`` and apply its header mappings and template."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services


def map_response(ctx: RequestContext, services: Services) -> None:
    method, result = ctx.method, ctx.integration_result
    assert method is not None and method.kind is not None and result is not None
    ctx.response = method.kind.read(ctx, method, result)
