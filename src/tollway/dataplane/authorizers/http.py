"""How one HTTP API route authorizes, one class per ``authorizationType``, chosen at deployment
time (``compile_route_auth``); the ``http_authorize`` step calls ``check`` and nothing else.

What AWS documents for HTTP APIs, and does here:

* ``NONE``: everyone may call.
* ``JWT``: the token from the authorizer's identity source (``$request.header.Authorization``
  by default; a ``Bearer`` prefix is optional) must be signed by a key of the ``Issuer``'s key
  set (``{issuer}/.well-known/jwks.json`` or its OIDC discovery document), unexpired, with
  ``iss`` equal to the issuer and ``aud`` (or ``client_id`` when the token has no ``aud``) one
  of the ``Audience``. No token, or a bad one: 401 ``{"message":"Unauthorized"}``. A route with
  ``AuthorizationScopes`` needs one of them in the token's ``scope`` / ``scp``, else 403
  ``{"message":"Forbidden"}``. The claims and scopes reach the integration as
  ``requestContext.authorizer.jwt``. ``serve --jwt-issuer TEMPLATE=LOCAL`` maps the issuer a
  template names to one this machine reaches: the token's ``iss`` must be the local one.
* ``CUSTOM`` (a Lambda ``REQUEST`` authorizer): every identity source must be present and
  non-empty, else 401 without invoking the function. Payload 2.0 or 1.0 events; with
  ``EnableSimpleResponses`` the answer is ``{"isAuthorized": bool, "context": {...}}``, else an
  IAM policy that must allow the route's ARN. Refused: 403 ``{"message":"Forbidden"}``; an
  authorizer that fails or answers nonsense: 500 ``{"message":"Internal Server Error"}``.
  Answers are cached for ``AuthorizerResultTtlInSeconds`` by the identity sources' values
  (no caching without identity sources, as AWS requires them for caching).
* ``AWS_IAM``: a SigV4 signature of one of the world's identities whose policies allow
  ``execute-api:Invoke`` on the route's ARN; anything else: 403.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tollway.dataplane.authorizers import iam
from tollway.dataplane.authorizers import lambda_ as functions
from tollway.dataplane.authorizers.compile import MAX_TTL_SECONDS
from tollway.dataplane.authorizers.request import condition_context, request_arn
from tollway.dataplane.caller import AuthorizerContext
from tollway.errors import (
    AccessDenied,
    AuthorizerConfigurationError,
    DefinitionError,
    Forbidden,
    GatewayError,
    Unauthorized,
)
from tollway.functions.runtime.arn import function_from_uri, parse_function
from tollway.model.account import ACCOUNT_ID
from tollway.model.http_api import HttpApi, HttpAuthorizer, HttpRoute

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext
    from tollway.dataplane.services import Services

log = logging.getLogger("tollway.gateway")

DEFAULT_JWT_SOURCE = "$request.header.Authorization"


@dataclass(frozen=True, slots=True)
class Source:
    """One identity source: ``where`` is ``header``, ``querystring``, ``context`` or
    ``stageVariables``; a header name is lower-cased."""

    where: str
    name: str


class RouteAuth:
    """A route's authorization, compiled: ``check`` authorizes a request to it."""

    __slots__ = ()

    def check(self, ctx: RequestContext, services: Services) -> Awaitable[None] | None:
        """None when the request is authorized (raising the error that rejects it), else the
        awaitable that decides."""
        return None


NO_ROUTE_AUTH = RouteAuth()


@dataclass(frozen=True, slots=True)
class JwtAuth(RouteAuth):
    """``JWT``: a token of the issuer, for one of the audiences, with one of the scopes."""

    name: str
    issuer: str
    audiences: tuple[str, ...]
    source: Source
    scopes: tuple[str, ...]

    def check(self, ctx: RequestContext, services: Services) -> Awaitable[None] | None:
        values = source_values(ctx, (self.source,))
        if values is None:
            raise Unauthorized(detail=f"authorizer {self.name}: no token")
        token = values[0]
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthorized(detail=f"authorizer {self.name}: no token")
        return self._verify(ctx, services, token)

    async def _verify(self, ctx: RequestContext, services: Services, token: str) -> None:
        # PyJWT and cryptography cost about 20 MB a worker: loaded only when a token comes.
        from tollway.auth.jwks import JwksError
        from tollway.auth.jwt import JwtRules, TokenRejected, token_scopes, verify

        issuer = services.auth.jwt_issuers.get(self.issuer.rstrip("/"), self.issuer)
        rules = JwtRules(issuer=issuer, audiences=self.audiences)
        try:
            claims = await verify(token, rules, services.auth.jwks, services.clock())
        except TokenRejected as exc:
            raise Unauthorized(detail=f"authorizer {self.name}: {exc.reason}") from None
        except JwksError as exc:
            log.warning("authorizer %s: keys of %s unavailable: %s", self.name, issuer, exc)
            raise Unauthorized(detail=f"authorizer {self.name}: keys unavailable") from None
        held = token_scopes(claims)
        if self.scopes and not set(self.scopes).intersection(held):
            raise Forbidden(detail=f"authorizer {self.name}: the token has none of the route's scopes")
        texts = {str(name): _claim_text(value) for name, value in claims.items()}
        scopes = held or None
        ctx.authorizer = AuthorizerContext(claims=texts, kind="jwt", scopes=scopes)


