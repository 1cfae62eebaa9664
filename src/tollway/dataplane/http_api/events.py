"""What an HTTP API hands a Lambda function and reads back: the integration's event (payload
2.0 or 1.0), its answer, and a Lambda ``REQUEST`` authorizer's event and answer.

AWS's documented shapes ("Create AWS Lambda proxy integrations for HTTP APIs", "Working with
AWS Lambda authorizers for HTTP APIs"), and where HTTP APIs differ from REST's events:

- 2.0: ``rawPath`` and ``requestContext.http.path`` carry the stage segment of a named stage
  (``/beta/pets``), none for ``$default``; ``requestId`` is the short id the client gets in
  ``apigw-requestid``; header names are lower-cased and repeated ones comma-joined; cookies
  move to ``cookies``; query values are comma-joined.
- 1.0 on an HTTP API: ``version: "1.0"``, ``resource`` is the route's path (``$default`` for
  that route), ``resourceId`` is null, header names lower-cased, and
  ``requestContext.authorizer`` is ``{"claims": null, "scopes": null}`` without an authorizer.
- The body is base64-encoded unless its media type is text: ``text/*``, JSON, JavaScript, XML
  (``+json`` / ``+xml`` too); a form post (``application/x-www-form-urlencoded``) arrives
  base64-encoded, as HTTP APIs send it. A body without a ``Content-Type`` is sent as text when
  it is UTF-8.
- Answers: payload 2.0's inference (a dict without ``statusCode`` is a 200 JSON body; a string
  is the body), 1.0's strict shape. A failed function, a malformed answer: 500
  ``{"message":"Internal Server Error"}``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tollway.auth.policy import Verdict
from tollway.dataplane.authorizers import lambda_ as functions
from tollway.dataplane.caller import AuthorizerContext
from tollway.dataplane.integrations.forwarded import forwarded_headers
from tollway.dataplane.integrations.headers import FORWARDED, TRACE, proxy_response_headers
from tollway.dataplane.integrations.lambda_ import FUNCTION_ERROR_HEADER, TRACE_HEADER
from tollway.dataplane.integrations.lambda_proxy.events import (
    EventRequest,
    build_v1_event,
    build_v2_event,
    encode_event,
)
from tollway.dataplane.integrations.lambda_proxy.responses import (
    MalformedResponse,
    parse_v1_response,
    parse_v2_response,
)
from tollway.dataplane.integrations.tracing import trace_header
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Response
from tollway.errors import AuthorizerConfigurationError, LambdaResponseError
from tollway.model.account import ACCOUNT_ID
from tollway.model.http_api import DEFAULT_ROUTE

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext
    from tollway.dataplane.http_api.snapshot import CompiledIntegration

_REPLACED = FORWARDED | {TRACE.lower()}
_TEXT_TYPES = frozenset({"application/json", "application/javascript", "application/xml"})
_NO_AUTHORIZER_V1 = {"claims": None, "scopes": None}


def lambda_request(ctx: RequestContext, integration: CompiledIntegration) -> IntegrationRequest:
    """The invocation of the route's function with the request as its event."""
    event = v1_event(ctx) if integration.payload_format_version == "1.0" else v2_event(ctx)
    return IntegrationRequest(
        method="POST",
        url=integration.target,
        headers=[(TRACE_HEADER, trace_header(ctx))],
        body=encode_event(event),
        timeout_s=integration.timeout_s,
    )


def lambda_response(
    ctx: RequestContext, integration: CompiledIntegration, result: IntegrationResult
) -> Response:
    """The function's answer read by its payload format's rules (500 when it failed)."""
    error = next((v for k, v in result.headers if k == FUNCTION_ERROR_HEADER), None)
    try:
        if integration.payload_format_version == "1.0":
            answer = parse_v1_response(result.body, function_error=error)
        else:
            answer = parse_v2_response(result.body, function_error=error)
    except MalformedResponse as exc:
        raise LambdaResponseError(detail=f"malformed Lambda response: {exc}") from None
    return Response(answer.status, proxy_response_headers(answer.headers), answer.body)


def v2_event(ctx: RequestContext) -> dict[str, Any]:
    """The payload format 2.0 event of this request."""
    route = ctx.route
    assert route is not None
    return build_v2_event(
        event_request(ctx),
        route_key=route.route_key,
        raw_path=raw_path(ctx),
        raw_query=ctx.request.target.partition("?")[2],
    )


def v1_event(ctx: RequestContext) -> dict[str, Any]:
    """The payload format 1.0 event of this request, with HTTP APIs' differences."""
    request = event_request(ctx)
    event = build_v1_event(request)
    context = event["requestContext"]
    context["resourceId"] = None
    context["path"] = raw_path(ctx)
    context.setdefault("authorizer", dict(_NO_AUTHORIZER_V1))
    return {"version": "1.0", **event}


