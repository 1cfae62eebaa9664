"""authorize: the method's authorizationType decides who may call it.

``NONE`` passes. ``CUSTOM`` runs a Lambda authorizer (``auth_lambda``): a cached result is
applied without waiting, else the function is invoked. The decision is taken on the
methodArn of the path the router matched, so no spelling of a path reaches a method
without that method's checks.
"""

from __future__ import annotations

from tollway.auth.policy import method_arn
from tollway.dataplane import auth_lambda
from tollway.dataplane.authorizers import CompiledAuthorizer
from tollway.dataplane.constants import ACCOUNT_ID, REGION
from tollway.dataplane.context import RequestContext
from tollway.dataplane.lambda_proxy import event_request
from tollway.dataplane.services import Services
from tollway.errors import AuthorizerConfigurationError


def authorize_now(ctx: RequestContext, services: Services) -> bool:
    """Authorize without waiting when possible; False: ``authorize`` must run."""
    method = ctx.method
    if method is None or method.auth.type == "NONE":
        return True
    authorizer = method.auth.authorizer
    if method.auth.type == "CUSTOM":
        assert authorizer is not None
        values = auth_lambda.identity_values(ctx, authorizer)
        if authorizer.ttl_seconds <= 0:
            return False
        cached = services.auth.cache.get(_cache_key(ctx, authorizer, values), services.clock())
        if cached is None:
            return False
        _grant(ctx, cached)
        return True
    return False


async def authorize(ctx: RequestContext, services: Services) -> None:
    method = ctx.method
    assert method is not None
    authorizer = method.auth.authorizer
    if method.auth.type == "CUSTOM":
        assert authorizer is not None
        await _lambda(ctx, services, authorizer)
        return
    raise AuthorizerConfigurationError(detail=f"authorization type {method.auth.type} is not served")


async def _lambda(ctx: RequestContext, services: Services, authorizer: CompiledAuthorizer) -> None:
    executor = services.auth.executor
    if executor is None:
        raise AuthorizerConfigurationError(detail="no function runtime for Lambda authorizers")
    values = auth_lambda.identity_values(ctx, authorizer)
    arn = request_arn(ctx)
    if authorizer.type == "TOKEN":
        event = auth_lambda.token_event(values[0], arn)
    else:
        assert ctx.method is not None
        event = auth_lambda.request_event(event_request(ctx, ctx.method), arn)
    result = await auth_lambda.invoke(executor, authorizer, event)
    if authorizer.ttl_seconds > 0:
        expires = services.clock() + authorizer.ttl_seconds
        services.auth.cache.put(_cache_key(ctx, authorizer, values), result, expires)
    _grant(ctx, result)


def _grant(ctx: RequestContext, result: auth_lambda.AuthorizerResult) -> None:
    auth_lambda.decide(result, request_arn(ctx))
    ctx.authorizer = auth_lambda.authorizer_context(result)
    ctx.usage_identifier_key = result.usage_identifier_key


def request_arn(ctx: RequestContext) -> str:
    """The methodArn of this request: the path the router matched, in this stage."""
    served = ctx.served
    assert served is not None
    return method_arn(REGION, ACCOUNT_ID, served.api_id, served.name, ctx.request.method, ctx.path)


def _cache_key(
    ctx: RequestContext, authorizer: CompiledAuthorizer, values: tuple[str, ...]
) -> tuple[str, ...]:
    served = ctx.served
    assert served is not None
    return (served.api_id, served.name, authorizer.id, *values)
