"""OpenAPI 3.0 / Swagger 2.0 documents with ``x-amazon-apigateway-*`` extensions -> ``RestApi``.

Matches what API Gateway's ``ImportRestApi`` builds: a resource for every path, every
intermediate parent and the root; methods with their integration, request parameters,
models, validators, authorization and method responses; and the API-level extensions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tollway.formats.openapi.common import OPERATION_KEYS, Where, as_mapping, opt_mapping, opt_str
from tollway.formats.openapi.operation import DocContext, path_template_names, read_method
from tollway.formats.openapi.schemas import check_model_name, stored_schema
from tollway.formats.openapi.security import operation_schemes
from tollway.formats.openapi.toplevel import read_settings
from tollway.model.api import Method, Model, Resource, RestApi

# AWS: a path part uses a-zA-Z0-9._- (":" and "," are accepted too, per the known-issues
# page), or is one whole "{name}" parameter, or a greedy "{name+}" as the last part.
_PLAIN_PART = re.compile(r"^[A-Za-z0-9._\-:,]+$")
_PARAM_PART = re.compile(r"^\{[A-Za-z0-9._\-]+\+?\}$")


def rest_api_from_openapi(doc: Mapping[str, Any], *, source: str, pointer: str = "") -> RestApi:
    """Build a ``RestApi`` (with ``id=""``) from a parsed OpenAPI 3.0 or Swagger 2.0 document.

    ``source`` names the file and ``pointer`` is where ``doc`` sits in it; every
    ``DefinitionError`` carries ``source`` and the exact JSON pointer of the bad value.
    Model references are stored as ``#/definitions/Name`` (see ``schemas``).
    """
    root = Where(source, pointer)
    if not isinstance(doc, Mapping):
        raise root.error("not an OpenAPI 3.0 or Swagger 2.0 document: expected an object")
    oas3 = _is_oas3(doc, root)
    if doc.get("paths") is None:
        raise root.at("paths").error("missing 'paths': an OpenAPI document must list its paths")
    paths = as_mapping(doc["paths"], root.at("paths"))
    info = opt_mapping(doc, "info", root)
    settings = read_settings(doc, root)
    ctx = DocContext(
        doc=doc,
        root=root,
        oas3=oas3,
        schemes=operation_schemes(doc, oas3, root),
        validator_ids=frozenset(v.id for v in settings.request_validators),
        default_validator=settings.default_validator,
        models=_read_models(doc, oas3, root),
    )
    resources = _read_paths(paths, ctx, root.at("paths"))
    return RestApi(
        id="",
        name=opt_str(info, "title", root.at("info")) or "api",
        description=opt_str(info, "description", root.at("info")),
        version=opt_str(info, "version", root.at("info")),
        resources=resources,
        models=tuple(ctx.models.values()),
        request_validators=settings.request_validators,
        gateway_responses=settings.gateway_responses,
        authorizers=tuple(s.authorizer for s in ctx.schemes.values() if s.authorizer is not None),
        binary_media_types=settings.binary_media_types,
        api_key_source=settings.api_key_source,
        minimum_compression_size=settings.minimum_compression_size,
        endpoint_types=settings.endpoint_types,
        policy=settings.policy,
        disable_execute_api_endpoint=settings.disable_execute_api_endpoint,
    )


def _is_oas3(doc: Mapping[str, Any], where: Where) -> bool:
    if "openapi" in doc:
        version = str(doc["openapi"])
        if not version.startswith("3."):
            raise where.at("openapi").error(f"unsupported OpenAPI version {version!r}; expected 3.0.x")
        return True
    if "swagger" in doc:
        version = str(doc["swagger"])
        if version not in ("2.0", "2"):
            raise where.at("swagger").error(f"unsupported Swagger version {version!r}; expected 2.0")
        return False
    raise where.error("not an OpenAPI 3.0 or Swagger 2.0 document: no 'openapi' or 'swagger' field")


def _read_models(doc: Mapping[str, Any], oas3: bool, root: Where) -> dict[str, Model]:
    if oas3:
        where = root.at("components", "schemas")
        schemas = opt_mapping(opt_mapping(doc, "components", root), "schemas", root.at("components"))
    else:
        where = root.at("definitions")
        schemas = opt_mapping(doc, "definitions", root)
    names = [str(name) for name in schemas]
    models = {}
    for name, schema in schemas.items():
        place = where.at(str(name))
        check_model_name(str(name), place)
        stored = stored_schema(as_mapping(schema, place), names, place)
        models[str(name)] = Model(name=str(name), schema=stored)
    return models


def split_path(path: str, where: Where) -> list[str]:
    """The parts of a resource path, checked as AWS checks them."""
    if not path.startswith("/"):
        raise where.error(f"path {path!r} must start with '/'")
    parts = [part for part in path.split("/") if part]
    for index, part in enumerate(parts):
        if _PARAM_PART.match(part):
            if part.endswith("+}") and index != len(parts) - 1:
                raise where.error(f"greedy path parameter {part!r} must be the last part of the path")
            continue
        if "{" in part or "}" in part:
            raise where.error(f"path parameter in {part!r} must be a whole path part, like '{{id}}'")
        if not _PLAIN_PART.match(part):
            raise where.error(f"path part {part!r} may only use a-z A-Z 0-9 . _ - : , or be a '{{name}}'")
    return parts


def _read_paths(paths: Mapping[str, Any], ctx: DocContext, where: Where) -> tuple[Resource, ...]:
    methods_by_path: dict[str, dict[str, Method]] = {"/": {}}
    for key, value in paths.items():
        place = where.at(str(key))
        parts = split_path(str(key), place)
        path_item = as_mapping(value or {}, place)
        for depth in range(len(parts)):
            methods_by_path.setdefault("/" + "/".join(parts[: depth + 1]), {})
        methods = methods_by_path.setdefault("/" + "/".join(parts), {})
        names = path_template_names(parts)
        for op_key, http_method in OPERATION_KEYS.items():
            if op_key in path_item:
                op = as_mapping(path_item[op_key], place.at(op_key))
                methods[http_method] = read_method(http_method, op, path_item, names, ctx, place, op_key)
    return tuple(Resource(path=path, methods=methods_by_path[path]) for path in sorted(methods_by_path))
