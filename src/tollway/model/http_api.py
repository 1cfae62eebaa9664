"""The HTTP API model: what Amazon API Gateway v2 calls an Api with ``ProtocolType: HTTP``, and
its routes, integrations and authorizers.

Plain frozen dataclasses with no I/O, named after API Gateway v2's resources (snake_cased), so
a reader of ``AWS::ApiGatewayV2::*`` or of the v2 API reference finds each field where they
expect it. Parameter mappings keep AWS's own syntax (``append:header.x`` ->
``$request.header.y``).

A stored HTTP API travels beside a ``RestApi`` shell of the same id and name (``ApiRecord``,
``Deployment``): listing, naming and deleting APIs treat both kinds alike, and only what
compiles or exports an API looks inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_ROUTE = "$default"
"""The route that takes every request no other route matches."""
DEFAULT_STAGE = "$default"
"""The stage served at the root of the API's address, without a stage segment."""
HTTP_INTEGRATION_TYPES = ("AWS_PROXY", "HTTP_PROXY")
PAYLOAD_VERSIONS = ("1.0", "2.0")
MAX_TIMEOUT_MS = 30000
"""HTTP APIs allow integration timeouts from 50 ms to 30 s (the default)."""
AUTHORIZATION_TYPES = ("NONE", "JWT", "CUSTOM", "AWS_IAM")


@dataclass(frozen=True, slots=True)
class HttpIntegration:
    """How routes reach a backend: a Lambda function (``AWS_PROXY``) or a URL (``HTTP_PROXY``).

    ``request_parameters`` maps ``append|overwrite|remove:header.NAME``,
    ``append|overwrite|remove:querystring.NAME`` and ``overwrite:path`` to a value with
    ``$request``, ``$context`` and ``$stageVariables`` references. ``response_parameters``
    maps a backend status code (``"404"``) to such a map for the response
    (``overwrite:statuscode``, ``append|overwrite|remove:header.NAME``).
    """

    id: str
    type: str
    uri: str
    """A Lambda ARN or function name (``AWS_PROXY``), or a URL (``HTTP_PROXY``)."""
    method: str = "ANY"
    """``IntegrationMethod`` of an ``HTTP_PROXY`` integration (``ANY``: the request's)."""
    payload_format_version: str = "2.0"
    timeout_ms: int = MAX_TIMEOUT_MS
    connection_type: str = "INTERNET"
    """``INTERNET`` or ``VPC_LINK`` (a private integration: served at ``uri``, or at the
    address ``serve --vpc-link`` names for ``connection_id``)."""
    connection_id: str | None = None
    request_parameters: dict[str, str] = field(default_factory=dict)
    response_parameters: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HttpRoute:
    """``METHOD /path`` (``ANY``, ``{param}``, ``{proxy+}``) or ``$default``, and its target."""

    route_key: str
    integration_id: str | None = None
    authorization_type: str = "NONE"
    authorizer_id: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    operation_name: str | None = None


@dataclass(frozen=True, slots=True)
class HttpAuthorizer:
    """A ``JWT`` or Lambda (``REQUEST``) authorizer.

    ``identity_source`` holds selection expressions (``$request.header.Authorization``,
    ``$request.querystring.token``, ``$context.x``, ``$stageVariables.x``).
    """

    id: str
    name: str
    type: str
    identity_source: tuple[str, ...] = ()
    issuer: str | None = None
    audience: tuple[str, ...] = ()
    authorizer_uri: str | None = None
    """The Lambda function of a ``REQUEST`` authorizer (ARN, invocation URI or name)."""
    payload_format_version: str = "2.0"
    enable_simple_responses: bool = False
    result_ttl_seconds: int = 0


@dataclass(frozen=True, slots=True)
class CorsConfiguration:
    """``CorsConfiguration`` of an HTTP API: the gateway answers preflights itself."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None


@dataclass(frozen=True, slots=True)
class HttpApi:
    """An HTTP API definition (what a deployment freezes)."""

    id: str
    name: str
    description: str | None = None
    version: str | None = None
    routes: tuple[HttpRoute, ...] = ()
    integrations: tuple[HttpIntegration, ...] = ()
    authorizers: tuple[HttpAuthorizer, ...] = ()
    cors: CorsConfiguration | None = None
    disable_execute_api_endpoint: bool = False

    def integration(self, integration_id: str) -> HttpIntegration | None:
        for integration in self.integrations:
            if integration.id == integration_id:
                return integration
        return None

    def authorizer(self, authorizer_id: str) -> HttpAuthorizer | None:
        for authorizer in self.authorizers:
            if authorizer.id == authorizer_id:
                return authorizer
        return None
