"""Lambda authorizers (TOKEN and REQUEST): identity, event, result, cache, as API Gateway does.

* The identity comes from the authorizer's identity sources; a missing one answers 401
  ``Unauthorized`` without invoking (and so does a TOKEN that fails
  ``identityValidationExpression``).
* The function gets the TOKEN event ``{"type", "authorizationToken", "methodArn"}`` or the
  REQUEST event (a proxy event without the body, plus ``type`` and ``methodArn``).
* Its answer: ``principalId``, ``policyDocument`` (IAM-style, ``execute-api:Invoke``),
  optional ``context`` (string, number and boolean values only) and ``usageIdentifierKey``.
  The function raising ``Unauthorized`` (exactly) answers 401; other function errors and
  answers that are not such a document answer 500 AUTHORIZER_CONFIGURATION_ERROR
  (``{"message": null}``); a timeout or an exhausted concurrency answers 500
  AUTHORIZER_FAILURE.
* Results are cached per authorizer of a stage for ``authorizerResultTtlInSeconds``, keyed
  by the token or by every identity source's value. A cached result answers later requests
  to any method of the stage, and its policy is evaluated against each request's own
  methodArn: a policy that allowed only the first method denies the others (403) until the
  entry expires, the AWS behaviour users trip on.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from tollway.auth.policy import Policy, PolicyError, Verdict, compile_policy
from tollway.dataplane.authorizers.compile import CompiledAuthorizer
from tollway.dataplane.caller import AuthorizerContext
from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.lambda_proxy.events import EventRequest, build_v1_event, encode_event
from tollway.errors import (
    AccessDenied,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    Unauthorized,
)
from tollway.functions.runtime.executor import Executor, FunctionNotFound, TooManyRequests

AUTHORIZER_TIMEOUT_S = 30.0
"""An authorizer runs within its function's own timeout; this bounds the wait on it."""
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
INVOKE = "execute-api:Invoke"
CACHE_ENTRIES = 10_000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AuthorizerResult:
    """What a Lambda authorizer answered, parsed once (cached as is)."""

    principal_id: str
    policy: Policy
    context: dict[str, str]
    """``context`` values as API Gateway passes them on: strings (numbers and booleans too)."""
    usage_identifier_key: str | None
    authorizer_context: AuthorizerContext = field(init=False, repr=False, compare=False)
    """``$context.authorizer`` of a request this answer admits."""

    def __post_init__(self) -> None:
        context = AuthorizerContext(principal_id=self.principal_id, context=self.context)
        object.__setattr__(self, "authorizer_context", context)


class ResultCache(Generic[T]):
    """Authorizer results by (api, stage, authorizer, identity), each with its expiry; bounded."""

    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, ...], tuple[float, T]] = OrderedDict()
        self._size = size

    def get(self, key: tuple[str, ...], now: float) -> T | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: tuple[str, ...], result: T, expires_at: float) -> None:
        self._entries[key] = (expires_at, result)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


@dataclass(frozen=True, slots=True)
class Identity:
    values: tuple[str, ...]
    """Each identity source's value, in order; a repeated header or query parameter joined
    with commas (the TOKEN an authorizer gets)."""
    key: tuple[str, ...]
    """The same, unambiguous: each source's count of values, then the values. The cache key:
    joined, ``tenant=a&tenant=b`` and ``tenant=a%2Cb`` would share one cached answer, though
    the authorizer sees them differently (the fuzzer's oracle caught it)."""


def identity_values(ctx: RequestContext, authorizer: CompiledAuthorizer) -> Identity:
    """Every identity source's value, in order; 401 when one is missing or empty, or when a
    TOKEN does not match the validation expression (AWS: the function is not invoked)."""
    served = ctx.served
    assert served is not None
    values = []
    key: list[str] = []
    for source in authorizer.sources:
        found: list[str] | None
        if source.where in ("header", "multivalueheader"):
            found = [v for k, v in ctx.request.headers if k.lower() == source.name]
        elif source.where in ("querystring", "multivaluequerystring"):
            found = ctx.query.get(source.name)
        elif source.where == "stageVariables":
            value = served.stage.variables.get(source.name)
            found = None if value is None else [value]
        else:
            value = _context_value(ctx, source.name)
            found = None if value is None else [value]
        joined = ",".join(found) if found else ""
        if not joined:
            raise Unauthorized(detail=f"authorizer {authorizer.name}: identity source {source.name} missing")
        values.append(joined)
        key.append(str(len(found or ())))
        key.extend(found or ())
    expression = authorizer.validation
    if authorizer.type == "TOKEN" and expression is not None and not expression.fullmatch(values[0]):
        raise Unauthorized(detail=f"authorizer {authorizer.name}: token fails the validation expression")
    return Identity(tuple(values), tuple(key))