@dataclass(frozen=True, slots=True)
class LambdaAuth(RouteAuth):
    """``CUSTOM``: a Lambda ``REQUEST`` authorizer, payload 1.0 or 2.0."""

    name: str
    function: str
    sources: tuple[Source, ...]
    payload_format_version: str
    simple: bool
    ttl_seconds: int

    def check(self, ctx: RequestContext, services: Services) -> Awaitable[None] | None:
        values = source_values(ctx, self.sources)
        if values is None:  # AWS: 401 without invoking the function
            raise Unauthorized(detail=f"authorizer {self.name}: an identity source is missing")
        if self.ttl_seconds > 0 and self.sources:
            found = services.auth.http_cache.get(self._key(ctx, values), services.clock())
            if found is not None:
                _admit(ctx, found[0])
                return None
        return self._invoke(ctx, services, values)

    def _key(self, ctx: RequestContext, values: tuple[str, ...]) -> tuple[str, ...]:
        http = ctx.http
        assert http is not None
        return (http.api_id, http.name, self.name, str(len(values)), *values)

    async def _invoke(self, ctx: RequestContext, services: Services, values: tuple[str, ...]) -> None:
        from tollway.dataplane.http_api.events import authorizer_event, parse_authorizer_answer

        executor = services.auth.executor
        if executor is None:
            raise AuthorizerConfigurationError(detail="no function runtime for Lambda authorizers")
        arn = request_arn(ctx)
        event = authorizer_event(ctx, self.payload_format_version, arn, values)
        payload = await _run(executor, self, event)
        answer = parse_authorizer_answer(payload, self.name, simple=self.simple, route_arn=arn)
        if self.ttl_seconds > 0 and self.sources:
            expires = services.clock() + self.ttl_seconds
            services.auth.http_cache.put(self._key(ctx, values), (answer,), expires)
        _admit(ctx, answer)


@dataclass(frozen=True, slots=True)
class IamAuth(RouteAuth):
    """``AWS_IAM``: a SigV4 signature of a known identity whose policies allow the route."""

    def check(self, ctx: RequestContext, services: Services) -> None:
        now = services.clock()
        try:
            principal = iam.signer(ctx.request, ctx.world.identities, now)
        except GatewayError as exc:
            raise Forbidden(exc.message, detail=f"SigV4: {exc.message}") from None
        try:
            iam.decide(principal, None, request_arn(ctx), condition_context(ctx, now))
        except AccessDenied as exc:
            raise Forbidden(exc.message, detail="identity policy does not allow the route") from None
        ctx.identity = principal.identity
        credentials = principal.credentials
        ctx.authorizer = AuthorizerContext(
            kind="iam",
            claims={
                "accessKey": credentials.access_key_id,
                "accountId": credentials.account_id,
                "callerId": credentials.access_key_id,
                "userArn": credentials.user_arn,
                "userId": credentials.access_key_id,
            },
        )


async def _run(executor: Any, auth: LambdaAuth, event: bytes) -> bytes:
    """The authorizer function's answer; a failure is 500, ``Unauthorized`` is 401."""
    import asyncio

    from tollway.functions.runtime.executor import FunctionNotFound, TooManyRequests

    name, _, qualifier = auth.function.partition(":")
    try:
        async with asyncio.timeout(functions.AUTHORIZER_TIMEOUT_S):
            result = await executor.invoke(name, event, qualifier=qualifier or None)
    except TimeoutError:
        raise AuthorizerConfigurationError(detail=f"authorizer {auth.name} did not answer in time") from None
    except (TooManyRequests, FunctionNotFound) as exc:
        raise AuthorizerConfigurationError(detail=f"authorizer {auth.name}: {exc}") from None
    if result.function_error:
        if functions.error_message(result.payload) == "Unauthorized":
            raise Unauthorized(detail=f"authorizer {auth.name} answered Unauthorized")
        raise AuthorizerConfigurationError(detail=f"authorizer {auth.name} failed")
    payload: bytes = result.payload
    return payload


def _admit(ctx: RequestContext, answer: AuthorizerContext | None) -> None:
    if answer is None:
        raise Forbidden(detail="the Lambda authorizer refused the request")
    ctx.authorizer = answer


