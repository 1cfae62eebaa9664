"""The trace of a request: one ``X-Amzn-Trace-Id`` for its backend, its function and its answer.

Made only when an integration needs it, so MOCK answers and early rejections cost nothing.
API Gateway answers it as ``X-Amzn-Trace-Id`` for HTTP, AWS and AWS_PROXY integrations, not
for HTTP_PROXY (a backend's own header passes), MOCK or an error (recorded against AWS:
``test_apigateway_common.py::test_invocation_trace_id``, ``TestApiGatewayHeaderRemapping``).
"""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.request_ids import trace_id


def trace_header(ctx: RequestContext) -> str:
    """This request's trace header value (made on first use, then kept)."""
    value = ctx.trace_id
    if not value:
        value = ctx.trace_id = trace_id(ctx.header_map.get("x-amzn-trace-id"), ctx.time_epoch_ms // 1000)
    return value
