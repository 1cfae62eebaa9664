"""``x-amazon-apigateway-integration``: read into an ``Integration`` and write it back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tollway.formats.openapi.common import (
    Where,
    as_mapping,
    opt_int,
    opt_mapping,
    opt_str,
    str_list,
    str_map,
    upper_choice,
)
from tollway.model.api import (
    CONTENT_HANDLINGS,
    DEFAULT_TIMEOUT_MS,
    INTEGRATION_TYPES,
    PASSTHROUGH_BEHAVIORS,
    Integration,
    IntegrationResponse,
)

EXTENSION = "x-amazon-apigateway-integration"
CONNECTION_TYPES = ("INTERNET", "VPC_LINK")
DEFAULT_KEY = "default"
"""The ``responses`` key AWS reads as "no selection pattern": the default response."""


def _choice(obj: Mapping[str, Any], key: str, choices: tuple[str, ...], where: Where) -> str | None:
    value = opt_str(obj, key, where)
    return None if value is None else upper_choice(value, choices, where.at(key), key)


def read_integration(value: Any, where: Where) -> Integration:
    """Read one ``x-amazon-apigateway-integration`` object (``where`` points at it)."""
    obj = as_mapping(value, where)
    kind = _choice(obj, "type", INTEGRATION_TYPES, where)
    if kind is None:
        raise where.at("type").error("missing integration type")
    http_method = opt_str(obj, "httpMethod", where)
    timeout = opt_int(obj, "timeoutInMillis", where)
    return Integration(
        type=kind,
        http_method=http_method.upper() if http_method else None,
        uri=opt_str(obj, "uri", where),
        request_parameters=str_map(obj, "requestParameters", where),
        request_templates=str_map(obj, "requestTemplates", where),
        passthrough_behavior=_choice(obj, "passthroughBehavior", PASSTHROUGH_BEHAVIORS, where)
        or "WHEN_NO_MATCH",
        content_handling=_choice(obj, "contentHandling", CONTENT_HANDLINGS, where),
        timeout_ms=DEFAULT_TIMEOUT_MS if timeout is None else timeout,
        responses=_read_responses(opt_mapping(obj, "responses", where), where.at("responses")),
        connection_type=_choice(obj, "connectionType", CONNECTION_TYPES, where),
        connection_id=opt_str(obj, "connectionId", where),
        credentials=opt_str(obj, "credentials", where),
        cache_key_parameters=str_list(obj, "cacheKeyParameters", where),
        cache_namespace=opt_str(obj, "cacheNamespace", where),
        tls_config=dict(opt_mapping(obj, "tlsConfig", where)),
    )


def _read_responses(responses: Mapping[str, Any], where: Where) -> tuple[IntegrationResponse, ...]:
    out = []
    for key, value in responses.items():
        place = where.at(str(key))
        obj = as_mapping(value, place)
        status = opt_str(obj, "statusCode", place)
        if status is None:
            raise place.at("statusCode").error("missing statusCode in integration response")
        out.append(
            IntegrationResponse(
                status_code=status,
                selection_pattern=None if str(key) == DEFAULT_KEY else str(key),
                response_parameters=str_map(obj, "responseParameters", place),
                response_templates=str_map(obj, "responseTemplates", place),
                content_handling=_choice(obj, "contentHandling", CONTENT_HANDLINGS, place),
            )
        )
    return tuple(out)


def write_integration(integration: Integration) -> dict[str, Any]:
    """The extension object for ``integration``, in the shape AWS exports it."""
    out: dict[str, Any] = {"type": integration.type.lower()}
    optional: dict[str, Any] = {
        "httpMethod": integration.http_method,
        "uri": integration.uri,
        "connectionType": integration.connection_type,
        "connectionId": integration.connection_id,
        "credentials": integration.credentials,
        "requestParameters": dict(integration.request_parameters),
        "requestTemplates": dict(integration.request_templates),
        "contentHandling": integration.content_handling,
        "cacheKeyParameters": list(integration.cache_key_parameters),
        "cacheNamespace": integration.cache_namespace,
        "tlsConfig": dict(integration.tls_config),
    }
    out.update({key: value for key, value in optional.items() if value})
    out["passthroughBehavior"] = integration.passthrough_behavior.lower()
    out["timeoutInMillis"] = integration.timeout_ms
    if integration.responses:
        out["responses"] = {_response_key(r): _write_response(r) for r in integration.responses}
    return out


def _response_key(response: IntegrationResponse) -> str:
    return DEFAULT_KEY if response.selection_pattern is None else response.selection_pattern


def _write_response(response: IntegrationResponse) -> dict[str, Any]:
    out: dict[str, Any] = {"statusCode": response.status_code}
    if response.response_parameters:
        out["responseParameters"] = dict(response.response_parameters)
    if response.response_templates:
        out["responseTemplates"] = dict(response.response_templates)
    if response.content_handling:
        out["contentHandling"] = response.content_handling
    return out
