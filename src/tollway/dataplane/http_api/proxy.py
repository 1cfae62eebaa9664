"""``HTTP_PROXY`` on an HTTP API: the request passed to the integration's URL, the answer passed
back, each through the integration's parameter mappings.

The URL is the integration's, path variables substituted (``https://b.example/pets/{id}``;
``{proxy}`` is the greedy ``{proxy+}`` value). A ``$default`` route's URL that names no
variable gets the request's path appended, so one ``$default`` proxy forwards every path
(what its users expect; AWS documents only the variables). The query string is passed as the
client sent it. A private integration (``VPC_LINK`` to a load balancer or Cloud Map service)
is called at the address ``serve --vpc-link NAME=URL`` gives for its URI or VPC link, with
the request's path. Headers: the client's (its ``Host`` replaced by the backend's), plus
``x-forwarded-for`` / ``-proto`` / ``-port`` and ``x-amzn-trace-id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson

from tollway.dataplane.authorizers.http import context_value
from tollway.dataplane.integrations.forwarded import forwarded_headers
from tollway.dataplane.integrations.headers import TRACE, proxy_request_headers, proxy_response_headers
from tollway.dataplane.integrations.tracing import trace_header
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Response
from tollway.errors import ApiConfigurationError

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext
    from tollway.dataplane.http_api.snapshot import CompiledIntegration


def proxy_request(
    ctx: RequestContext, integration: CompiledIntegration, vpc_links: Mapping[str, str]
) -> IntegrationRequest:
    """The backend request for this route's integration (a private integration's address
    from ``vpc_links``: ``serve --vpc-link``)."""
    raw_query = ctx.request.target.partition("?")[2]
    target = integration.target
    if integration.private:
        found = next((vpc_links[name] for name in integration.private if name in vpc_links), None)
        if found is None:
            names = " or ".join(integration.private)
            raise ApiConfigurationError(detail=f"private integration: no serve --vpc-link {names}=URL")
        target = found
    url = _fill(target, ctx.path_params)
    path = ctx.raw_path or ctx.path
    headers = proxy_request_headers(ctx.headers, {})
    mapping = integration.request_mapping
    if mapping is not None:
        query = _split_query(raw_query)
        headers, query, mapped_path = mapping.apply(headers, query, path, RequestSources(ctx))
        raw_query = "&".join(f"{k}={v}" if v else k for k, v in query)
        if mapped_path is not None:
            path = mapped_path
            url = _origin(url) + path if not integration.appends_path else url
    if integration.appends_path:
        url = url.rstrip("/") + path
    headers += forwarded_headers(ctx)
    headers.append((TRACE, trace_header(ctx)))
    method = ctx.request.method if integration.method == "ANY" else integration.method
    return IntegrationRequest(
        method=method,
        url=f"{url}?{raw_query}" if raw_query else url,
        headers=headers,
        body=ctx.request.body,
        timeout_s=integration.timeout_s,
    )


def proxy_response(
    ctx: RequestContext, integration: CompiledIntegration, result: IntegrationResult
) -> Response:
    """The backend's answer, through the integration's response mapping for its status."""
    headers = proxy_response_headers(result.headers)
    status = result.status
    mapping = integration.response_mapping
    if mapping is not None:
        status, headers = mapping.apply(status, headers, ResponseSources(ctx, result))
    return Response(status, headers, result.body)


def _fill(url: str, params: dict[str, str]) -> str:
    """``url`` with its path variables replaced by the (decoded) path parameters, encoded
    again for a URL path (a space is ``%20``; a greedy value keeps its slashes)."""
    if "{" not in url:
        return url
    for name, value in params.items():
        encoded = quote(value, safe=_PATH_SAFE)
        url = url.replace("{" + name + "}", encoded).replace("{" + name + "+}", encoded)
    return url


_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.partition('/')[0]}"


def _split_query(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


class RequestSources:
    """What ``$request``, ``$context`` and ``$stageVariables`` name in a request mapping
    (a ``params.Sources``)."""

    __slots__ = ("_body", "_ctx")

    def __init__(self, ctx: RequestContext) -> None:
        self._ctx = ctx
        self._body: Any = _UNREAD

    def header(self, name: str) -> str | None:
        found = [v for k, v in self._ctx.request.headers if k.lower() == name.lower()]
        return ",".join(found) if found else None

    def query(self, name: str) -> str | None:
        values = self._ctx.query.get(name)
        return ",".join(values) if values else None

    def path(self) -> str:
        return self._ctx.path

    def path_param(self, name: str) -> str | None:
        return self._ctx.path_params.get(name)

    def body_json(self) -> Any:
        if self._body is _UNREAD:
            self._body = _json(self._ctx.request.body)
        return self._body

    def context(self, name: str) -> str | None:
        return context_value(self._ctx, name)

    def stage_variable(self, name: str) -> str | None:
        http = self._ctx.http
        return http.stage.variables.get(name) if http is not None else None


class ResponseSources(RequestSources):
    """A response mapping's sources: ``$response.header.X`` and ``$response.body.X`` too."""

    __slots__ = ("_response_body", "_result")

    def __init__(self, ctx: RequestContext, result: IntegrationResult) -> None:
        super().__init__(ctx)
        self._result = result
        self._response_body: Any = _UNREAD

    def header(self, name: str) -> str | None:
        found = [v for k, v in self._result.headers if k.lower() == name.lower()]
        return ",".join(found) if found else None

    def body_json(self) -> Any:
        if self._response_body is _UNREAD:
            self._response_body = _json(self._result.body)
        return self._response_body


_UNREAD = object()


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
