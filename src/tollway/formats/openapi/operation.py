"""One OpenAPI operation (Swagger 2 or OpenAPI 3) read into an API Gateway ``Method``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tollway.formats.openapi.common import Where, as_mapping, opt_mapping, opt_str, str_list
from tollway.formats.openapi.integration import EXTENSION, read_integration
from tollway.formats.openapi.schemas import inline_model_name, model_ref_name, stored_schema
from tollway.formats.openapi.security import Scheme, read_method_auth
from tollway.formats.openapi.toplevel import VALIDATOR
from tollway.model.api import Method, MethodResponse, Model

_STATUS = re.compile(r"^[1-5]\d\d$")
_PARAM_PLACES = {"path": "path", "query": "querystring", "header": "header"}
DEFAULT_CONTENT_TYPE = "application/json"


@dataclass(slots=True)
class DocContext:
    """What every operation of one document needs to see: the root, schemes, models."""

    doc: Mapping[str, Any]
    root: Where
    oas3: bool
    schemes: dict[str, Scheme]
    validator_ids: frozenset[str]
    default_validator: str | None
    models: dict[str, Model] = field(default_factory=dict)

    def resolve(self, value: Any, where: Where) -> tuple[Mapping[str, Any], Where]:
        """Follow local ``$ref`` s (``#/components/parameters/X`` and the like) to an object."""
        for _ in range(16):
            obj = as_mapping(value, where)
            ref = obj.get("$ref")
            if not isinstance(ref, str):
                return obj, where
            if not ref.startswith("#/"):
                raise where.at("$ref").error(f"unsupported $ref {ref!r}: only local references are allowed")
            tokens = [t.replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/")]
            value, where = self._lookup(tokens, where.at("$ref"), ref), self.root.at(*tokens)
        raise where.error("$ref chain too long or circular")

    def _lookup(self, tokens: list[str], where: Where, ref: str) -> Any:
        node: Any = self.doc
        for token in tokens:
            if not isinstance(node, Mapping) or token not in node:
                raise where.error(f"$ref {ref!r} points at nothing")
            node = node[token]
        return node

    def model_for(self, schema: Any, content_type: str, where: Where) -> str | None:
        """The model name for a schema: a named model, or a generated one for an inline schema."""
        if schema is None:
            return None
        obj = as_mapping(schema, where)
        if not obj:
            return None
        ref = obj.get("$ref")
        if isinstance(ref, str):
            name = model_ref_name(ref)
            if name is None or name not in self.models:
                raise where.at("$ref").error(f"$ref {ref!r} does not name a model of this API")
            return name
        stored = stored_schema(obj, self.models, where)
        name = inline_model_name(stored)
        self.models.setdefault(name, Model(name=name, content_type=content_type, schema=stored))
        return name


def read_method(
    http_method: str,
    op: Mapping[str, Any],
    path_item: Mapping[str, Any],
    path_params: tuple[str, ...],
    ctx: DocContext,
    path_where: Where,
    key: str,
) -> Method:
    """Read operation ``key`` of the path item at ``path_where`` (it shares ``parameters``)."""
    where = path_where.at(key)
    request_parameters = {f"method.request.path.{name}": True for name in path_params}
    request_models: dict[str, str] = {}
    shared = _parameters(path_item, path_where, ctx) | _parameters(op, where, ctx)
    for param, place in shared.values():
        _read_parameter(param, place, op, ctx, request_parameters, request_models)
    if ctx.oas3 and op.get("requestBody") is not None:
        body, place = ctx.resolve(op["requestBody"], where.at("requestBody"))
        request_models.update(_content_models(body, place, ctx))
    auth = read_method_auth(op, ctx.schemes, where)
    integration = op.get(EXTENSION)
    return Method(
        http_method=http_method,
        authorization_type=auth.authorization_type,
        authorizer_id=auth.authorizer_id,
        authorization_scopes=auth.scopes,
        api_key_required=auth.api_key_required,
        operation_name=opt_str(op, "operationId", where),
        request_parameters=request_parameters,
        request_models=request_models,
        request_validator_id=_validator(op, ctx, where),
        integration=None if integration is None else read_integration(integration, where.at(EXTENSION)),
        method_responses=_responses(op, ctx, where),
    )


def _parameters(
    holder: Mapping[str, Any], where: Where, ctx: DocContext
) -> dict[tuple[str, str], tuple[Mapping[str, Any], Where]]:
    """Parameters keyed by (in, name), so operation-level ones override path-level ones."""
    value = holder.get("parameters") or []
    if not isinstance(value, list):
        raise where.at("parameters").error("expected a list of parameters")
    out = {}
    for index, item in enumerate(value):
        param, place = ctx.resolve(item, where.at("parameters", index))
        location = opt_str(param, "in", place)
        name = opt_str(param, "name", place)
        if location is None or name is None:
            raise place.error("a parameter needs 'name' and 'in'")
        out[(location, name)] = (param, place)
    return out


def _read_parameter(
    param: Mapping[str, Any],
    where: Where,
    op: Mapping[str, Any],
    ctx: DocContext,
    request_parameters: dict[str, bool],
    request_models: dict[str, str],
) -> None:
    location, name = str(param["in"]), str(param["name"])
    if location in _PARAM_PLACES:
        # Path parameters are always required, whatever the document says.
        required = location == "path" or param.get("required") is True
        request_parameters[f"method.request.{_PARAM_PLACES[location]}.{name}"] = required
    elif location == "body" and not ctx.oas3:
        for content_type in _media_types(op, "consumes", ctx, where):
            model = ctx.model_for(param.get("schema"), content_type, where.at("schema"))
            if model is not None:
                request_models[content_type] = model


def _media_types(op: Mapping[str, Any], key: str, ctx: DocContext, where: Where) -> tuple[str, ...]:
    return str_list(op, key, where) or str_list(ctx.doc, key, ctx.root) or (DEFAULT_CONTENT_TYPE,)


def _content_models(holder: Mapping[str, Any], where: Where, ctx: DocContext) -> dict[str, str]:
    out = {}
    content = opt_mapping(holder, "content", where)
    for content_type, media in content.items():
        place = where.at("content", str(content_type))
        schema = as_mapping(media or {}, place).get("schema")
        model = ctx.model_for(schema, str(content_type), place.at("schema"))
        if model is not None:
            out[str(content_type)] = model
    return out


def _validator(op: Mapping[str, Any], ctx: DocContext, where: Where) -> str | None:
    name = opt_str(op, VALIDATOR, where)
    if name is None:
        return ctx.default_validator
    if name not in ctx.validator_ids:
        raise where.at(VALIDATOR).error(f"request validator {name!r} is not defined")
    return name


def _responses(op: Mapping[str, Any], ctx: DocContext, where: Where) -> tuple[MethodResponse, ...]:
    out = []
    for code, value in opt_mapping(op, "responses", where).items():
        status = str(code)
        if status == "default":
            continue  # API Gateway method responses need a concrete status code
        place = where.at("responses", status)
        if not _STATUS.match(status):
            raise place.error(f"response status {status!r} is not an HTTP status code (100-599)")
        response, place = ctx.resolve(value, place)
        out.append(
            MethodResponse(
                status_code=status,
                response_parameters=_response_headers(response, place, ctx),
                response_models=_response_models(response, op, place, ctx),
            )
        )
    return tuple(out)


def _response_headers(response: Mapping[str, Any], where: Where, ctx: DocContext) -> dict[str, bool]:
    out = {}
    for name, value in opt_mapping(response, "headers", where).items():
        header, _ = ctx.resolve(value or {}, where.at("headers", str(name)))
        # Only OpenAPI 3 header objects can say `required`; Swagger 2 headers cannot.
        out[f"method.response.header.{name}"] = ctx.oas3 and header.get("required") is True
    return out


def _response_models(
    response: Mapping[str, Any], op: Mapping[str, Any], where: Where, ctx: DocContext
) -> dict[str, str]:
    if ctx.oas3:
        return _content_models(response, where, ctx)
    out = {}
    for content_type in _media_types(op, "produces", ctx, where):
        model = ctx.model_for(response.get("schema"), content_type, where.at("schema"))
        if model is not None:
            out[content_type] = model
    return out


def path_template_names(segments: list[str]) -> tuple[str, ...]:
    """The parameter names of a path's ``{name}`` / ``{name+}`` segments."""
    return tuple(s[1:-1].rstrip("+") for s in segments if s.startswith("{"))
