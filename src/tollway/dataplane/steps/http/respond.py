"""respond: finish every HTTP API response: the ``apigw-requestid`` header, the CORS headers
of an allowed origin, no body for HEAD."""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.http_api.cors import strip_cors_headers
from tollway.dataplane.messages import Response
from tollway.dataplane.services import Services


def respond(ctx: RequestContext, services: Services) -> None:
    response = ctx.response
    if response is None:  # a step forgot to answer: never leave the client hanging
        response = ctx.response = Response(500, [], b'{"message":"Internal Server Error"}')
    response.headers.append(("apigw-requestid", ctx.extended_request_id))
    http = ctx.http
    preflight = ctx.route is None and ctx.error is None
    if http is not None and http.cors is not None and not preflight:
        # AWS: with a CORS configuration the gateway's headers replace the integration's.
        kept = strip_cors_headers(response.headers)
        kept.extend(http.cors.response_headers(ctx.header_map.get("origin")))
        response.headers = kept
    if ctx.request.method == "HEAD":
        response.body = b""
