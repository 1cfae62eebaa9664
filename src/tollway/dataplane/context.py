"""The typed context that the pipeline's steps share.

One ``RequestContext`` lives for one request. Each step reads what earlier steps
produced and fills in its own fields; only ``respond`` finishes the response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tollway.dataplane.caller import ANONYMOUS, AuthorizerContext, CallerIdentity
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult, Request, Response
from tollway.dataplane.usage_plans.access import Grant
from tollway.dataplane.world import EMPTY_WORLD, World
from tollway.errors import GatewayError

if TYPE_CHECKING:
    from tollway.auth.policy import Verdict
    from tollway.dataplane.http_api.snapshot import CompiledRoute, ServedHttpStage
    from tollway.dataplane.mapping.overrides import Overrides
    from tollway.dataplane.snapshot import CompiledMethod, ServedStage


@dataclass(slots=True)
class RequestContext:
    """Everything one request carries through the pipeline."""

    request: Request
    request_id: str
    """``$context.requestId`` and the ``x-amzn-RequestId`` header."""
    extended_request_id: str
    """``$context.extendedRequestId`` and the ``x-amz-apigw-id`` header."""
    time_epoch_ms: int
    """``$context.requestTimeEpoch``: when the request arrived."""
    served: ServedStage | None = None
    """The REST API stage the request is addressed to (``address``)."""
    path: str = "/"
    """The request path within the stage (``/pets/1``), still percent-encoded, in its one
    normal spelling: what routing, authorization, policies and keys decide on (``address``)."""
    raw_path: str = ""
    """The path within the stage as Lambda proxy events report it (``address``): the client's
    spelling when it differs from ``path`` by empty segments only (``//a//b``, as AWS reports
    it), else ``path`` itself (``/x/../a`` and ``/%61`` are reported normal)."""
    query: dict[str, list[str]] = field(default_factory=dict)
    """Query string parameters, all values, decoded (``parse``)."""
    header_map: dict[str, str] = field(default_factory=dict)
    """Lower-cased header name -> last value, of every header the client sent (``parse``)."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    """The method request's headers: the client's, in order, without those API Gateway drops
    on arrival (``Connection``, ``Content-Length``...; see ``integrations.headers``) (``parse``)."""
    host: str = ""
    """The ``Host`` header as sent, port included (``parse``)."""
    domain: str = ""
    """The ``Host`` header without its port: ``$context.domainName`` (``parse``)."""
    media_type: str = ""
    """The request's ``Content-Type`` without parameters, lower-cased; "" without one (``parse``)."""
    accept: str | None = None
    """The first media type of ``Accept``, lower-cased (AWS honours only the first), or None
    (``parse``)."""
    trace_id: str = ""
    """The ``X-Amzn-Trace-Id`` of this request once an integration needed it (``tracing``)."""
    method: CompiledMethod | None = None
    """The matched method (``route``)."""
    resource_path: str = ""
    """``$context.resourcePath`` (``route``)."""
    path_params: dict[str, str] = field(default_factory=dict)
    """Path parameters, decoded (``route``)."""
    raw_path_params: dict[str, str] = field(default_factory=dict)
    """Path parameters as sent, percent-encoded (``route``; Lambda proxy events carry these)."""
    identity: CallerIdentity = ANONYMOUS
    """Who the checks found is calling: the signer (``authorize``), the API key (``api_key``)."""
    authorizer: AuthorizerContext | None = None
    """``$context.authorizer``: what the method's authorizer answered (``authorize``)."""
    policy_verdict: Verdict | None = None
    """The resource policy's verdict for the anonymous caller (``resource_policy``), if any."""
    usage_identifier_key: str | None = None
    """The API key a Lambda authorizer named (``usageIdentifierKey``; key source AUTHORIZER)."""
    grant: Grant | None = None
    """The API key and usage plan admitting this request (``api_key``)."""
    integration_request: IntegrationRequest | None = None
    """Built by ``map_request``."""
    integration_result: IntegrationResult | None = None
    """Set by ``integrate``."""
    overrides: Overrides | None = None
    """``$context.requestOverride`` / ``responseOverride`` as the request template left them
    (``map_request``); the response template reads and extends them (``map_response``)."""
    response: Response | None = None
    """Set by ``map_response`` or ``on_error``."""
    error: GatewayError | None = None
    """The error being rendered, if any (``$context.error``)."""
    world: World = EMPTY_WORLD
    """The world installed when the request arrived: every step reads stages, keys and
    identities from it, so a swap while the request waits never mixes two worlds."""
    http: ServedHttpStage | None = None
    """The HTTP API stage the request is addressed to (``address``); one of ``served`` and
    ``http`` is set once the request is addressed, and it picks the pipeline."""
    route: CompiledRoute | None = None
    """The HTTP API route the request matched (HTTP APIs' ``route``)."""
