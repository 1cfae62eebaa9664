"""``AWS::ApiGateway::*`` resources of a (SAM-expanded) template -> RestApi models.

A RestApi comes either from its ``Body`` (an OpenAPI document, read by the OpenAPI
importer) or from ``AWS::ApiGateway::Resource`` / ``Method`` resources linked by
``ParentId``; both may be combined, as CloudFormation allows. Models, validators,
gateway responses and authorizers declared as their own resources are attached to the
API their ``RestApiId`` names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from tollway.errors import DefinitionError
from tollway.formats.cloudformation import refs
from tollway.formats.cloudformation.intrinsics import Resolver
from tollway.formats.cloudformation.methods import read_method
from tollway.formats.cloudformation.values import Props, decode_media_type
from tollway.model import ids
from tollway.model.api import (
    Authorizer,
    GatewayResponse,
    Method,
    Model,
    RequestValidator,
    Resource,
    RestApi,
)

REST_API = "AWS::ApiGateway::RestApi"


@dataclasses.dataclass
class ApiParts:
    """The child resources of one RestApi, by type, as (logical id, resolved props)."""

    children: dict[str, list[tuple[str, Props]]] = dataclasses.field(default_factory=dict)

    def of(self, kind: str) -> list[tuple[str, Props]]:
        return self.children.get(f"AWS::ApiGateway::{kind}", [])


def props_of(r: Resolver, logical_id: str) -> Props:
    """A resource's ``Properties`` with intrinsics resolved."""
    resource = r.resources[logical_id]
    pointer = f"/Resources/{logical_id}/Properties"
    raw = resource.get("Properties") if isinstance(resource, dict) else None
    values = r.resolve(raw, pointer) if raw is not None else {}
    if not isinstance(values, dict):
        raise DefinitionError(r.source, pointer, "Properties must be a mapping")
    return Props(r.source, pointer, values)


def group_children(r: Resolver, api_ids: Mapping[str, str], kinds: set[str]) -> dict[str, ApiParts]:
    """Resources of ``kinds`` grouped by the RestApi logical id their ``RestApiId`` names."""
    parts: dict[str, ApiParts] = {lid: ApiParts() for lid in api_ids.values()}
    for logical_id, resource in r.resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind not in kinds or not r.resource_enabled(logical_id):
            continue
        props = props_of(r, logical_id)
        owner = api_ids.get(props.text("RestApiId") or "")
        if owner is None:
            r.warnings.append(
                f"{r.source}: /Resources/{logical_id}: {kind} belongs to no RestApi of this template; ignored"
            )
            continue
        parts[owner].children.setdefault(str(kind), []).append((logical_id, props))
    return parts


def build_rest_api(r: Resolver, logical_id: str, parts: ApiParts) -> RestApi:
    """The RestApi for one ``AWS::ApiGateway::RestApi`` resource and its children."""
    props = props_of(r, logical_id)
    if props.values.get("BodyS3Location") is not None and props.values.get("Body") is None:
        raise props.error(
            "BodyS3Location",
            f"{logical_id}: the OpenAPI body is in Amazon S3; download it and use Body with "
            "AWS::Include or a SAM DefinitionUri",
        )
    api = _from_body(r, props) if props.values.get("Body") is not None else RestApi(id="", name="")
    tree = _tree_resources(r, logical_id, parts, api.resources)
    binary = props.text_list("BinaryMediaTypes")
    endpoint = props.values.get("EndpointConfiguration")
    endpoint_types = props.child("EndpointConfiguration", endpoint).text_list("Types") if endpoint else ()
    policy = props.document("Policy")
    return dataclasses.replace(
        api,
        id="",
        name=props.text("Name") or api.name or logical_id,
        description=props.text("Description") or api.description,
        resources=tree,
        models=api.models + tuple(_model(lid, p) for lid, p in parts.of("Model")),
        request_validators=api.request_validators
        + tuple(_validator(r, lid, p) for lid, p in parts.of("RequestValidator")),
        gateway_responses=_merge_gateway_responses(api.gateway_responses, parts),
        authorizers=api.authorizers + tuple(_authorizer(r, lid, p) for lid, p in parts.of("Authorizer")),
        binary_media_types=tuple(decode_media_type(t) for t in binary) or api.binary_media_types,
        api_key_source=props.text("ApiKeySourceType") or api.api_key_source,
        minimum_compression_size=props.whole("MinimumCompressionSize")
        if props.values.get("MinimumCompressionSize") is not None
        else api.minimum_compression_size,
        endpoint_types=tuple(t.upper() for t in endpoint_types) or api.endpoint_types,
        policy=policy if isinstance(policy, dict) else api.policy,
        disable_execute_api_endpoint=props.flag(
            "DisableExecuteApiEndpoint", api.disable_execute_api_endpoint
        ),
    )


def _from_body(r: Resolver, props: Props) -> RestApi:
    from tollway.formats.openapi import rest_api_from_openapi

    body = props.document("Body")
    if not isinstance(body, dict):
        raise props.error("Body", "Body must be an OpenAPI document (a mapping)")
    body = with_default_models(drop_sam_none_security(body))
    return rest_api_from_openapi(body, source=r.source, pointer=f"{props.pointer}/Body")


# Every new RestApi has these two models (AWS "Empty" and "Error"); bodies refer to
# them without defining them.
_DEFAULT_MODELS = {
    "Empty": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Empty Schema",
        "type": "object",
    },
    "Error": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Error Schema",
        "type": "object",
        "properties": {"message": {"type": "string"}},
    },
}


