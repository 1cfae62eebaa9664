"""API-level ``x-amazon-apigateway-*`` extensions, read into ``RestApi`` fields and written back.

Covers request validators, gateway responses, binary media types, API key source,
resource policy, endpoint configuration and minimum compression size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tollway.formats.openapi.common import (
    Where,
    as_mapping,
    opt_bool,
    opt_int,
    opt_mapping,
    opt_str,
    str_list,
    str_map,
    upper_choice,
)
from tollway.model.api import GATEWAY_RESPONSE_TYPES, GatewayResponse, RequestValidator, RestApi

VALIDATORS = "x-amazon-apigateway-request-validators"
VALIDATOR = "x-amazon-apigateway-request-validator"
GATEWAY_RESPONSES = "x-amazon-apigateway-gateway-responses"
BINARY_TYPES = "x-amazon-apigateway-binary-media-types"
API_KEY_SOURCE = "x-amazon-apigateway-api-key-source"
POLICY = "x-amazon-apigateway-policy"
ENDPOINT = "x-amazon-apigateway-endpoint-configuration"
COMPRESSION = "x-amazon-apigateway-minimum-compression-size"

ENDPOINT_TYPES = ("EDGE", "REGIONAL", "PRIVATE")


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """The API-level settings an OpenAPI document carries in its root extensions."""

    request_validators: tuple[RequestValidator, ...] = ()
    default_validator: str | None = None
    gateway_responses: tuple[GatewayResponse, ...] = ()
    binary_media_types: tuple[str, ...] = ()
    api_key_source: str = "HEADER"
    minimum_compression_size: int | None = None
    endpoint_types: tuple[str, ...] = ("EDGE",)
    disable_execute_api_endpoint: bool = False
    policy: dict[str, Any] | None = None


def read_settings(doc: Mapping[str, Any], where: Where) -> ApiSettings:
    validators = _read_validators(opt_mapping(doc, VALIDATORS, where), where.at(VALIDATORS))
    default = opt_str(doc, VALIDATOR, where)
    if default is not None and default not in {v.id for v in validators}:
        raise where.at(VALIDATOR).error(f"request validator {default!r} is not defined in {VALIDATORS}")
    endpoint = opt_mapping(doc, ENDPOINT, where)
    place = where.at(ENDPOINT)
    types = str_list(endpoint, "types", place)
    source = opt_str(doc, API_KEY_SOURCE, where) or "HEADER"
    return ApiSettings(
        request_validators=validators,
        default_validator=default,
        gateway_responses=_read_gateway_responses(opt_mapping(doc, GATEWAY_RESPONSES, where), where),
        binary_media_types=str_list(doc, BINARY_TYPES, where),
        api_key_source=upper_choice(source, ("HEADER", "AUTHORIZER"), where.at(API_KEY_SOURCE), "source"),
        minimum_compression_size=opt_int(doc, COMPRESSION, where),
        endpoint_types=tuple(
            upper_choice(t, ENDPOINT_TYPES, place.at("types", i), "endpoint type")
            for i, t in enumerate(types)
        )
        or ("EDGE",),
        disable_execute_api_endpoint=bool(opt_bool(endpoint, "disableExecuteApiEndpoint", place)),
        policy=_read_policy(doc.get(POLICY), where.at(POLICY)),
    )


def _read_validators(obj: Mapping[str, Any], where: Where) -> tuple[RequestValidator, ...]:
    out = []
    for name, value in obj.items():
        place = where.at(str(name))
        body = as_mapping(value, place)
        out.append(
            RequestValidator(
                id=str(name),
                name=str(name),
                validate_request_body=bool(opt_bool(body, "validateRequestBody", place)),
                validate_request_parameters=bool(opt_bool(body, "validateRequestParameters", place)),
            )
        )
    return tuple(out)


def _read_gateway_responses(obj: Mapping[str, Any], where: Where) -> tuple[GatewayResponse, ...]:
    out = []
    for key, value in obj.items():
        place = where.at(GATEWAY_RESPONSES, str(key))
        kind = upper_choice(str(key), GATEWAY_RESPONSE_TYPES, place, "gateway response type")
        body = as_mapping(value, place)
        out.append(
            GatewayResponse(
                response_type=kind,
                status_code=opt_str(body, "statusCode", place),
                response_parameters=str_map(body, "responseParameters", place),
                response_templates=str_map(body, "responseTemplates", place),
            )
        )
    return tuple(out)


def _read_policy(value: Any, where: Where) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        # AWS also accepts the policy as a JSON string.
        try:
            value = json.loads(value)
        except ValueError:
            raise where.error("resource policy is not valid JSON") from None
    return dict(as_mapping(value, where))


def write_settings(api: RestApi) -> dict[str, Any]:
    """Root extensions for ``api``; defaults are left out, as AWS leaves them out."""
    out: dict[str, Any] = {}
    if api.request_validators:
        out[VALIDATORS] = {
            v.name: {
                "validateRequestBody": v.validate_request_body,
                "validateRequestParameters": v.validate_request_parameters,
            }
            for v in api.request_validators
        }
    if api.gateway_responses:
        out[GATEWAY_RESPONSES] = {g.response_type: _write_gateway_response(g) for g in api.gateway_responses}
    if api.binary_media_types:
        out[BINARY_TYPES] = list(api.binary_media_types)
    if api.api_key_source != "HEADER":
        out[API_KEY_SOURCE] = api.api_key_source
    if api.policy is not None:
        out[POLICY] = api.policy
    if api.endpoint_types != ("EDGE",) or api.disable_execute_api_endpoint:
        endpoint: dict[str, Any] = {"types": list(api.endpoint_types)}
        if api.disable_execute_api_endpoint:
            endpoint["disableExecuteApiEndpoint"] = True
        out[ENDPOINT] = endpoint
    if api.minimum_compression_size is not None:
        out[COMPRESSION] = api.minimum_compression_size
    return out


def _write_gateway_response(response: GatewayResponse) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if response.status_code is not None:
        out["statusCode"] = response.status_code
    if response.response_parameters:
        out["responseParameters"] = dict(response.response_parameters)
    if response.response_templates:
        out["responseTemplates"] = dict(response.response_templates)
    return out
