"""``HttpApi`` -> OpenAPI 3.0.1 with the HTTP API ``x-amazon-apigateway-*`` extensions.

The shape follows API Gateway's HTTP API export (``ExportApi`` with extensions): one
operation per route (``$default`` as the ``$default`` path's
``x-amazon-apigateway-any-method``), authorizers as ``securitySchemes`` carrying
``x-amazon-apigateway-authorizer``, CORS as ``x-amazon-apigateway-cors``. Where AWS writes
each integration inline, this export writes every integration once, under
``components.x-amazon-apigateway-integrations`` named by its id, and routes refer to it
with ``$ref``: so the document imports back (``http_api_from_openapi``) to an equal
``HttpApi``, ids included, as long as authorizer ids are the ones the importers derive from
authorizer names (``authorizer_id``). IAM authorization is written as a scheme with
``x-amazon-apigateway-authtype: awsSigv4``.

Limits: what the model does not keep is not exported (an AWS service integration a route
had, ``CredentialsArn``, stage settings); ``info.title`` is the API's name.
"""

from __future__ import annotations

import re
from typing import Any

from tollway.formats.openapi.common import METHOD_KEYS
from tollway.formats.openapi.http_import import (
    AUTHORIZER,
    AUTHTYPE,
    CORS,
    ENDPOINT,
    IMPORTEXPORT_VERSION,
    INTEGRATION,
    INTEGRATIONS,
    INTEGRATIONS_REF,
)
from tollway.model.http_api import (
    DEFAULT_ROUTE,
    DEFAULT_STAGE,
    CorsConfiguration,
    HttpApi,
    HttpAuthorizer,
    HttpIntegration,
    HttpRoute,
)

_PATH_PARAM = re.compile(r"\{([^{}/]+?)\+?\}")
IAM_SCHEME = "sigv4"


def export_http_api(api: HttpApi, *, stage: str | None = None) -> dict[str, Any]:
    """Export ``api`` as an OpenAPI 3.0.1 document of an HTTP API.

    With a ``stage`` the document names it in ``servers`` as AWS does (a ``basePath``
    variable, empty for ``$default``); the URL is relative (tollway is self-hosted).
    """
    doc: dict[str, Any] = {"openapi": "3.0.1", "info": _info(api)}
    if stage is not None:
        base = "" if stage == DEFAULT_STAGE else stage
        doc["servers"] = [{"url": "/{basePath}", "variables": {"basePath": {"default": base}}}]
    iam = _iam_scheme_name(api)
    doc["paths"] = _paths(api, iam)
    components: dict[str, Any] = {}
    schemes = {a.name: _scheme(a) for a in api.authorizers}
    if any(route.authorization_type == "AWS_IAM" for route in api.routes):
        schemes[iam] = {"type": "apiKey", "name": "Authorization", "in": "header", AUTHTYPE: "awsSigv4"}
    if schemes:
        components["securitySchemes"] = schemes
    if api.integrations:
        components[INTEGRATIONS] = {i.id: write_integration(i) for i in api.integrations}
    if components:
        doc["components"] = components
    if api.cors is not None:
        doc[CORS] = write_cors(api.cors)
    if api.disable_execute_api_endpoint:
        doc[ENDPOINT] = {"disableExecuteApiEndpoint": True}
    doc[IMPORTEXPORT_VERSION] = "1.0"
    return doc


def _info(api: HttpApi) -> dict[str, Any]:
    info: dict[str, Any] = {"title": api.name}
    if api.description is not None:
        info["description"] = api.description
    if api.version is not None:
        info["version"] = api.version
    return info


def _iam_scheme_name(api: HttpApi) -> str:
    names = {a.name for a in api.authorizers}
    name = IAM_SCHEME
    while name in names:
        name = f"_{name}"
    return name


def _paths(api: HttpApi, iam: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in api.routes:
        if route.route_key == DEFAULT_ROUTE:
            path, method = DEFAULT_ROUTE, "ANY"
        else:
            method, _, path = route.route_key.partition(" ")
        item = paths.setdefault(path, {})
        item[METHOD_KEYS.get(method, method.lower())] = _operation(route, path, method, api, iam)
    return paths


def _operation(route: HttpRoute, path: str, method: str, api: HttpApi, iam: str) -> dict[str, Any]:
    op: dict[str, Any] = {}
    if route.operation_name:
        op["operationId"] = route.operation_name
    names = _PATH_PARAM.findall(path)
    if names:
        op["parameters"] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in names
        ]
    label = DEFAULT_ROUTE if path == DEFAULT_ROUTE else f"{method} {path}"
    op["responses"] = {"default": {"description": f"Default response for {label}"}}
    security = _security(route, api, iam)
    if security is not None:
        op["security"] = security
    if route.integration_id is not None:
        op[INTEGRATION] = {"$ref": INTEGRATIONS_REF + route.integration_id}
    return op


def _security(route: HttpRoute, api: HttpApi, iam: str) -> list[dict[str, list[str]]] | None:
    if route.authorization_type == "AWS_IAM":
        return [{iam: []}]
    authorizer = api.authorizer(route.authorizer_id) if route.authorizer_id else None
    if authorizer is None or route.authorization_type == "NONE":
        return None
    return [{authorizer.name: list(route.authorization_scopes)}]


def write_integration(integration: HttpIntegration) -> dict[str, Any]:
    """One ``x-amazon-apigateway-integration`` object of an HTTP API."""
    out: dict[str, Any] = {
        "type": integration.type.lower(),
        "uri": integration.uri,
        "httpMethod": integration.method,
        "payloadFormatVersion": integration.payload_format_version,
        "connectionType": integration.connection_type,
        "timeoutInMillis": integration.timeout_ms,
    }
    if integration.connection_id is not None:
        out["connectionId"] = integration.connection_id
    if integration.request_parameters:
        out["requestParameters"] = dict(integration.request_parameters)
    if integration.response_parameters:
        out["responseParameters"] = {code: dict(m) for code, m in integration.response_parameters.items()}
    return out


def _scheme(authorizer: HttpAuthorizer) -> dict[str, Any]:
    ext: dict[str, Any] = {"type": authorizer.type.lower()}
    if authorizer.identity_source:
        ext["identitySource"] = ", ".join(authorizer.identity_source)
    if authorizer.type == "JWT":
        jwt: dict[str, Any] = {"issuer": authorizer.issuer}
        if authorizer.audience:
            jwt["audience"] = list(authorizer.audience)
        ext["jwtConfiguration"] = jwt
        return {"type": "oauth2", "flows": {}, AUTHORIZER: ext}
    ext["authorizerUri"] = authorizer.authorizer_uri
    ext["authorizerPayloadFormatVersion"] = authorizer.payload_format_version
    ext["enableSimpleResponses"] = authorizer.enable_simple_responses
    ext["authorizerResultTtlInSeconds"] = authorizer.result_ttl_seconds
    return {"type": "apiKey", "name": "Unused", "in": "header", AUTHORIZER: ext}


def write_cors(cors: CorsConfiguration) -> dict[str, Any]:
    """``x-amazon-apigateway-cors``; empty lists and defaults are left out."""
    out: dict[str, Any] = {}
    for key, values in (
        ("allowOrigins", cors.allow_origins),
        ("allowMethods", cors.allow_methods),
        ("allowHeaders", cors.allow_headers),
        ("exposeHeaders", cors.expose_headers),
    ):
        if values:
            out[key] = list(values)
    if cors.allow_credentials:
        out["allowCredentials"] = True
    if cors.max_age is not None:
        out["maxAge"] = cors.max_age
    return out
