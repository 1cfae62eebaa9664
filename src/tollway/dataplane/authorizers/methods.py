"""How one method authorizes, one class per ``authorizationType``, chosen at deployment time
(``method_auth``); the ``authorize`` step calls ``check`` and nothing else.

* ``NONE`` (``NoAuth``) passes (the resource policy, if any, was applied before).
* ``AWS_IAM`` (``IamAuth``) verifies the SigV4 signature of one of the world's identities and
  its policies (``iam``), without waiting.
* ``CUSTOM`` (``LambdaAuth``) runs a Lambda authorizer (``lambda_``): a cached result is
  applied without waiting, else ``check`` returns the awaitable that invokes the function.
* ``COGNITO_USER_POOLS`` (``UserPoolAuth``) verifies a user pool token (``cognito``): cached
  claims without waiting, else the awaitable that fetches the issuer's keys.

With a resource policy, AWS's tables apply: an authorizer's Deny or the policy's Deny
denies; a Lambda authorizer's Allow, or the policy's Allow, allows; a user pool token needs
the policy's Allow too. Every decision is taken on the methodArn of the path the router
matched, so no spelling of a path reaches a method without that method's checks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

from tollway.auth.policy import Verdict
from tollway.dataplane.authorizers import cognito, iam
from tollway.dataplane.authorizers import lambda_ as functions
from tollway.dataplane.authorizers.compile import CompiledAuthorizer
from tollway.dataplane.authorizers.lambda_ import ResultCache
from tollway.dataplane.authorizers.request import condition_context, request_arn
from tollway.dataplane.caller import AuthorizerContext
from tollway.dataplane.integrations.lambda_proxy.proxy import event_request
from tollway.errors import AccessDenied, AuthorizerConfigurationError, DefinitionError
from tollway.model.api import Method

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext
    from tollway.dataplane.services import Services

T = TypeVar("T")

AuthorizationType = Literal["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]


class MethodAuth:
    """A method's authorization, compiled: ``check`` authorizes a request to it."""

    __slots__ = ()
    type: ClassVar[AuthorizationType]
    """AWS's ``authorizationType`` this class checks."""

    def check(self, ctx: RequestContext, services: Services) -> Awaitable[None] | None:
        """None when the request is authorized (raising the gateway error that rejects it),
        else the awaitable that decides."""
        raise NotImplementedError


class NoAuth(MethodAuth):
    """``NONE``: everyone may call (subject to the resource policy)."""

    __slots__ = ()
    type = "NONE"

    def check(self, ctx: RequestContext, services: Services) -> None:
        return None


class IamAuth(MethodAuth):
    """``AWS_IAM``: a SigV4 signature of a known identity whose policies allow the call."""

    __slots__ = ()
    type = "AWS_IAM"

    def check(self, ctx: RequestContext, services: Services) -> None:
        now = services.clock()
        principal = iam.signer(ctx.request, ctx.world.identities, now)
        assert ctx.served is not None
        context = condition_context(ctx, now)
        context["aws:PrincipalAccount"] = principal.credentials.account_id
        iam.decide(principal, ctx.served.policy, request_arn(ctx), context)
        ctx.identity = principal.identity