def token_event(token: str, method_arn: str) -> bytes:
    return encode_event({"type": "TOKEN", "methodArn": method_arn, "authorizationToken": token})


def request_event(request: EventRequest, method_arn: str) -> bytes:
    event = build_v1_event(request)
    del event["body"], event["isBase64Encoded"]
    event["requestContext"].pop("authorizer", None)
    return encode_event({"type": "REQUEST", "methodArn": method_arn, **event})


async def invoke(executor: Executor, authorizer: CompiledAuthorizer, event: bytes) -> AuthorizerResult:
    """Run the authorizer function and parse its answer (see the module docstring for errors)."""
    assert authorizer.function is not None
    name, _, qualifier = authorizer.function.partition(":")
    try:
        async with asyncio.timeout(AUTHORIZER_TIMEOUT_S):
            result = await executor.invoke(name, event, qualifier=qualifier or None)
    except TimeoutError:
        raise AuthorizerFailure(detail=f"authorizer {authorizer.name} did not answer in time") from None
    except TooManyRequests:
        raise AuthorizerFailure(detail=f"authorizer {authorizer.name}: function throttled") from None
    except FunctionNotFound as exc:
        raise AuthorizerConfigurationError(detail=f"authorizer {authorizer.name}: {exc}") from None
    if result.function_error:
        if error_message(result.payload) == "Unauthorized":
            raise Unauthorized(detail=f"authorizer {authorizer.name} answered Unauthorized")
        raise AuthorizerConfigurationError(detail=f"authorizer {authorizer.name} failed")
    return parse_result(result.payload, authorizer.name)


def parse_result(payload: bytes, name: str) -> AuthorizerResult:
    """The authorizer's answer; anything but a valid one is AUTHORIZER_CONFIGURATION_ERROR."""
    try:
        answer = json.loads(payload)
    except ValueError:
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: answer is not JSON") from None
    if not isinstance(answer, dict):
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: answer is not an object")
    principal = answer.get("principalId")
    if not isinstance(principal, str | int | float) or isinstance(principal, bool):
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: principalId missing")
    try:
        policy = compile_policy(answer.get("policyDocument"))
    except PolicyError as exc:
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: bad policyDocument: {exc}") from None
    context = answer.get("context") or {}
    if not isinstance(context, dict):
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: context is not an object")
    flat: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, bool):
            flat[str(key)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            flat[str(key)] = str(value)
        elif value is not None:  # AWS refuses objects and arrays in the context map
            raise AuthorizerConfigurationError(detail=f"authorizer {name}: context.{key} is not a scalar")
    usage = answer.get("usageIdentifierKey")
    return AuthorizerResult(str(principal), policy, flat, usage if isinstance(usage, str) else None)


def decide(result: AuthorizerResult, method_arn: str, resource_verdict: Verdict | None = None) -> None:
    """403 unless the result's policy allows this methodArn (an explicit Deny wins), or it is
    silent and the API's resource policy allows it (AWS's table for both in one account)."""
    verdict = result.policy.evaluate(INVOKE, method_arn)
    if verdict is Verdict.DENY:
        raise AccessDenied(EXPLICIT_DENY)
    if verdict is not Verdict.ALLOW and resource_verdict is not Verdict.ALLOW:
        raise AccessDenied()


def error_message(payload: bytes) -> str | None:
    try:
        document = json.loads(payload)
    except ValueError:
        return None
    message = document.get("errorMessage") if isinstance(document, dict) else None
    return message if isinstance(message, str) else None


def _context_value(ctx: RequestContext, name: str) -> str | None:
    """``context.X`` identity sources: the request's own ``$context`` values."""
    served = ctx.served
    simple: dict[str, str | None] = {
        "httpMethod": ctx.request.method,
        "path": ctx.path,
        "resourcePath": ctx.resource_path,
        "requestId": ctx.request_id,
        "stage": served.name if served is not None else None,
        "apiId": served.api_id if served is not None else None,
        "identity.sourceIp": ctx.request.source_ip,
        "sourceIp": ctx.request.source_ip,
        "identity.userAgent": ctx.header_map.get("user-agent"),
    }
    return simple.get(name)
