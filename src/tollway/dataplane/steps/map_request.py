"""map_request: build the integration request from the method request.

Proxy integrations pass the whole request through (path and query substituted); non-proxy
ones send only what the parameter mappings and the request template produce. MOCK renders
its request template, from which the integration reads ``statusCode``.
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.forwarded import forwarded_headers
from tollway.dataplane.integrations.headers import (
    API_ID,
    TRACE,
    apply_mapped,
    proxy_request_headers,
    refused_mapping,
)
from tollway.dataplane.integrations.lambda_proxy.proxy import proxy_event
from tollway.dataplane.integrations.tracing import trace_header
from tollway.dataplane.mapping.binary import convert_request_body, template_refuses
from tollway.dataplane.mapping.overrides import Overrides
from tollway.dataplane.mapping.params import MappedRequestParameters
from tollway.dataplane.mapping.variables import template_inputs
from tollway.dataplane.mapping.vtl import CompiledTemplate
from tollway.dataplane.messages import IntegrationRequest
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import CompiledMethod
from tollway.errors import ApiConfigurationError, UnsupportedMediaType

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*\Z").match


def map_request(ctx: RequestContext, services: Services) -> None:
    method = ctx.method
    assert method is not None and ctx.served is not None
    if method.config_error is not None or method.integration is None:
        raise ApiConfigurationError(detail=method.config_error)
    if method.kind == "AWS_PROXY":
        ctx.integration_request = proxy_event(ctx, method)
    elif method.proxy:
        ctx.integration_request = _proxy_request(ctx, method)
    else:
        ctx.integration_request = _mapped_request(ctx, method)


def _proxy_request(ctx: RequestContext, method: CompiledMethod) -> IntegrationRequest:
    query: list[tuple[str, str]] = [(k, v) for k, values in ctx.query.items() for v in values]
    if method.request_parameters is None:  # the common proxy: nothing to evaluate
        url = _fill_path(method.uri, {}, ctx.path_params, method.resource_path)
        headers = proxy_request_headers(ctx.headers, {})
    else:
        mapped = _mapped_parameters(ctx, method)
        url = _fill_path(method.uri, mapped.path, ctx.path_params, method.resource_path)
        for name, values in mapped.querystring.items():
            query = [(k, v) for k, v in query if k != name] + [(name, v) for v in values]
        headers = proxy_request_headers(ctx.headers, mapped.headers)
    integration, served = method.integration, ctx.served
    assert integration is not None and served is not None
    headers += forwarded_headers(ctx)
    headers += ((API_ID, served.api_id), (TRACE, trace_header(ctx)))
    verb = integration.http_method or ctx.request.method
    if verb.upper() == "ANY":
        verb = ctx.request.method
    return IntegrationRequest(
        method=verb.upper(),
        url=_with_query(url, query),
        headers=headers,
        body=ctx.request.body,
        timeout_s=integration.timeout_ms / 1000,
    )


def _mapped_request(ctx: RequestContext, method: CompiledMethod) -> IntegrationRequest:
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
    elif _rejects_unmapped(integration.passthrough_behavior, bool(method.request_templates)):
        raise UnsupportedMediaType()
    mapped = _mapped_parameters(ctx, method)
    if ctx.overrides is not None:
        mapped = _overridden(ctx.overrides, mapped, method.kind)
    headers: list[tuple[str, str]] = [
        ("User-Agent", f"AmazonAPIGateway_{served.api_id}"),
        ("Accept", "application/json"),
    ]
    if payload:
        headers.append(("Content-Type", content_type))
    headers = apply_mapped(headers, mapped.headers) if mapped.headers else headers
    if method.kind == "HTTP":
        headers.append((API_ID, served.api_id))
    if method.kind in ("HTTP", "AWS"):
        headers.append((TRACE, trace_header(ctx)))
    verb = (integration.http_method or ctx.request.method).upper()
    if verb == "ANY":
        verb = ctx.request.method
    url = _fill_path(method.uri, mapped.path, ctx.path_params, method.resource_path) if method.uri else ""
    query = [(k, v) for k, values in mapped.querystring.items() for v in values]
    return IntegrationRequest(
        method=verb,
        url=_with_query(url, query),
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


def _mapped_parameters(ctx: RequestContext, method: CompiledMethod) -> MappedRequestParameters:
    if method.request_parameters is None:
        return MappedRequestParameters({}, {}, {})
    text = ctx.request.body.decode("utf-8", "replace")
    return method.request_parameters.apply(template_inputs(ctx, text))


def _rejects_unmapped(behavior: str, has_templates: bool) -> bool:
    """AWS passthrough behaviours for a content type without a template."""
    behavior = behavior.upper()
    if behavior == "NEVER":
        return True
    if behavior == "WHEN_NO_TEMPLATES":
        return has_templates
    return False


def _fill_path(uri: str, mapped: dict[str, str], path_params: dict[str, str], resource: str = "") -> str:
    """Substitute ``{name}`` / ``{name+}`` in the URI: mapped values first, else same-named path
    params. The value of the resource's greedy ``{name+}`` keeps its slashes wherever it goes
    (recorded: test_http_integration_invoke_status_code_passthrough maps ``{map+}`` onto
    ``{map}``)."""
    if "{" not in uri:
        return uri
    greedy = path_params.get(resource[resource.rfind("{") + 1 : -2]) if resource.endswith("+}") else None
    out = uri
    for name, value in {**path_params, **mapped}.items():
        safe = "/" if name == "proxy" or f"{{{name}+}}" in uri or value == greedy else ""
        encoded = quote(value, safe=safe)
        out = out.replace(f"{{{name}+}}", encoded).replace(f"{{{name}}}", encoded)
    return out


def _with_query(url: str, query: list[tuple[str, str]]) -> str:
    if not query:
        return url
    encoded = "&".join(f"{_plus(name)}={_plus(value)}" for name, value in query)
    return f"{url}{'&' if '?' in url else '?'}{encoded}"


def _plus(text: str) -> str:
    """``quote_plus(text)`` (what ``urlencode`` does to each name and value), without its
    layers of calls for the common text that needs no escaping."""
    return text if _UNRESERVED(text) else quote_plus(text)
