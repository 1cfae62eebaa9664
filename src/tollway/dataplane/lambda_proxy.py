"""AWS_PROXY: the request as a payload 1.0 event, and the function's answer as the response."""

from __future__ import annotations

from tollway.dataplane.constants import ACCOUNT_ID
from tollway.dataplane.context import IntegrationRequest, IntegrationResult, RequestContext, Response
from tollway.dataplane.forwarded import with_forwarded
from tollway.dataplane.integrations.lambda_ import FUNCTION_ERROR_HEADER
from tollway.dataplane.snapshot import CompiledMethod
from tollway.errors import LambdaResponseError
from tollway.functions.events import EventRequest, build_v1_event, encode_event
from tollway.functions.responses import MalformedResponse, parse_v1_response


def proxy_event(ctx: RequestContext, method: CompiledMethod) -> IntegrationRequest:
    """The payload format 1.0 event of this request, as API Gateway builds it."""
    integration = method.integration
    assert integration is not None
    event = build_v1_event(event_request(ctx, method))
    return IntegrationRequest(
        method="POST",
        url=method.uri,
        headers=[],
        body=encode_event(event),
        timeout_s=integration.timeout_ms / 1000,
    )


def event_request(ctx: RequestContext, method: CompiledMethod) -> EventRequest:
    """What a proxy (or REQUEST authorizer) event says about this request."""
    served = ctx.served
    assert served is not None
    host = ctx.header_map.get("host", "")
    return EventRequest(
        method=ctx.request.method,
        path=ctx.path,
        resource_path=ctx.resource_path,
        path_params=ctx.raw_path_params,
        headers=with_forwarded(ctx, ctx.request.headers),
        query=ctx.query,
        body=ctx.request.body,
        is_binary=served.binary.is_binary(ctx.header_map.get("content-type")),
        stage=served.name,
        stage_variables=served.stage.variables,
        request_id=ctx.request_id,
        extended_request_id=ctx.extended_request_id,
        time_epoch_ms=ctx.time_epoch_ms,
        api_id=served.api_id,
        resource_id=method.resource_id,
        source_ip=ctx.request.source_ip,
        user_agent=ctx.header_map.get("user-agent"),
        domain_name=host.rsplit(":", 1)[0] if host else "",
        protocol=ctx.request.protocol,
        account_id=ACCOUNT_ID,
        deployment_id=served.stage.deployment_id,
        authorizer=ctx.authorizer or None,
        api_key=ctx.identity.get("apiKey"),
        api_key_id=ctx.identity.get("apiKeyId"),
        identity={k: v for k, v in ctx.identity.items() if k not in ("apiKey", "apiKeyId")},
    )


def proxy_response(ctx: RequestContext, result: IntegrationResult) -> Response:
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
        accept = ctx.header_map.get("accept", "").split(",", 1)[0]
        if served is None or not served.binary.is_binary(accept):
            body = answer.encoded_body
    return Response(answer.status, list(answer.headers), body)
