"""``HTTP_PROXY``: the whole method request passed through to the URI (path parameters
substituted, API Gateway's ``X-Forwarded-*`` added), the backend's answer passed back as it
is (a few headers renamed, see ``headers``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tollway.dataplane.integrations.forwarded import forwarded_headers
from tollway.dataplane.integrations.headers import (
    API_ID,
    TRACE,
    proxy_request_headers,
    proxy_response_headers,
)
from tollway.dataplane.integrations.mapped import mapped_parameters
from tollway.dataplane.integrations.tracing import trace_header
from tollway.dataplane.integrations.urls import fill_path, with_query
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Response

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext
    from tollway.dataplane.snapshot import CompiledMethod


def proxy_request(ctx: RequestContext, method: CompiledMethod) -> IntegrationRequest:
    query: list[tuple[str, str]] = [(k, v) for k, values in ctx.query.items() for v in values]
    if method.request_parameters is None:  # the common proxy: nothing to evaluate
        url = fill_path(method.uri, {}, ctx.path_params, method.resource_path)
        headers = proxy_request_headers(ctx.headers, {})
    else:
        mapped = mapped_parameters(ctx, method)
        url = fill_path(method.uri, mapped.path, ctx.path_params, method.resource_path)
        for name, values in mapped.querystring.items():
            query = [(k, v) for k, v in query if k != name] + [(name, v) for v in values]
        headers = proxy_request_headers(ctx.headers, mapped.headers)
    integration, served = method.integration, ctx.served
    assert integration is not None and served is not None
    headers += forwarded_headers(ctx)
    headers += ((API_ID, served.api_id), (TRACE, trace_header(ctx)))
    return IntegrationRequest(
        method=method.integration_verb or ctx.request.method,
        url=with_query(url, query),
        headers=headers,
        body=ctx.request.body,
        timeout_s=integration.timeout_ms / 1000,
    )


def proxy_response(ctx: RequestContext, method: CompiledMethod, result: IntegrationResult) -> Response:
    """The backend's status, headers (renamed where AWS renames them) and body."""
    return Response(result.status, proxy_response_headers(result.headers), result.body)
