"""The registry of integration kinds: each AWS integration type as one object that builds its
integration request, names the transport that carries it, refuses what its target would
refuse, and reads the answer. A method's kind is chosen once, at deployment time
(``snapshot``); the ``map_request``, ``integrate`` and ``map_response`` steps call it and
compare no type names.

    type         request built by             answer read by
    HTTP_PROXY   http_proxy.proxy_request     http_proxy.proxy_response
    AWS_PROXY    lambda_proxy.proxy_event     lambda_proxy.proxy_response (Lambda proxy contract)
    HTTP         mapped.mapped_request        mapped.mapped_response, selected by backend status
    AWS          mapped.mapped_request        mapped.mapped_response, selected by errorMessage
    MOCK         mapped.mapped_request        mapped.mapped_response, selected by statusCode

The transports (``http.HttpClient``, ``lambda_.LambdaIntegration``, ``mock.MockIntegration``)
are registered by type name in ``Services.integrations``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tollway.dataplane.integrations import http_proxy, mapped
from tollway.dataplane.integrations.lambda_ import check_lambda_payload
from tollway.dataplane.integrations.lambda_proxy import proxy as lambda_proxy
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Response

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext
    from tollway.dataplane.snapshot import CompiledMethod

IntegrationType = Literal["HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY", "MOCK"]


@dataclass(frozen=True, slots=True)
class IntegrationKind:
    """What one integration type does on both sides of its transport."""

    name: IntegrationType
    """AWS's type name, and the key of its transport in ``Services.integrations``."""
    proxy: bool
    """The method request and the backend's answer pass through whole."""
    build: Callable[[RequestContext, CompiledMethod], IntegrationRequest]
    """The integration request for a method request (``map_request``)."""
    read: Callable[[RequestContext, CompiledMethod, IntegrationResult], Response]
    """The method response for the backend's answer (``map_response``)."""
    refuse: Callable[[bytes], None] | None = None
    """Raises for a payload the target refuses before it runs (``integrate``)."""
    selector: Callable[[IntegrationResult], str | None] = mapped.status_selector
    """What non-proxy ``selectionPattern``s match against."""
    sends_api_id: bool = False
    """A mapped request carries ``x-amzn-apigateway-api-id`` (HTTP)."""
    sends_trace: bool = False
    """A mapped request carries ``X-Amzn-Trace-Id`` (HTTP, AWS)."""
    answers_trace: bool = False
    """The method response carries the request's ``X-Amzn-Trace-Id`` (``respond``)."""
    filters_response_headers: bool = True
    """Mapped response headers lose those AWS never returns from a backend (not MOCK)."""
    lambda_target: bool = False
    """The URI names a Lambda function (``NAME`` or ``NAME:QUALIFIER`` once compiled)."""


HTTP_PROXY = IntegrationKind("HTTP_PROXY", True, http_proxy.proxy_request, http_proxy.proxy_response)
AWS_PROXY = IntegrationKind(
    "AWS_PROXY",
    True,
    lambda_proxy.proxy_event,
    lambda_proxy.proxy_response,
    answers_trace=True,
    lambda_target=True,
)
HTTP = IntegrationKind(
    "HTTP",
    False,
    mapped.mapped_request,
    mapped.mapped_response,
    sends_api_id=True,
    sends_trace=True,
    answers_trace=True,
)
AWS = IntegrationKind(
    "AWS",
    False,
    mapped.mapped_request,
    mapped.mapped_response,
    refuse=check_lambda_payload,
    selector=mapped.lambda_error_selector,
    sends_trace=True,
    answers_trace=True,
    lambda_target=True,
)
MOCK = IntegrationKind(
    "MOCK", False, mapped.mapped_request, mapped.mapped_response, filters_response_headers=False
)

KINDS: Mapping[str, IntegrationKind] = {kind.name: kind for kind in (HTTP, HTTP_PROXY, AWS, AWS_PROXY, MOCK)}
"""Every integration type tollway serves, by AWS's name."""