def event_request(ctx: RequestContext) -> EventRequest:
    """What an HTTP API's events say about this request."""
    http, route = ctx.http, ctx.route
    assert http is not None and route is not None
    authorizer = ctx.authorizer
    return EventRequest(
        method=ctx.request.method,
        path=ctx.raw_path or ctx.path,
        resource_path=_resource(route.route_key),
        path_params=ctx.path_params,
        headers=_event_headers(ctx),
        query=ctx.query,
        body=ctx.request.body,
        is_binary=bool(ctx.request.body) and not is_text(ctx.media_type, ctx.request.body),
        stage=http.name,
        stage_variables=http.stage.variables,
        request_id=ctx.extended_request_id,
        extended_request_id=ctx.extended_request_id,
        time_epoch_ms=ctx.time_epoch_ms,
        api_id=http.api_id,
        resource_id="",
        source_ip=ctx.request.source_ip,
        user_agent=ctx.header_map.get("user-agent"),
        domain_name=ctx.domain,
        protocol=ctx.request.protocol,
        account_id=ACCOUNT_ID,
        deployment_id=http.stage.deployment_id,
        authorizer=authorizer.v2_dict() if authorizer is not None else None,
        identity=ctx.identity.signer_fields(),
    )


def raw_path(ctx: RequestContext) -> str:
    """The path as HTTP APIs report it: the stage segment of a named stage, then the path."""
    http = ctx.http
    assert http is not None
    return http.path_prefix + (ctx.raw_path or ctx.path)


def is_text(media_type: str, body: bytes) -> bool:
    """Whether HTTP APIs pass a body of this media type as text (else base64)."""
    if not media_type:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return (
        media_type.startswith("text/") or media_type in _TEXT_TYPES or media_type.endswith(("+json", "+xml"))
    )


def _resource(route_key: str) -> str:
    return route_key if route_key == DEFAULT_ROUTE else route_key.partition(" ")[2]


def _event_headers(ctx: RequestContext) -> list[tuple[str, str]]:
    """The request's headers, lower-cased, with API Gateway's ``x-forwarded-*`` and trace."""
    headers = [(k.lower(), v) for k, v in ctx.headers if k.lower() not in _REPLACED]
    if ctx.request.body:
        headers.append(("content-length", str(len(ctx.request.body))))
    headers.extend((k.lower(), v) for k, v in forwarded_headers(ctx))
    headers.append((TRACE.lower(), trace_header(ctx)))
    return headers


def authorizer_event(ctx: RequestContext, version: str, arn: str, values: tuple[str, ...]) -> bytes:
    """A Lambda ``REQUEST`` authorizer's event: payload 2.0 (``routeArn``, ``identitySource``
    as a list) or 1.0 (``methodArn``, ``identitySource`` and ``authorizationToken`` as one
    comma-joined string); neither carries the body."""
    event = v1_event(ctx) if version == "1.0" else v2_event(ctx)
    for key in ("version", "body", "isBase64Encoded"):
        event.pop(key, None)
    event["requestContext"].pop("authorizer", None)
    head: dict[str, Any] = {"version": version, "type": "REQUEST"}
    if version == "1.0":
        joined = ",".join(values)
        head.update(methodArn=arn, identitySource=joined, authorizationToken=joined)
    else:
        head.update(routeArn=arn, identitySource=list(values))
    return encode_event({**head, **event})


def parse_authorizer_answer(
    payload: bytes, name: str, *, simple: bool, route_arn: str
) -> AuthorizerContext | None:
    """The context a Lambda authorizer's answer admits the request with, or None when it
    refuses; an answer of the wrong shape is 500 (``AuthorizerConfigurationError``)."""
    if not simple:
        result = functions.parse_result(payload, name)
        verdict = result.policy.evaluate(functions.INVOKE, route_arn)
        if verdict is not Verdict.ALLOW:
            return None
        return AuthorizerContext(principal_id=result.principal_id, context=result.context, kind="lambda")
    try:
        answer = json.loads(payload)
    except ValueError:
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: answer is not JSON") from None
    allowed = answer.get("isAuthorized") if isinstance(answer, dict) else None
    if not isinstance(allowed, bool):
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: isAuthorized is not a boolean")
    if not allowed:
        return None
    context = answer.get("context") or {}
    if not isinstance(context, dict):
        raise AuthorizerConfigurationError(detail=f"authorizer {name}: context is not an object")
    return AuthorizerContext(context=context, kind="lambda")
