"""respond: finish the response every request gets (request id and trace headers, HEAD without body)."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.headers import TRACE
from tollway.dataplane.messages import Response
from tollway.dataplane.services import Services


def respond(ctx: RequestContext, services: Services) -> None:
    response = ctx.response
    if response is None:  # a stage forgot to answer: never leave the client hanging
        response = ctx.response = Response(500, [], b'{"message": "Internal server error"}')
    response.headers.append(("x-amzn-RequestId", ctx.request_id))
    response.headers.append(("x-amz-apigw-id", ctx.extended_request_id))
    kind = ctx.method.kind if ctx.method is not None else None
    if ctx.trace_id and ctx.error is None and kind is not None and kind.answers_trace:
        response.headers.append((TRACE, ctx.trace_id))
    if ctx.request.method == "HEAD":
        response.body = b""
