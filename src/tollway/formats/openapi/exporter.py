"""``RestApi`` -> OpenAPI 3.0 or Swagger 2.0 with the ``x-amazon-apigateway-*`` extensions.

The shape follows API Gateway's ``GetExport`` with ``extensions=integrations``. The
output imports back to the same API (``rest_api_from_openapi``) for both flavors, with
these limits of the formats: a Swagger 2 response header cannot be marked required, a
Swagger 2 operation has one body schema for all its content types, and every model
comes back with content type ``application/json`` (as AWS exports only JSON models).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from tollway.formats.openapi.common import METHOD_KEYS
from tollway.formats.openapi.integration import EXTENSION, write_integration
from tollway.formats.openapi.schemas import OAS3_PREFIX, STORED_PREFIX, flavor_schema
from tollway.formats.openapi.security import write_method_auth, write_schemes
from tollway.formats.openapi.toplevel import VALIDATOR, write_settings
from tollway.formats.yamlio import dump_yaml
from tollway.model.api import Method, MethodResponse, Resource, RestApi, Stage

Flavor = Literal["oas30", "swagger"]
_PARAM_IN = {"path": "path", "querystring": "query", "header": "header"}


def export_openapi(api: RestApi, *, flavor: Flavor, stage: Stage | None = None) -> dict[str, Any]:
    """Export ``api`` as an OpenAPI 3.0.1 (``oas30``) or Swagger 2.0 (``swagger``) document.

    With a ``stage`` the document names it as AWS does: OpenAPI 3 ``servers`` with a
    ``basePath`` variable defaulting to ``/<stage>``, Swagger ``basePath: /<stage>``. The
    server URL is relative (tollway is self-hosted, so the host is whoever serves the file).
    """
    oas3 = flavor == "oas30"
    doc: dict[str, Any] = {"openapi": "3.0.1"} if oas3 else {"swagger": "2.0"}
    doc["info"] = _info(api)
    if stage is not None and oas3:
        doc["servers"] = [{"url": "/{basePath}", "variables": {"basePath": {"default": stage.name}}}]
    elif stage is not None:
        doc["basePath"] = f"/{stage.name}"
        doc["schemes"] = ["https"]
    doc["paths"] = _paths(api, oas3)
    schemes = write_schemes(api.authorizers, any(m.api_key_required for m in _methods(api)))
    prefix = OAS3_PREFIX if oas3 else STORED_PREFIX
    models = {model.name: flavor_schema(model.schema, prefix) for model in api.models}
    if oas3:
        components = {"schemas": models, "securitySchemes": schemes}
        doc["components"] = {key: value for key, value in components.items() if value}
    else:
        swagger = {"securityDefinitions": schemes, "definitions": models}
        doc.update({key: value for key, value in swagger.items() if value})
    doc.update(write_settings(api))
    return doc


def export_text(doc: dict[str, Any], fmt: Literal["json", "yaml"]) -> str:
    """Serialise an exported document as JSON (2-space indent) or YAML, keeping key order."""
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return dump_yaml(doc)


def _info(api: RestApi) -> dict[str, Any]:
    info: dict[str, Any] = {"title": api.name}
    if api.description is not None:
        info["description"] = api.description
    if api.version is not None:
        info["version"] = api.version
    return info


def _methods(api: RestApi) -> list[Method]:
    return [method for resource in api.resources for method in resource.methods.values()]


def _paths(api: RestApi, oas3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for resource in api.resources:
        if resource.methods:
            paths[resource.path] = {
                METHOD_KEYS.get(m.http_method, m.http_method.lower()): _operation(resource, m, api, oas3)
                for m in resource.methods.values()
            }
        elif _is_bare_leaf(resource, api):
            paths[resource.path] = {}  # keeps a method-less leaf resource on re-import
    return paths


def _is_bare_leaf(resource: Resource, api: RestApi) -> bool:
    prefix = resource.path.rstrip("/") + "/"
    return resource.path != "/" and not any(r.path.startswith(prefix) for r in api.resources)


def _operation(resource: Resource, method: Method, api: RestApi, oas3: bool) -> dict[str, Any]:
    op: dict[str, Any] = {}
    if method.operation_name:
        op["operationId"] = method.operation_name
    parameters = _parameters(resource, method, oas3)
    if method.request_models and not oas3:
        op["consumes"] = list(method.request_models)
        first = next(iter(method.request_models.values()))
        parameters.append({"in": "body", "name": first, "required": True, "schema": _ref(first, oas3)})
    produces = _produces(method.method_responses)
    if produces and not oas3:
        op["produces"] = produces
    if parameters:
        op["parameters"] = parameters
    if method.request_models and oas3:
        content = {ct: {"schema": _ref(name, oas3)} for ct, name in method.request_models.items()}
        op["requestBody"] = {"content": content, "required": True}
    op["responses"] = {r.status_code: _response(r, oas3) for r in method.method_responses}
    op.update(write_method_auth(method, api.authorizers))
    if method.request_validator_id is not None:
        op[VALIDATOR] = method.request_validator_id
    if method.integration is not None:
        op[EXTENSION] = write_integration(method.integration)
    return op


def _parameters(resource: Resource, method: Method, oas3: bool) -> list[dict[str, Any]]:
    declared = dict(method.request_parameters)
    for part in resource.path.split("/"):
        if part.startswith("{"):
            # OpenAPI requires every path template variable to be declared.
            declared.setdefault(f"method.request.path.{part[1:-1].rstrip('+')}", True)
    out = []
    for key, required in declared.items():
        _, _, rest = key.partition("method.request.")
        place, _, name = rest.partition(".")
        if place not in _PARAM_IN or not name:
            continue  # not expressible as an OpenAPI parameter
        param: dict[str, Any] = {"name": name, "in": _PARAM_IN[place]}
        if required or place == "path":
            param["required"] = True
        param.update({"schema": {"type": "string"}} if oas3 else {"type": "string"})
        out.append(param)
    return out


def _produces(responses: tuple[MethodResponse, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for response in responses:
        seen.update(dict.fromkeys(response.response_models))
    return list(seen)


def _ref(model: str, oas3: bool) -> dict[str, str]:
    return {"$ref": (OAS3_PREFIX if oas3 else STORED_PREFIX) + model}


def _response(response: MethodResponse, oas3: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"description": f"{response.status_code} response"}
    headers: dict[str, Any] = {}
    for key, required in response.response_parameters.items():
        name = key.removeprefix("method.response.header.")
        if oas3:
            headers[name] = {"schema": {"type": "string"}, **({"required": True} if required else {})}
        else:
            headers[name] = {"type": "string"}
    if headers:
        out["headers"] = headers
    if response.response_models and oas3:
        out["content"] = {ct: {"schema": _ref(name, oas3)} for ct, name in response.response_models.items()}
    elif response.response_models:
        out["schema"] = _ref(next(iter(response.response_models.values())), oas3)
    return out
