"""map_request: build the integration request from the method request, as the method's
integration kind does it (``tollway.dataplane.integrations.kinds``): proxy integrations pass
the whole request through, non-proxy ones send what the parameter mappings and the request
template produce (MOCK's template gives the ``statusCode`` it answers with)."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.errors import ApiConfigurationError


def map_request(ctx: RequestContext, services: Services) -> None:
    method = ctx.method
    assert method is not None and ctx.served is not None
    if method.config_error is not None or method.kind is None:
        raise ApiConfigurationError(detail=method.config_error)
    ctx.integration_request = method.kind.build(ctx, method)