def with_default_models(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with API Gateway's default models added where it refers to them undefined."""
    text = repr(body)
    if "swagger" in body:
        prefix, section = "#/definitions/", dict(body.get("definitions") or {})
    else:
        prefix = "#/components/schemas/"
        section = dict((body.get("components") or {}).get("schemas") or {})
    missing = {n: s for n, s in _DEFAULT_MODELS.items() if n not in section and prefix + n in text}
    if not missing:
        return body
    section.update(missing)
    if "swagger" in body:
        return {**body, "definitions": section}
    return {**body, "components": {**(body.get("components") or {}), "schemas": section}}


def drop_sam_none_security(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without SAM's ``{"NONE": []}`` security requirements.

    SAM writes that requirement for a method whose ``Auth.Authorizer`` is ``NONE`` and
    never defines a ``NONE`` scheme; API Gateway deploys it as "no authorizer".
    """
    components = body.get("components")
    schemes = body.get("securityDefinitions") or (
        components.get("securitySchemes") if isinstance(components, dict) else None
    )
    if isinstance(schemes, dict) and "NONE" in schemes:
        return body
    paths = body.get("paths")
    if not isinstance(paths, dict):
        return body
    new_paths: dict[str, Any] = {}
    for path, item in paths.items():
        if isinstance(item, dict):
            item = {key: _without_none(op) for key, op in item.items()}
        new_paths[path] = item
    return {**body, "paths": new_paths}


def _without_none(operation: Any) -> Any:
    security = operation.get("security") if isinstance(operation, dict) else None
    if not isinstance(security, list):
        return operation
    kept = [req for req in security if req != {"NONE": []}]
    return {**operation, "security": kept}


def _tree_resources(
    r: Resolver, api_lid: str, parts: ApiParts, existing: tuple[Resource, ...]
) -> tuple[Resource, ...]:
    """Body resources plus the Resource/Method tree, merged by path (root always present)."""
    root_id = ids.resource_id(ids.api_id(refs.api_key(r.stack_key, api_lid)), "/")
    nodes = {lid: p for lid, p in parts.of("Resource")}
    by_id = {refs.short_id(r.stack_key, lid): lid for lid in nodes}
    paths: dict[str, str] = {}

    def path_of(lid: str, seen: tuple[str, ...] = ()) -> str:
        if lid in paths:
            return paths[lid]
        if lid in seen:
            raise nodes[lid].error("ParentId", f"{lid}: resource tree has a cycle")
        props = nodes[lid]
        parent = props.text("ParentId") or ""
        part = props.text("PathPart") or ""
        if parent == root_id:
            base = ""
        elif parent in by_id:
            base = path_of(by_id[parent], (*seen, lid))
        else:
            raise props.error("ParentId", f"{lid}: ParentId names no resource of {api_lid}")
        paths[lid] = f"{base}/{part}"
        return paths[lid]

    merged: dict[str, dict[str, Method]] = {res.path: dict(res.methods) for res in existing}
    merged.setdefault("/", {})
    for lid in nodes:
        merged.setdefault(path_of(lid), {})
    for lid, props in parts.of("Method"):
        target = props.text("ResourceId") or ""
        if target == root_id:
            path = "/"
        elif target in by_id:
            path = path_of(by_id[target])
        else:
            raise props.error("ResourceId", f"{lid}: ResourceId names no resource of {api_lid}")
        method = read_method(props)
        merged[path][method.http_method] = method
    return tuple(Resource(path=p, methods=m) for p, m in sorted(merged.items()))


def _model(logical_id: str, props: Props) -> Model:
    # Without a Name CloudFormation generates one; Ref of the model (what methods use)
    # returns the same logical-id based name here.
    name = props.text("Name") or logical_id
    schema = props.document("Schema")
    return Model(
        name=name,
        content_type=props.text("ContentType") or "application/json",
        schema=schema if isinstance(schema, dict) else {},
        description=props.text("Description"),
    )


def _validator(r: Resolver, logical_id: str, props: Props) -> RequestValidator:
    return RequestValidator(
        id=refs.short_id(r.stack_key, logical_id),
        name=props.text("Name") or logical_id,
        validate_request_body=props.flag("ValidateRequestBody"),
        validate_request_parameters=props.flag("ValidateRequestParameters"),
    )


def _merge_gateway_responses(
    existing: tuple[GatewayResponse, ...], parts: ApiParts
) -> tuple[GatewayResponse, ...]:
    merged = {resp.response_type: resp for resp in existing}
    for _, props in parts.of("GatewayResponse"):
        kind = props.text("ResponseType")
        if not kind:
            raise props.error("ResponseType", "a gateway response needs a ResponseType")
        merged[kind] = GatewayResponse(
            response_type=kind,
            status_code=props.text("StatusCode"),
            response_parameters=props.text_map("ResponseParameters"),
            response_templates=props.text_map("ResponseTemplates"),
        )
    return tuple(merged.values())


def _authorizer(r: Resolver, logical_id: str, props: Props) -> Authorizer:
    ttl = props.whole("AuthorizerResultTtlInSeconds")
    return Authorizer(
        id=refs.short_id(r.stack_key, logical_id),
        name=props.text("Name") or logical_id,
        type=(props.text("Type") or "TOKEN").upper(),
        authorizer_uri=props.text("AuthorizerUri"),
        identity_source=props.text("IdentitySource"),
        identity_validation_expression=props.text("IdentityValidationExpression"),
        provider_arns=props.text_list("ProviderARNs"),
        result_ttl_seconds=300 if ttl is None else ttl,
        auth_type=props.text("AuthType"),
        credentials=props.text("AuthorizerCredentials"),
    )