@dataclass(frozen=True, slots=True)
class LambdaAuth(MethodAuth):
    """``CUSTOM``: a Lambda authorizer, TOKEN or REQUEST, its answers cached for its TTL."""

    type: ClassVar[AuthorizationType] = "CUSTOM"
    authorizer: CompiledAuthorizer

    def check(self, ctx: RequestContext, services: Services) -> Awaitable[None] | None:
        authorizer = self.authorizer
        identity = functions.identity_values(ctx, authorizer)  # 401 without invoking
        found = _cached(services.auth.cache, ctx, authorizer, identity.key, services.clock())
        if found is None:
            return self._invoke(ctx, services, identity)
        _admit(ctx, found)
        return None

    async def _invoke(self, ctx: RequestContext, services: Services, identity: functions.Identity) -> None:
        executor = services.auth.executor
        if executor is None:
            raise AuthorizerConfigurationError(detail="no function runtime for Lambda authorizers")
        authorizer = self.authorizer
        arn = request_arn(ctx)
        if authorizer.type == "TOKEN":
            event = functions.token_event(identity.values[0], arn)
        else:
            assert ctx.method is not None
            event = functions.request_event(event_request(ctx, ctx.method), arn)
        result = await functions.invoke(executor, authorizer, event)
        if authorizer.ttl_seconds > 0:
            expires = services.clock() + authorizer.ttl_seconds
            services.auth.cache.put(_cache_key(ctx, authorizer, identity.key), result, expires)
        _admit(ctx, result)


@dataclass(frozen=True, slots=True)
class UserPoolAuth(MethodAuth):
    """``COGNITO_USER_POOLS``: a user pool token, with the method's scopes if any."""

    type: ClassVar[AuthorizationType] = "COGNITO_USER_POOLS"
    authorizer: CompiledAuthorizer
    scopes: tuple[str, ...] = ()

    def check(self, ctx: RequestContext, services: Services) -> Awaitable[None] | None:
        token = cognito.token_of(ctx, self.authorizer)  # 401 without a token
        claims = _cached(services.auth.claims, ctx, self.authorizer, (*self.scopes, token), services.clock())
        if claims is None:
            return self._verify(ctx, services, token)
        _admit_claims(ctx, claims)
        return None

    async def _verify(self, ctx: RequestContext, services: Services, token: str) -> None:
        auth, authorizer = services.auth, self.authorizer
        now = services.clock()
        claims, expires = await cognito.authenticate(
            token, authorizer, self.scopes, auth.user_pools, auth.jwks, now
        )
        if authorizer.ttl_seconds > 0:
            key = _cache_key(ctx, authorizer, (*self.scopes, token))
            auth.claims.put(key, claims, min(now + authorizer.ttl_seconds, expires))
        _admit_claims(ctx, claims)


NO_AUTH = NoAuth()
IAM_AUTH = IamAuth()


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


def _admit(ctx: RequestContext, result: functions.AuthorizerResult) -> None:
    functions.decide(result, request_arn(ctx), ctx.policy_verdict)
    ctx.authorizer = result.authorizer_context
    ctx.usage_identifier_key = result.usage_identifier_key


def _admit_claims(ctx: RequestContext, claims: dict[str, str]) -> None:
    """A user pool token passed; with a resource policy, it must allow too (AWS)."""
    if ctx.policy_verdict is not None and ctx.policy_verdict is not Verdict.ALLOW:
        raise AccessDenied()
    ctx.authorizer = AuthorizerContext(claims=claims)


def _cache_key(
    ctx: RequestContext, authorizer: CompiledAuthorizer, values: tuple[str, ...]
) -> tuple[str, ...]:
    served = ctx.served
    assert served is not None
    return (served.api_id, served.name, authorizer.id, *values)


def method_auth(
    method: Method, authorizers: Mapping[str, CompiledAuthorizer], source: str, where: str
) -> MethodAuth:
    """How ``method`` authorizes; an unknown type or authorizer raises DefinitionError."""
    kind = (method.authorization_type or "NONE").upper()
    if kind == "NONE":
        return NO_AUTH
    if kind == "AWS_IAM":
        return IAM_AUTH
    if kind not in ("CUSTOM", "COGNITO_USER_POOLS"):
        raise DefinitionError(source, where, f"unknown authorization type {kind!r}")
    authorizer = authorizers.get(method.authorizer_id or "")
    if authorizer is None:
        raise DefinitionError(source, where, f"no authorizer {method.authorizer_id!r} in this API")
    if kind == "CUSTOM":
        return LambdaAuth(authorizer)
    return UserPoolAuth(authorizer, tuple(method.authorization_scopes))
