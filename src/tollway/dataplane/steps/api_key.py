"""api_key: a method with ``apiKeyRequired`` needs an enabled key that a usage plan grants
this API stage (AWS: else 403 {"message":"Forbidden"}, INVALID_API_KEY).

The key comes from the ``x-api-key`` header (API key source HEADER) or from the authorizer's
``usageIdentifierKey`` (source AUTHORIZER).
"""

from __future__ import annotations

from tollway.dataplane.caller import ANONYMOUS
from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.errors import InvalidApiKey


def api_key(ctx: RequestContext, services: Services) -> None:
    method, served = ctx.method, ctx.served
    if method is None or served is None or not method.method.api_key_required:
        return
    if served.api_key_source == "AUTHORIZER":
        value = ctx.usage_identifier_key
    else:
        value = ctx.header_map.get("x-api-key")
    index = ctx.world.keys
    key = index.find(value) if isinstance(value, str) and value else None
    if key is None or not key.enabled:
        raise InvalidApiKey()
    grant = index.grant(key.id, served.api_id, served.name)
    if grant is None:
        raise InvalidApiKey()
    ctx.identity = grant.identity if ctx.identity is ANONYMOUS else ctx.identity.with_api_key(grant.identity)
    ctx.grant = grant
