"""Request validation, as Amazon API Gateway's request validators do it.

A method with a request validator (``x-amazon-apigateway-request-validator``,
``AWS::ApiGateway::Method.RequestValidatorId``) checks what the validator enables:
``validateRequestParameters`` (required path, query string and header parameters are present
and not blank; AWS checks nothing else about them) and ``validateRequestBody`` (the body
matches the method's JSON Schema draft-04 model for the request's content type).
``compile_validation`` prepares that once per deployment; ``check`` runs per request.

What AWS does, and what we reproduce:

- Parameters are checked first; the first failing check answers, so a request missing a
  parameter never has its body looked at. Failure: 400 ``BAD_REQUEST_PARAMETERS``, message
  ``Missing required request parameters: [x-header-param, issuer, qs1]``: names only,
  ", "-separated, in the order of their keys (``method.request.header.*``, then ``path.*``,
  then ``querystring.*``, names sorted within each), as recorded against AWS.
- "Blank" is empty or only whitespace, so ``?q=`` does not supply ``q``. Header names compare
  case-insensitively (HTTP), query string and path names exactly.
- The body model is the one for the request's media type (Content-Type without parameters,
  lower-cased; no Content-Type counts as ``application/json``), else the ``$default`` model,
  else none: AWS documents that without a matching content type the body is not validated.
- Failure: 400 ``BAD_REQUEST_BODY`` ``Invalid request body``, with
  ``$context.error.validationErrorString`` holding the validator's messages as AWS words them
  (it runs the Java json-schema-validator, "fge"): ``[msg, msg]``, e.g.
  ``[object has missing required properties (["name"])]``.

Decided here where AWS is silent: an empty (or whitespace-only) body is validated as ``{}``
(what LocalStack does; AWS rejects a body-less request against a model with required
properties); a body that is not JSON fails with ``[Invalid JSON in request body]``; a query
parameter is present if any of its values is not blank; for a missing parameter the
validation error string repeats the message.

A body is first decoded into the model's msgspec types when the model has them
(``tollway.dataplane.validation.typed``: a sound, partial translation; decoding is the
validation, in C). Otherwise, or when that decode fails, it is parsed and validated by code
that ``fastjsonschema`` generates from the model (the "valid" answer); only a body it
rejects is walked by :func:`schema_errors`, which emulates fge's messages and order and has
the last word (fge's exact decimal ``multipleOf`` accepts what float arithmetic may reject).

The messages and their order: ``tollway.dataplane.validation.schema_errors``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import fastjsonschema
import msgspec

from tollway.dataplane.validation.schema_errors import resolve, schema_errors
from tollway.dataplane.validation.typed import typed_decoder
from tollway.errors import BadRequestBody, BadRequestParameters, DefinitionError, GatewayError
from tollway.formats.openapi.schemas import bundled_schema
from tollway.model.api import Method, RestApi

DEFAULT_CONTENT_TYPE = "application/json"
DEFAULT_MODEL = "$default"
DRAFT4 = "http://json-schema.org/draft-04/schema#"
NOT_JSON = "Invalid JSON in request body"
_PARAMETER = re.compile(r"method\.request\.(header|path|querystring)\.(.+)")


@dataclass(frozen=True, slots=True)
class BodyModel:
    """One request model, compiled: a fast yes/no check and the schema to explain a no."""

    name: str
    schema: dict[str, Any]
    """The model bundled with every model it references, under ``definitions``."""
    fast: Callable[[Any], Any]
    """fastjsonschema's validator: raises ``JsonSchemaValueException`` for an invalid body."""
    typed: msgspec.json.Decoder[Any] | None = None
    """The model as msgspec types (``validation.typed``): a body it decodes is valid."""