def _claim_text(value: Any) -> str:
    """A claim as HTTP APIs report it: strings as they are, arrays as ``[a b]``, others as JSON
    scalars would print (``true``, ``1700000000``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(item) for item in value) + "]"
    return str(value)


def source_values(ctx: RequestContext, sources: tuple[Source, ...]) -> tuple[str, ...] | None:
    """Each identity source's value (repeated headers or parameters comma-joined), or None
    when one is missing or empty."""
    values = []
    for source in sources:
        value: str | None
        if source.where == "header":
            found = [v for k, v in ctx.request.headers if k.lower() == source.name]
            value = ",".join(found) if found else None
        elif source.where == "querystring":
            query = ctx.query.get(source.name)
            value = ",".join(query) if query else None
        elif source.where == "stageVariables":
            http = ctx.http
            value = http.stage.variables.get(source.name) if http is not None else None
        else:
            value = context_value(ctx, source.name)
        if not value:
            return None
        values.append(value)
    return tuple(values)


def context_value(ctx: RequestContext, name: str) -> str | None:
    """``$context.X`` values of an HTTP API request that identity sources and mappings read."""
    http = ctx.http
    if name in ("httpMethod", "http.method"):
        return ctx.request.method
    if name in ("path", "http.path"):
        return ctx.path
    if name in ("identity.sourceIp", "http.sourceIp", "sourceIp"):
        return ctx.request.source_ip
    if name in ("identity.userAgent", "http.userAgent"):
        return ctx.header_map.get("user-agent")
    if name == "requestId":
        return ctx.request_id
    if name == "routeKey":
        return ctx.route.route_key if ctx.route is not None else None
    if name in ("stage", "apiId") and http is not None:
        return http.name if name == "stage" else http.api_id
    if name == "domainName":
        return ctx.domain
    if name == "accountId":
        return ACCOUNT_ID
    if name.startswith("authorizer.") and ctx.authorizer is not None:
        return ctx.authorizer.value(name.removeprefix("authorizer."))
    return None


def parse_source(text: str, source: str, where: str) -> Source:
    """``$request.header.X`` / ``$request.querystring.x`` / ``$context.x`` / ``$stageVariables.x``."""
    text = text.strip()
    for prefix, kind in (
        ("$request.header.", "header"),
        ("$request.querystring.", "querystring"),
        ("$context.", "context"),
        ("$stageVariables.", "stageVariables"),
    ):
        if text.startswith(prefix) and len(text) > len(prefix):
            name = text[len(prefix) :]
            return Source(kind, name.lower() if kind == "header" else name)
    raise DefinitionError(
        source,
        where,
        f"identity source {text!r} is not $request.header.X, "
        "$request.querystring.X, $context.X or $stageVariables.X",
    )


def compile_route_auth(
    route: HttpRoute, api: HttpApi, variables: Mapping[str, str], source: str, where: str
) -> RouteAuth:
    """How ``route`` authorizes; an unknown type or authorizer raises DefinitionError."""
    kind = (route.authorization_type or "NONE").upper()
    if kind == "NONE":
        return NO_ROUTE_AUTH
    if kind == "AWS_IAM":
        return IamAuth()
    if kind not in ("JWT", "CUSTOM"):
        raise DefinitionError(source, where, f"unknown authorization type {kind!r}")
    authorizer = api.authorizer(route.authorizer_id or "")
    if authorizer is None:
        raise DefinitionError(source, where, f"no authorizer {route.authorizer_id!r} in this API")
    where = f"/authorizers/{authorizer.name}"
    if kind == "JWT":
        return _jwt(authorizer, route, source, where)
    return _lambda(authorizer, source, where)


def _jwt(authorizer: HttpAuthorizer, route: HttpRoute, source: str, where: str) -> JwtAuth:
    if authorizer.type.upper() != "JWT":
        raise DefinitionError(source, where, f"a JWT route needs a JWT authorizer, not {authorizer.type}")
    if not authorizer.issuer:
        raise DefinitionError(source, where, "a JWT authorizer needs an Issuer")
    sources = authorizer.identity_source or (DEFAULT_JWT_SOURCE,)
    if len(sources) != 1:
        raise DefinitionError(source, where, "a JWT authorizer takes exactly one identity source")
    return JwtAuth(
        authorizer.name,
        authorizer.issuer,
        authorizer.audience,
        parse_source(sources[0], source, where),
        tuple(route.authorization_scopes),
    )


def _lambda(authorizer: HttpAuthorizer, source: str, where: str) -> LambdaAuth:
    if authorizer.type.upper() != "REQUEST":
        raise DefinitionError(
            source, where, f"a CUSTOM route needs a REQUEST authorizer, not {authorizer.type}"
        )
    uri = authorizer.authorizer_uri or ""
    ref = function_from_uri(uri) or parse_function(uri)
    if ref is None:
        raise DefinitionError(source, where, f"the authorizer URI names no Lambda function: {uri!r}")
    version = authorizer.payload_format_version
    if version not in ("1.0", "2.0"):
        raise DefinitionError(
            source, where, f"AuthorizerPayloadFormatVersion must be 1.0 or 2.0, not {version!r}"
        )
    if authorizer.enable_simple_responses and version != "2.0":
        raise DefinitionError(source, where, "simple responses need AuthorizerPayloadFormatVersion 2.0")
    ttl = authorizer.result_ttl_seconds
    if not 0 <= ttl <= MAX_TTL_SECONDS:
        raise DefinitionError(source, where, f"AuthorizerResultTtlInSeconds must be 0 to 3600, not {ttl}")
    return LambdaAuth(
        authorizer.name,
        ref.name if ref.qualifier is None else f"{ref.name}:{ref.qualifier}",
        tuple(parse_source(text, source, where) for text in authorizer.identity_source),
        version,
        authorizer.enable_simple_responses,
        ttl,
    )
