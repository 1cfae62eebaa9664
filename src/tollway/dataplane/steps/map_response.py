"""map_response: turn the integration's answer into the method response.

Proxy integrations return the backend's status and body as they are (AWS renames a few
headers, see ``headers.py``); non-proxy ones pick an integration response by
``selectionPattern`` on the backend status, then apply its header mappings and template.
"""

from __future__ import annotations

import orjson

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.headers import mapped_response_headers, proxy_response_headers
from tollway.dataplane.integrations.lambda_ import FUNCTION_ERROR_HEADER
from tollway.dataplane.integrations.lambda_proxy.proxy import proxy_response
from tollway.dataplane.mapping.binary import convert_response_body
from tollway.dataplane.mapping.overrides import Overrides
from tollway.dataplane.mapping.variables import template_inputs
from tollway.dataplane.messages import IntegrationResult, Response
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import CompiledMethod, CompiledResponse


def map_response(ctx: RequestContext, services: Services) -> None:
    method, result = ctx.method, ctx.integration_result
    assert method is not None and result is not None
    if method.kind == "AWS_PROXY":
        ctx.response = proxy_response(ctx, result)
    elif method.proxy:
        ctx.response = Response(result.status, proxy_response_headers(result.headers), result.body)
    else:
        ctx.response = _mapped_response(ctx, method, result)


def _mapped_response(ctx: RequestContext, method: CompiledMethod, result: IntegrationResult) -> Response:
    served = ctx.served
    assert served is not None
    chosen = method.select(_selector(method, result))
    backend_text = result.body.decode("utf-8", "replace")
    headers: list[tuple[str, str]] = []
    inputs = None
    if chosen.parameters is not None:
        inputs = template_inputs(ctx, backend_text)
        backend = {name.lower(): value for name, value in result.headers}
        mapped = chosen.parameters.apply(backend, backend_text, inputs)
        headers = mapped_response_headers(mapped) if method.kind != "MOCK" else list(mapped.items())
    body = result.body
    backend_type = next((v for k, v in result.headers if k.lower() == "content-type"), None)
    content_type = "application/json"  # AWS's default for integration responses
    accept = ctx.accept
    template_type = _pick_template(chosen, accept)
    if template_type is not None:
        template = chosen.templates[template_type]
        rendered = template.constant
        if rendered is None:
            if ctx.overrides is None:
                ctx.overrides = Overrides()
            rendered = template.render(inputs or template_inputs(ctx, backend_text), ctx.overrides)
        body = rendered.encode()
        content_type = backend_type = template_type
    body = convert_response_body(
        body,
        accept=accept,
        response_content_type=backend_type,
        binary=served.binary,
        content_handling=chosen.content_handling,
        proxy=False,
    )
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", content_type))
    if ctx.overrides is None:
        return Response(chosen.status, headers, body)
    # $context.responseOverride, set by the request or the response template, has the last word.
    status = ctx.overrides.status() or chosen.status
    return Response(status, ctx.overrides.apply_to_response(headers), body)


def _selector(method: CompiledMethod, result: IntegrationResult) -> str | None:
    """What selection patterns match: the backend status, or for a Lambda function the
    ``errorMessage`` of its error (a successful invocation matches the default response)."""
    if method.kind != "AWS":
        return str(result.status)
    if not any(name == FUNCTION_ERROR_HEADER for name, _ in result.headers):
        return None
    try:
        document = orjson.loads(result.body)
    except orjson.JSONDecodeError:
        return ""
    message = document.get("errorMessage") if isinstance(document, dict) else None
    return message if isinstance(message, str) else ""


def _pick_template(response: CompiledResponse, accept: str | None) -> str | None:
    """Template for the client's first Accept type, else application/json, else the first one."""
    if not response.templates:
        return None
    if accept and accept in response.templates:
        return accept
    if "application/json" in response.templates:
        return "application/json"
    return next(iter(response.templates))
