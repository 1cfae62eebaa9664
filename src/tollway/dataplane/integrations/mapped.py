"""Non-proxy integrations (``HTTP``, ``AWS`` for Lambda, ``MOCK``): the integration request
is what the parameter mappings and the request template produce, and the method response is
the integration response chosen by ``selectionPattern``, with its header mappings and
template. What differs between the three is said by their ``IntegrationKind`` (``kinds``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from tollway.dataplane.integrations.headers import (
    API_ID,
    TRACE,
    apply_mapped,
    mapped_response_headers,
    refused_mapping,
)
from tollway.dataplane.integrations.lambda_ import FUNCTION_ERROR_HEADER
from tollway.dataplane.integrations.tracing import trace_header
from tollway.dataplane.integrations.urls import fill_path, with_query
from tollway.dataplane.mapping.binary import convert_request_body, convert_response_body, template_refuses
from tollway.dataplane.mapping.overrides import Overrides
from tollway.dataplane.mapping.params import MappedRequestParameters
from tollway.dataplane.mapping.variables import template_inputs
from tollway.dataplane.mapping.vtl import CompiledTemplate
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Response
from tollway.errors import ApiConfigurationError, UnsupportedMediaType

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext
    from tollway.dataplane.snapshot import CompiledMethod, CompiledResponse, PassthroughBehavior


def mapped_request(ctx: RequestContext, method: CompiledMethod) -> IntegrationRequest:
    integration = method.integration
    served = ctx.served
    assert integration is not None and served is not None
    content_type = ctx.media_type or "application/json"
    payload, text = convert_request_body(
        ctx.request.body, content_type, served.binary, integration.content_handling
    )
    template = method.request_templates.get(content_type)
    if template is not None:
        payload = _render_template(ctx, template, text, content_type, integration.content_handling)
    elif _rejects_unmapped(method.passthrough, bool(method.request_templates)):
        raise UnsupportedMediaType()
    mapped = mapped_parameters(ctx, method)
    kind = method.kind
    assert kind is not None
    if ctx.overrides is not None:
        mapped = _overridden(ctx.overrides, mapped, kind.name)
    headers: list[tuple[str, str]] = [
        ("User-Agent", f"AmazonAPIGateway_{served.api_id}"),
        ("Accept", "application/json"),
    ]
    if payload:
        headers.append(("Content-Type", content_type))
    headers = apply_mapped(headers, mapped.headers) if mapped.headers else headers
    if kind.sends_api_id:
        headers.append((API_ID, served.api_id))
    if kind.sends_trace:
        headers.append((TRACE, trace_header(ctx)))
    url = fill_path(method.uri, mapped.path, ctx.path_params, method.resource_path) if method.uri else ""
    query = [(k, v) for k, values in mapped.querystring.items() for v in values]
    return IntegrationRequest(
        method=method.integration_verb or ctx.request.method,
        url=with_query(url, query),
        headers=headers,
        body=payload,
        timeout_s=integration.timeout_ms / 1000,
    )


def _render_template(
    ctx: RequestContext, template: CompiledTemplate, text: str, content_type: str, handling: str | None
) -> bytes:
    """The request template's output; what it set in ``$context.*Override`` stays on ``ctx``.
    A binary payload not converted to text cannot be transformed (AWS: 500)."""
    assert ctx.served is not None
    if template_refuses(content_type, ctx.served.binary, handling):
        raise ApiConfigurationError(detail="Unable to transform request (binary payload, a template)")
    rendered = template.constant
    if rendered is None:
        if template.uses_context:  # else it cannot read nor set overrides: none to make
            ctx.overrides = Overrides()
        rendered = template.render(template_inputs(ctx, text), ctx.overrides)
    return rendered.encode()


def _overridden(overrides: Overrides, mapped: MappedRequestParameters, kind: str) -> MappedRequestParameters:
    """``mapped`` with ``$context.requestOverride.*`` applied; an override onto a header AWS
    refuses to map fails the call with 500, as the same parameter mapping would."""
    names = {f"integration.request.header.{name}": "" for name in overrides.header_names()}
    refused = refused_mapping(kind, names)
    if refused is not None:
        raise ApiConfigurationError(detail=f"requestOverride: {refused}")
    return overrides.apply_to_request(mapped)


def mapped_parameters(ctx: RequestContext, method: CompiledMethod) -> MappedRequestParameters:
    if method.request_parameters is None:
        return MappedRequestParameters({}, {}, {})
    text = ctx.request.body.decode("utf-8", "replace")
    return method.request_parameters.apply(template_inputs(ctx, text))


def _rejects_unmapped(behavior: PassthroughBehavior, has_templates: bool) -> bool:
    """AWS passthrough behaviours for a content type without a template."""
    if behavior == "NEVER":
        return True
    if behavior == "WHEN_NO_TEMPLATES":
        return has_templates
    return False


def mapped_response(ctx: RequestContext, method: CompiledMethod, result: IntegrationResult) -> Response:
    served = ctx.served
    assert served is not None
    kind = method.kind
    assert kind is not None
    chosen = method.select(kind.selector(result))
    backend_text = result.body.decode("utf-8", "replace")
    headers: list[tuple[str, str]] = []
    inputs = None
    if chosen.parameters is not None:
        inputs = template_inputs(ctx, backend_text)
        backend = {name.lower(): value for name, value in result.headers}
        mapped = chosen.parameters.apply(backend, backend_text, inputs)
        headers = mapped_response_headers(mapped) if kind.filters_response_headers else list(mapped.items())
    body = result.body
    content_type = "application/json"  # AWS's default for integration responses
    accept = ctx.accept
    template_type = _pick_template(chosen, accept)
    if template_type is None:
        backend_type = _content_type(result.headers)
    else:
        template = chosen.templates[template_type]
        rendered = template.constant
        if rendered is None:
            if ctx.overrides is None and template.uses_context:
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


def status_selector(result: IntegrationResult) -> str:
    """What an HTTP or MOCK integration's selection patterns match: the backend status."""
    return str(result.status)


def lambda_error_selector(result: IntegrationResult) -> str | None:
    """What a Lambda function's selection patterns match: the ``errorMessage`` of its error
    (a successful invocation, None, matches the default response)."""
    if not any(name == FUNCTION_ERROR_HEADER for name, _ in result.headers):
        return None
    try:
        document = orjson.loads(result.body)
    except orjson.JSONDecodeError:
        return ""
    message = document.get("errorMessage") if isinstance(document, dict) else None
    return message if isinstance(message, str) else ""


def _content_type(headers: list[tuple[str, str]]) -> str | None:
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return None


def _pick_template(response: CompiledResponse, accept: str | None) -> str | None:
    """Template for the client's first Accept type, else application/json, else the first one."""
    if not response.templates:
        return None
    if accept and accept in response.templates:
        return accept
    if "application/json" in response.templates:
        return "application/json"
    return next(iter(response.templates))
