"""AWS_PROXY: the request as a payload 1.0 event, and the function's answer as the response.

The event reports the path as the client spelled it (recorded against AWS,
``test_apigateway_lambda.py::test_lambda_aws_proxy_integration``): ``requestContext.path``
is ``/{stage}`` and the path exactly as sent (``/stage//hardcoded``); ``path`` has its leading
slashes collapsed to one but keeps the rest (``/proxy-value//double-slash``, ``%2B``), and so
do the path parameters. Routing, authorization, policies and keys use the normal spelling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.forwarded import forwarded_headers
from tollway.dataplane.integrations.headers import FORWARDED, TRACE, proxy_response_headers
from tollway.dataplane.integrations.lambda_ import FUNCTION_ERROR_HEADER, TRACE_HEADER
from tollway.dataplane.integrations.lambda_proxy.events import EventRequest, build_v1_event, encode_event
from tollway.dataplane.integrations.lambda_proxy.responses import MalformedResponse, parse_v1_response
from tollway.dataplane.integrations.tracing import trace_header
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Response
from tollway.errors import LambdaResponseError
from tollway.model.account import ACCOUNT_ID

if TYPE_CHECKING:
    from tollway.dataplane.snapshot import CompiledMethod

_REPLACED = FORWARDED | {TRACE.lower()}


def proxy_event(ctx: RequestContext, method: CompiledMethod) -> IntegrationRequest:
    """The payload format 1.0 event of this request, as API Gateway builds it."""
    integration = method.integration
    assert integration is not None
    event = build_v1_event(event_request(ctx, method))
    return IntegrationRequest(
        method="POST",
        url=method.uri,
        headers=[(TRACE_HEADER, trace_header(ctx))],
        body=encode_event(event),
        timeout_s=integration.timeout_ms / 1000,
    )


def event_request(ctx: RequestContext, method: CompiledMethod) -> EventRequest:
    """What a proxy (or REQUEST authorizer) event says about this request."""
    served = ctx.served
    assert served is not None
    raw = ctx.raw_path or ctx.path
    path, params = ctx.path, ctx.raw_path_params
    if raw != path:
        path, params = "/" + raw.lstrip("/"), spelled_path_params(ctx.resource_path, raw, params)
    return EventRequest(
        method=ctx.request.method,
        path=path,
        resource_path=ctx.resource_path,
        path_params=params,
        headers=_event_headers(ctx),
        query=ctx.query,
        body=ctx.request.body,
        is_binary=served.binary.is_binary(ctx.media_type),
        stage=served.name,
        stage_variables=served.stage.variables,
        request_id=ctx.request_id,
        extended_request_id=ctx.extended_request_id,
        time_epoch_ms=ctx.time_epoch_ms,
        api_id=served.api_id,
        resource_id=method.resource_id,
        source_ip=ctx.request.source_ip,
        user_agent=ctx.header_map.get("user-agent"),
        domain_name=ctx.domain,
        protocol=ctx.request.protocol,
        account_id=ACCOUNT_ID,
        deployment_id=served.stage.deployment_id,
        authorizer=ctx.authorizer.as_dict() if ctx.authorizer is not None else None,
        api_key=ctx.identity.api_key,
        api_key_id=ctx.identity.api_key_id,
        identity=ctx.identity.signer_fields(),
        context_path=raw,
    )


def _event_headers(ctx: RequestContext) -> list[tuple[str, str]]:
    """The method request's headers with API Gateway's ``X-Forwarded-*`` and trace."""
    headers = [pair for pair in ctx.headers if pair[0].lower() not in _REPLACED]
    headers.extend(forwarded_headers(ctx))
    headers.append((TRACE, trace_header(ctx)))
    return headers


def spelled_path_params(resource_path: str, raw_path: str, normal: dict[str, str]) -> dict[str, str]:
    """Path parameters in the client's spelling of the path, segment by segment against the
    matched resource: empty segments are skipped before a segment and kept inside a greedy
    ``{proxy+}`` value, whose trailing slash is not part of it. A path with ``.``/``..``
    segments has no segment-by-segment reading: its parameters stay ``normal``."""
    segments = raw_path.split("/")
    if "." in segments or ".." in segments:
        return normal
    params: dict[str, str] = {}
    i = 0
    for part in [p for p in resource_path.split("/") if p]:
        while i < len(segments) and not segments[i]:
            i += 1
        if part.endswith("+}"):
            params[part[1:-2]] = "/".join(segments[i:]).rstrip("/")
            return params
        if i == len(segments):
            return normal
        if part.startswith("{"):
            params[part[1:-1]] = segments[i]
        i += 1
    return params


def proxy_response(ctx: RequestContext, method: CompiledMethod, result: IntegrationResult) -> Response:
    """The function's answer read as a REST API reads it (502 when malformed or failed)."""
    error = next((v for k, v in result.headers if k == FUNCTION_ERROR_HEADER), None)
    try:
        answer = parse_v1_response(result.body, function_error=error)
    except MalformedResponse as exc:
        raise LambdaResponseError(detail=f"malformed Lambda proxy response: {exc}") from None
    body = answer.body
    if answer.encoded_body is not None:
        # A base64 body is decoded only for a client whose first Accept type is binary.
        served = ctx.served
        if served is None or not served.binary.is_binary(ctx.accept):
            body = answer.encoded_body
    return Response(answer.status, proxy_response_headers(answer.headers), body)
