"""The REST API model: what Amazon API Gateway calls a RestApi and everything under it.

Plain frozen dataclasses with no I/O. Field names follow AWS's API Gateway resource
names (snake_cased), so a reader of the AWS docs finds each one where they expect it.
Mappings use AWS's own key syntax (``method.request.querystring.name`` and so on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tollway.model.http_api import HttpApi

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
"""Concrete methods; ``ANY`` stands for all of them."""

INTEGRATION_TYPES = ("HTTP", "HTTP_PROXY", "MOCK", "AWS", "AWS_PROXY")
PASSTHROUGH_BEHAVIORS = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
CONTENT_HANDLINGS = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
DEFAULT_TIMEOUT_MS = 29000
GATEWAY_RESPONSE_TYPES = (
    "ACCESS_DENIED",
    "API_CONFIGURATION_ERROR",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "AUTHORIZER_FAILURE",
    "BAD_REQUEST_PARAMETERS",
    "BAD_REQUEST_BODY",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "INVALID_API_KEY",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "THROTTLED",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "WAF_FILTERED",
)
"""Every gateway response type AWS defines (their defaults live in dataplane.gateway_responses)."""


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    """One entry of ``x-amazon-apigateway-integration.responses``.

    ``selection_pattern`` is a regex matched against the backend status code (HTTP) or the
    Lambda ``errorMessage`` (AWS); ``None`` marks the default response.
    """

    status_code: str
    selection_pattern: str | None = None
    response_parameters: dict[str, str] = field(default_factory=dict)
    response_templates: dict[str, str] = field(default_factory=dict)
    content_handling: str | None = None


@dataclass(frozen=True, slots=True)
class Integration:
    """How a method reaches its backend."""

    type: str
    http_method: str | None = None
    uri: str | None = None
    request_parameters: dict[str, str] = field(default_factory=dict)
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    content_handling: str | None = None
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    responses: tuple[IntegrationResponse, ...] = ()
    connection_type: str | None = None
    connection_id: str | None = None
    credentials: str | None = None
    cache_key_parameters: tuple[str, ...] = ()
    cache_namespace: str | None = None
    tls_config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MethodResponse:
    status_code: str
    response_parameters: dict[str, bool] = field(default_factory=dict)
    response_models: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Method:
    """A method on a resource. ``http_method`` is one of HTTP_METHODS or ``ANY``.

    ``request_parameters`` maps ``method.request.{path,querystring,header}.name`` to
    whether it is required.
    """

    http_method: str
    authorization_type: str = "NONE"
    authorizer_id: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    api_key_required: bool = False
    operation_name: str | None = None
    request_parameters: dict[str, bool] = field(default_factory=dict)
    request_models: dict[str, str] = field(default_factory=dict)
    request_validator_id: str | None = None
    integration: Integration | None = None
    method_responses: tuple[MethodResponse, ...] = ()


@dataclass(frozen=True, slots=True)
class Resource:
    """A node of the resource tree, identified by its full path (``/pets/{petId}``)."""

    path: str
    methods: dict[str, Method] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Model:
    """A named JSON Schema (draft-04) for a content type."""

    name: str
    content_type: str = "application/json"
    schema: dict[str, Any] = field(default_factory=dict)
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RequestValidator:
    id: str
    name: str
    validate_request_body: bool = False
    validate_request_parameters: bool = False


@dataclass(frozen=True, slots=True)
class GatewayResponse:
    """A customised gateway response. ``status_code`` None keeps the type's default."""

    response_type: str
    status_code: str | None = None
    response_parameters: dict[str, str] = field(default_factory=dict)
    response_templates: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Authorizer:
    """An authorizer as declared (kept for the authorization issue; not enforced yet)."""

    id: str
    name: str
    type: str
    authorizer_uri: str | None = None
    identity_source: str | None = None
    identity_validation_expression: str | None = None
    provider_arns: tuple[str, ...] = ()
    result_ttl_seconds: int = 300
    auth_type: str | None = None
    credentials: str | None = None


@dataclass(frozen=True, slots=True)
class RestApi:
    """A REST API definition (what a deployment freezes)."""

    id: str
    name: str
    description: str | None = None
    version: str | None = None
    resources: tuple[Resource, ...] = ()
    models: tuple[Model, ...] = ()
    request_validators: tuple[RequestValidator, ...] = ()
    gateway_responses: tuple[GatewayResponse, ...] = ()
    authorizers: tuple[Authorizer, ...] = ()
    binary_media_types: tuple[str, ...] = ()
    api_key_source: str = "HEADER"
    minimum_compression_size: int | None = None
    endpoint_types: tuple[str, ...] = ("EDGE",)
    policy: dict[str, Any] | None = None
    disable_execute_api_endpoint: bool = False

    def resource(self, path: str) -> Resource | None:
        for res in self.resources:
            if res.path == path:
                return res
        return None


@dataclass(frozen=True, slots=True)
class MethodSetting:
    """A stage method setting, keyed ``{resourcePath}/{httpMethod}`` or ``*/*``."""

    throttling_rate_limit: float | None = None
    throttling_burst_limit: int | None = None
    caching_enabled: bool | None = None
    cache_ttl_seconds: int | None = None
    logging_level: str | None = None
    metrics_enabled: bool | None = None
    data_trace_enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A stage as a file declares it (before it points at a deployment)."""

    name: str
    variables: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    method_settings: dict[str, MethodSetting] = field(default_factory=dict)
    tracing_enabled: bool = False
    cache_cluster_enabled: bool = False


@dataclass(frozen=True, slots=True)
class Deployment:
    """An immutable snapshot of an API, made by a deploy."""

    id: str
    api_id: str
    created_epoch: float
    api: RestApi
    description: str | None = None
    http_api: HttpApi | None = None
    """The HTTP API this deployment freezes (``api`` is then its shell: id and name)."""


@dataclass(frozen=True, slots=True)
class Stage:
    """A named pointer to one deployment of one API, with its settings."""

    api_id: str
    name: str
    deployment_id: str
    variables: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    method_settings: dict[str, MethodSetting] = field(default_factory=dict)
    tracing_enabled: bool = False
    cache_cluster_enabled: bool = False