@dataclass(frozen=True, slots=True)
class RequestCheck:
    """What one method validates, compiled once per deployment.

    Required parameter names are grouped by location, each group sorted as AWS lists them.
    """

    headers: tuple[tuple[str, str], ...] = ()
    """(name as declared, lower-cased name) of each required header."""
    paths: tuple[str, ...] = ()
    querystrings: tuple[str, ...] = ()
    models: Mapping[str, BodyModel] = field(default_factory=dict)
    """Lower-cased media type (or ``$default``) -> model; empty when the body is not validated."""


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a request fails validation, worded as AWS words it."""

    body: bool
    """True: the body (``BAD_REQUEST_BODY``); False: a parameter (``BAD_REQUEST_PARAMETERS``)."""
    message: str
    """``$context.error.message``."""
    validation_error: str
    """``$context.error.validationErrorString``."""

    def error(self) -> GatewayError:
        """The error to raise. The validation error string travels as ``detail`` until
        GatewayError has a field for it."""
        if self.body:
            return BadRequestBody(self.message, validation_error=self.validation_error)
        return BadRequestParameters(self.message, validation_error=self.validation_error)


def compile_validation(api: RestApi, method: Method) -> RequestCheck | None:
    """What ``method`` validates, or None when it validates nothing (no validator, or one
    whose checks find nothing to check), so the request path can skip the stage.

    Raises ``DefinitionError`` for an undefined validator or model, a model that is not a
    usable draft-04 schema, or a model reference outside the API's models.
    """
    validator_id = method.request_validator_id
    if not validator_id:
        return None
    source = f"api {api.name}"
    validator = next((v for v in api.request_validators if v.id == validator_id), None)
    if validator is None:
        raise DefinitionError(source, f"requestValidators/{validator_id}", "request validator is not defined")
    headers: list[tuple[str, str]] = []
    paths: list[str] = []
    querystrings: list[str] = []
    if validator.validate_request_parameters:
        for key, required in sorted(method.request_parameters.items()):
            match = _PARAMETER.fullmatch(key)
            if not required or match is None:
                continue
            location, name = match.groups()
            if location == "header":
                headers.append((name, name.lower()))
            else:
                (paths if location == "path" else querystrings).append(name)
    models: dict[str, BodyModel] = {}
    if validator.validate_request_body:
        for content_type, name in method.request_models.items():
            key = content_type if content_type == DEFAULT_MODEL else media_type(content_type)
            models[key] = _body_model(api, name, source)
    if not (headers or paths or querystrings or models):
        return None
    return RequestCheck(tuple(headers), tuple(paths), tuple(querystrings), models)


def check(
    request: RequestCheck,
    *,
    path_params: Mapping[str, str],
    query: Mapping[str, Sequence[str]],
    headers: Mapping[str, str],
    content_type: str | None,
    body: bytes,
) -> None:
    """Raise ``BadRequestParameters`` or ``BadRequestBody`` as AWS would for this request.

    ``headers`` are best keyed by lower-cased name (``RequestContext.header_map``); other
    spellings are found too, at some cost.
    """
    failure = find_failure(
        request, path_params=path_params, query=query, headers=headers, content_type=content_type, body=body
    )
    if failure is not None:
        raise failure.error()


def find_failure(
    request: RequestCheck,
    *,
    path_params: Mapping[str, str],
    query: Mapping[str, Sequence[str]],
    headers: Mapping[str, str],
    content_type: str | None,
    body: bytes,
) -> Failure | None:
    """Why the request fails validation (parameters first, then the body), or None."""
    if request.headers or request.paths or request.querystrings:
        missing = [name for name, key in request.headers if _blank(_header(headers, key))]
        missing += [name for name in request.paths if _blank(path_params.get(name))]
        missing += [name for name in request.querystrings if all(_blank(v) for v in query.get(name, ()))]
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            return Failure(False, message, message)
    if not request.models:
        return None
    media = media_type(content_type) if content_type else DEFAULT_CONTENT_TYPE
    model = request.models.get(media or DEFAULT_CONTENT_TYPE) or request.models.get(DEFAULT_MODEL)
    if model is None:
        return None
    messages = body_errors(model, body)
    if not messages:
        return None
    return Failure(True, BadRequestBody.default_message, validation_error_string(messages))


def body_errors(model: BodyModel, body: bytes) -> list[str]:
    """The validator's messages for ``body`` against ``model``; empty when it is valid."""
    typed = model.typed
    if typed is not None:
        try:
            typed.decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass  # maybe invalid, maybe only more than the types say: the whole way decides
        else:
            # msgspec skips the members a model does not name without checking their UTF-8,
            # and a body that is not UTF-8 is not JSON: that one too goes the whole way
            if body.isascii() or _is_utf8(body):
                return []
    try:
        instance = parse_body(body)
    except ValueError:
        return [NOT_JSON]
    try:
        model.fast(instance)
        return []
    except fastjsonschema.JsonSchemaValueException:
        pass
    except RecursionError:
        return ["instance is nested too deeply to validate"]
    try:
        return schema_errors(model.schema, instance)
    except RecursionError:
        return ["instance is nested too deeply to validate"]


def validation_error_string(messages: Sequence[str]) -> str:
    """``$context.error.validationErrorString``: the messages as a Java list prints them."""
    return f"[{', '.join(messages)}]"


def media_type(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def parse_body(body: bytes) -> Any:
    """The body as JSON; an empty body is ``{}``. Raises ``ValueError`` when it is not JSON."""
    if not body.strip():
        return {}
    try:  # msgspec, not orjson: orjson turns integers beyond 64 bits into floats
        return msgspec.json.decode(body)
    except msgspec.DecodeError:  # what it cannot hold (1e400, a lone surrogate) Python's json can
        return json.loads(body, parse_constant=_not_json)


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _header(headers: Mapping[str, str], lowered: str) -> str | None:
    value = headers.get(lowered)
    if value is not None:
        return value
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


# ---------------------------------------------------------------------------- compiling models


def _body_model(api: RestApi, name: str, source: str) -> BodyModel:
    location = f"models/{name}"
    try:
        schema = {**bundled_schema(api.models, name), "$schema": DRAFT4}
    except KeyError:
        raise DefinitionError(source, location, "the method's request model is not defined") from None
    for ref in _refs(schema):
        if not ref.startswith("#") or resolve(schema, ref) is None:
            raise DefinitionError(source, location, f"$ref {ref!r} does not name a model of this API")
    try:
        fast = _compiled(json.dumps(schema, sort_keys=True))
    except Exception as exc:  # fastjsonschema raises several kinds for a bad schema
        raise DefinitionError(source, location, f"not a usable JSON Schema draft 4: {exc}") from None
    return BodyModel(name, schema, fast, _typed(json.dumps(schema, sort_keys=True)))


def _refuse(uri: str) -> Any:
    raise fastjsonschema.JsonSchemaDefinitionException(f"remote $ref {uri!r} is not allowed")


_NO_REMOTE: dict[str, Callable[[str], Any]] = {s: _refuse for s in ("http", "https", "ftp", "file", "data")}


@lru_cache(maxsize=256)
def _compiled(schema_json: str) -> Callable[[Any], Any]:
    """The compiled validator of a schema, shared by every method and deployment using it."""
    compiled: Callable[[Any], Any] = fastjsonschema.compile(
        json.loads(schema_json), handlers=_NO_REMOTE, use_default=False, detailed_exceptions=False
    )
    return compiled


@lru_cache(maxsize=256)
def _typed(schema_json: str) -> msgspec.json.Decoder[Any] | None:
    """The schema's typed decoder (or None), shared like ``_compiled``'s validators."""
    return typed_decoder(json.loads(schema_json))


def _refs(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            elif key not in ("enum", "default", "example"):
                yield from _refs(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _refs(item)
