"""authorize: the method's authorizationType decides who may call it.

* ``NONE`` passes (the resource policy, if any, was applied before).
* ``CUSTOM`` runs a Lambda authorizer (``authorizers.lambda_``): a cached result is applied
  without waiting, else the step waits for the function.
* ``COGNITO_USER_POOLS`` verifies a user pool token (``authorizers.cognito``): cached claims
  without waiting, else the step waits for the issuer's keys.
* ``AWS_IAM`` verifies the SigV4 signature of a stored identity and its policies
  (``authorizers.iam``), without waiting.

With a resource policy, AWS's tables apply: an authorizer's Deny or the policy's Deny
denies; a Lambda authorizer's Allow, or the policy's Allow, allows; a user pool token needs
the policy's Allow too. Every decision is taken on the methodArn of the path the router
matched, so no spelling of a path reaches a method without that method's checks.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from tollway.auth import sigv4
from tollway.auth.policy import Verdict
from tollway.dataplane.authorizers import cognito as auth_cognito
from tollway.dataplane.authorizers import iam as auth_iam
from tollway.dataplane.authorizers import lambda_ as auth_lambda
from tollway.dataplane.authorizers.compile import CompiledAuthorizer
from tollway.dataplane.authorizers.lambda_ import ResultCache
from tollway.dataplane.authorizers.request import condition_context, request_arn
from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.lambda_proxy.proxy import event_request
from tollway.dataplane.services import Services
from tollway.errors import AccessDenied, AuthorizerConfigurationError

T = TypeVar("T")


def authorize(ctx: RequestContext, services: Services) -> Awaitable[None] | None:
    """Authorize without waiting when the answer is known (no authorizer, IAM, a cached
    result); else the awaitable that invokes the authorizer or verifies the token."""
    method = ctx.method
    if method is None or method.auth.type == "NONE":
        return None
    if method.auth.type == "AWS_IAM":
        _iam(ctx, services)
        return None
    authorizer = method.auth.authorizer
    assert authorizer is not None
    if method.auth.type == "CUSTOM":
        values = auth_lambda.identity_values(ctx, authorizer)  # 401 without invoking
        found = _cached(services.auth.cache, ctx, authorizer, values, services.clock())
        if found is None:
            return _lambda(ctx, services, authorizer)
        _grant(ctx, found)
        return None
    token = auth_cognito.token_of(ctx, authorizer)  # 401 without a token
    key = (*method.auth.scopes, token)
    claims = _cached(services.auth.claims, ctx, authorizer, key, services.clock())
    if claims is None:
        return _user_pool(ctx, services, authorizer, token)
    _grant_claims(ctx, claims)
    return None


def _cached(
    cache: ResultCache[T],
    ctx: RequestContext,
    authorizer: CompiledAuthorizer,
    key: tuple[str, ...],
    now: float,
) -> T | None:
    if authorizer.ttl_seconds <= 0:
        return None
    return cache.get(_cache_key(ctx, authorizer, key), now)


async def _user_pool(
    ctx: RequestContext, services: Services, authorizer: CompiledAuthorizer, token: str
) -> None:
    method = ctx.method
    assert method is not None
    auth = services.auth
    now = services.clock()
    claims, expires = await auth_cognito.authenticate(
        token, authorizer, method.auth.scopes, auth.user_pools, auth.jwks, now
    )
    if authorizer.ttl_seconds > 0:
        key = _cache_key(ctx, authorizer, (*method.auth.scopes, token))
        auth.claims.put(key, claims, min(now + authorizer.ttl_seconds, expires))
    _grant_claims(ctx, claims)


def _grant_claims(ctx: RequestContext, claims: dict[str, str]) -> None:
    """A user pool token passed; with a resource policy, it must allow too (AWS)."""
    if ctx.policy_verdict is not None and ctx.policy_verdict is not Verdict.ALLOW:
        raise AccessDenied()
    ctx.authorizer = {"claims": claims}


def _iam(ctx: RequestContext, services: Services) -> None:
    identities = services.auth.identities
    request = ctx.request
    raw_path, _, raw_query = request.target.partition("?")
    now = services.clock()
    verified = sigv4.verify(
        request.method,
        raw_path,
        raw_query,
        request.headers,
        request.body,
        identities.credentials,
        now,
    )
    principal = identities.principal(verified.credentials.access_key_id)
    assert principal is not None
    served = ctx.served
    assert served is not None
    context = condition_context(ctx, now)
    context["aws:PrincipalAccount"] = principal.credentials.account_id
    auth_iam.decide(principal, served.policy, request_arn(ctx), context)
    credentials = principal.credentials
    ctx.identity.update(
        {
            "accessKey": credentials.access_key_id,
            "accountId": credentials.account_id,
            "caller": credentials.access_key_id,
            "user": credentials.access_key_id,
            "userArn": credentials.user_arn,
        }
    )


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
    auth_lambda.decide(result, request_arn(ctx), ctx.policy_verdict)
    ctx.authorizer = auth_lambda.authorizer_context(result)
    ctx.usage_identifier_key = result.usage_identifier_key


def _cache_key(
    ctx: RequestContext, authorizer: CompiledAuthorizer, values: tuple[str, ...]
) -> tuple[str, ...]:
    served = ctx.served
    assert served is not None
    return (served.api_id, served.name, authorizer.id, *values)
