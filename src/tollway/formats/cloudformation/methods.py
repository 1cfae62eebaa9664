"""``AWS::ApiGateway::Method`` properties -> the model's Method and Integration."""

from __future__ import annotations

from tollway.formats.cloudformation.values import Props
from tollway.model.api import (
    DEFAULT_TIMEOUT_MS,
    HTTP_METHODS,
    INTEGRATION_TYPES,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
)


def read_method(props: Props) -> Method:
    """A Method from the resolved properties of an ``AWS::ApiGateway::Method``."""
    http_method = (props.text("HttpMethod") or "").upper()
    if http_method not in (*HTTP_METHODS, "ANY"):
        raise props.error("HttpMethod", f"unknown HTTP method {http_method!r}")
    integration = props.values.get("Integration")
    return Method(
        http_method=http_method,
        authorization_type=(props.text("AuthorizationType") or "NONE").upper(),
        authorizer_id=props.text("AuthorizerId"),
        authorization_scopes=props.text_list("AuthorizationScopes"),
        api_key_required=props.flag("ApiKeyRequired"),
        operation_name=props.text("OperationName"),
        request_parameters=props.flag_map("RequestParameters"),
        request_models=props.text_map("RequestModels"),
        request_validator_id=props.text("RequestValidatorId"),
        integration=(
            None if integration is None else read_integration(props.child("Integration", integration))
        ),
        method_responses=tuple(_method_response(item) for item in props.items("MethodResponses")),
    )


def read_integration(props: Props) -> Integration:
    kind = (props.text("Type") or "").upper()
    if kind not in INTEGRATION_TYPES:
        raise props.error("Type", f"unknown integration type {kind!r}")
    tls = props.values.get("TlsConfig")
    return Integration(
        type=kind,
        http_method=props.text("IntegrationHttpMethod"),
        uri=props.text("Uri"),
        request_parameters=props.text_map("RequestParameters"),
        request_templates=props.text_map("RequestTemplates"),
        passthrough_behavior=(props.text("PassthroughBehavior") or "WHEN_NO_MATCH").upper(),
        content_handling=props.text("ContentHandling"),
        timeout_ms=props.whole("TimeoutInMillis") or DEFAULT_TIMEOUT_MS,
        responses=tuple(_integration_response(item) for item in props.items("IntegrationResponses")),
        connection_type=props.text("ConnectionType"),
        connection_id=props.text("ConnectionId"),
        credentials=props.text("Credentials"),
        cache_key_parameters=props.text_list("CacheKeyParameters"),
        cache_namespace=props.text("CacheNamespace"),
        tls_config=dict(tls) if isinstance(tls, dict) else {},
    )


def _integration_response(props: Props) -> IntegrationResponse:
    pattern = props.text("SelectionPattern")
    return IntegrationResponse(
        status_code=props.text("StatusCode") or "200",
        # An empty pattern is how CloudFormation marks the default response.
        selection_pattern=pattern or None,
        response_parameters=props.text_map("ResponseParameters"),
        response_templates=props.text_map("ResponseTemplates"),
        content_handling=props.text("ContentHandling"),
    )


def _method_response(props: Props) -> MethodResponse:
    status = props.text("StatusCode")
    if status is None:
        raise props.error("StatusCode", "a method response needs a StatusCode")
    return MethodResponse(
        status_code=status,
        response_parameters=props.flag_map("ResponseParameters"),
        response_models=props.text_map("ResponseModels"),
    )
